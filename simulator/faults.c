/* simulator/faults.c — the faults drugflow-sim injects for its clients'
 * tests (--fault-5xx, --fault-reset, --fault-stall, --fault-empty,
 * --latency-ms): which request gets which, drawn so that the same
 * --fault-seed and request order always give the same faults; and results
 * that cannot be true (--fault-results). */
#include "simulator/sim.h"

#include <microhttpd.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The k-th uniform draw in [0,1) for request n: the same for a given seed
 * and request order. */
static double draw(const sim_config *cfg, unsigned long long n, int k)
{
    uint64_t x = mix64(cfg->fault_seed ^ mix64(n * 4 + (uint64_t)k));
    return (double)(x >> 11) / 9007199254740992.0;
}

void sim_faults_plan(const sim_config *cfg, unsigned long long n, sim_fault_plan *out)
{
    out->latency_ms = cfg->latency_ms;
    out->stall = cfg->fault_stall > 0 && draw(cfg, n, 0) < cfg->fault_stall;
    out->http = 0;
    if (cfg->fault_5xx > 0 && draw(cfg, n, 1) < cfg->fault_5xx)
        out->http = draw(cfg, n, 3) < 0.5 ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_SERVICE_UNAVAILABLE;
    out->reset = !out->http && cfg->fault_reset > 0 && draw(cfg, n, 2) < cfg->fault_reset;
    /* An empty answer uses the 5xx draw's slot: a request gets one or the other. */
    if (!out->http && !out->reset && cfg->fault_empty > 0 && draw(cfg, n, 1) < cfg->fault_empty)
        out->http = MHD_HTTP_OK, out->empty = 1;
}

const sim_file_info *sim_faults_results(const sim_config *cfg, sim_file_info *f)
{
    const char *lie = cfg->fault_results;
    int final = f->state == DF_STATE_PASSED || f->state == DF_STATE_PARTIAL || f->state == DF_STATE_FAILED;
    if (!final || !lie[0] || !strcmp(lie, "none"))
        return f;
    if (!strcmp(lie, "counts")) { /* Passed + Failed != Total */
        f->passed = f->total;
        f->failed = 1;
    } else if (!strcmp(lie, "negative")) {
        f->failed = -1;
        f->total = f->passed - 1;
    } else if (!strcmp(lie, "total")) { /* one record more than the file holds */
        f->total++;
        f->passed++;
    }
    return f;
}
