/* cli/run.c — `drugflow run`: convert, sign, upload and wait for the
 * results as one pipelined, crash-safe command (uploader/run.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "cli/cli.h"
#include "mapping/mapping.h"
#include "report/html.h"
#include "uploader/run.h"
#include "uploader/status.h"
#include "workspace/catalogs.h"

typedef struct run_args {
    df_cli_net net;
    const char *mapping, *period, *batch, *out, *catalogs, *created, *rejects_format, *cat_enc;
    int no_catalogs, no_status, quiet, force, stats;
    long threads, timeout;
    long crec;
    uint64_t cbytes;
} run_args;

static int check_period(const char *v, char *why, size_t n) { return df_period_check(v, why, n); }
static int check_batch(const char *v, char *why, size_t n) { return df_batch_id_check(v, why, n); }
static int check_created(const char *v, char *why, size_t n) { return df_created_at_check(v, why, n); }

static void print_json(const char *batch, const df_convert_summary *sum, const df_run_result *rr,
                       const df_status_totals *t, int rc)
{
    printf("{");
    df_json_version(stdout);
    printf("\"batch\": ");
    df_json_str(stdout, batch);
    printf(", \"convert\": ");
    df_summary_json(sum, stdout, 20);
    printf(", \"upload\": {\"skipped\": %d, ", rr->skipped);
    df_cli_upload_json(&rr->upload, stdout);
    printf("}, \"status\": {");
    df_status_json(t, stdout);
    printf("}, \"exit\": %d}\n", rc);
}

/* The batch report at the end of every run (a failure to write it is said, not fatal). */
static void write_report(df_session *s, const char *batch, double status_seconds)
{
    df_error err;
    char path[DF_PATH_MAX];
    df_report_options ro = {.batch = batch};
    if ((status_seconds >= 0 && df_report_save_time(s->journal, batch, "waiting for results", status_seconds, &err) != 0) ||
        df_report_write(s->journal, &ro, path, sizeof path, &err) != 0)
        fprintf(stderr, "drugflow run: no batch report: %s\n", err.msg);
    else
        fprintf(stderr, "drugflow run: batch report: %s\n", path);
}

/* After the conversion and uploads: the summary, the wait for results, the exit code. */
static int report(const run_args *a, df_session *s, const df_batch_info *b, const char *cat_source,
                  df_convert_summary *sum, df_run_result *rr)
{
    if (rr->recovered)
        fprintf(stderr, "drugflow run: batch %s was not in the journal, but %s holds its signed chunks: continued "
                "with their CreatedAt %s, so that the same data makes the same bytes\n", b->id, b->out_dir,
                b->created_at);
    if (!a->quiet) {
        if (cat_source[0])
            fprintf(stderr, "catalogs: %s\n", cat_source);
        df_summary_print(sum, stderr, 20);
    }
    if (a->stats)
        df_stats_print(sum, stderr);
    fprintf(stderr, "drugflow run: batch %s: %zu chunk(s); %d already on the server before this run, %d uploaded "
            "(%d duplicates), %d refused, %d not sent after all attempts\n", b->id, sum->nchunks, rr->skipped,
            rr->upload.uploaded, rr->upload.duplicates, rr->upload.refused, rr->upload.gave_up);
    if (rr->upload.adopted)
        fprintf(stderr, "drugflow run: the journal had no file id for %d chunk(s) of batch %s that the server already "
                "holds (was %s/journal.sqlite lost?): the server's file ids were adopted and nothing was sent twice\n",
                rr->upload.adopted, b->id, s->cfg.workspace);
    if (rr->upload.note[0])
        fprintf(stderr, "drugflow run: %s\n", rr->upload.note);
    if (rr->upload.not_asked)
        fprintf(stderr, "drugflow run: %d chunk(s) not sent: the server could not be asked what it already holds\n",
                rr->upload.not_asked);
    if (rr->upload.first_error[0])
        fprintf(stderr, "drugflow run: %s\n", rr->upload.first_error);
    int rc = df_cli_upload_exit(&rr->upload);
    df_status_totals t;
    memset(&t, 0, sizeof t);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int asked = rc == DF_EXIT_OK && !a->no_status;
    if (asked)
        rc = df_cli_status(s, b->id, a->timeout ? a->timeout : s->cfg.status_timeout, a->net.json,
                           df_cli_csv_format(a->rejects_format), &t);
    else if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow run: the journal in %s is intact; run the same command again to finish\n",
                s->cfg.workspace);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    write_report(s, b->id, asked ? (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 : -1);
    if (rc == DF_EXIT_OK && sum->rejected)
        rc = DF_EXIT_REJECTED;
    if (a->net.json)
        print_json(b->id, sum, rr, &t, rc);
    return rc;
}

static int run_batch(const run_args *a, const char *const *inputs, int ninputs)
{
    df_error err;
    df_session s;
    if (df_cli_session(&s, &a->net, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    int rc = DF_EXIT_USAGE;
    static df_mapping mapping;
    df_catalog_set cats;
    df_catalog_set_init(&cats, s.profile);
    char cat_source[DF_PATH_MAX + 32] = "";
    df_catalog_sources src = {.csv_dir = a->catalogs, .workspace = s.cfg.workspace, .config_dir = s.cfg.catalogs};
    int have_mapping = df_cli_catalogs_encoding(a->cat_enc, &s.cfg, &src.encoding, &err) == 0 &&
                       df_mapping_load(&mapping, s.profile, a->mapping, &err) == 0;
    int l = !have_mapping || a->no_catalogs ? 0 : df_catalogs_load(s.profile, &src, &cats, cat_source,
                                                                    sizeof cat_source, &err);
    if (!have_mapping || l < 0) {
        df_cli_fail(rc, &err);
    } else if (l == 0 && !a->no_catalogs) {
        fprintf(stderr, "drugflow run: no catalogs to match rows against: run 'drugflow catalog pull', give "
                "--catalogs DIR, or --no-catalogs\nTry 'drugflow run --help'.\n");
    } else {
        df_batch_request req = {
            .batch_id = a->batch, .period = a->period, .created_at = a->created, .out_dir = a->out,
            .chunk_records = (uint64_t)a->crec, .chunk_bytes = a->cbytes, .threads = (int)a->threads,
            .rejects_format = df_cli_csv_format(a->rejects_format), .force = a->force,
            .progress = isatty(2) && !a->quiet, .stats = a->stats, .log = a->quiet ? NULL : stderr, .verbose = df_log_verbose,
        };
        df_batch_info b;
        df_convert_summary sum;
        df_run_result rr;
        if (df_run_batch(&s, &mapping, &cats, inputs, ninputs, &req, &b, &sum, &rr, &err) != 0)
            rc = df_cli_fail(rr.usage_error ? DF_EXIT_USAGE : DF_EXIT_FATAL, &err);
        else
            rc = report(a, &s, &b, cat_source, &sum, &rr);
        df_summary_free(&sum);
    }
    df_catalog_set_free(&cats);
    if (have_mapping)
        df_mapping_free(&mapping);
    df_session_close(&s);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.net = {.command = "run"}};
    const df_opt opts[] = {
        {.name = "mapping", .short_name = 'm', .type = DF_ARG_STRING, .dest = &a.mapping, .arg = "FILE",
         .help = "mapping of the export's columns"},
        {.name = "period", .short_name = 'p', .type = DF_ARG_STRING, .dest = &a.period, .arg = "YYYY-MM",
         .help = "reporting period", .check = check_period},
        {.name = "batch-id", .type = DF_ARG_STRING, .dest = &a.batch, .arg = "ID",
         .help = "batch id (default PERIOD-DOCTYPE-01)", .check = check_batch},
        {.name = "out", .short_name = 'o', .type = DF_ARG_STRING, .dest = &a.out, .arg = "DIR",
         .help = "the batch's folder (default WORKSPACE/BATCH-ID)"},
        {.name = "catalogs", .type = DF_ARG_STRING, .dest = &a.catalogs, .arg = "DIR",
         .help = "portal CSV exports (default: the workspace's pulled catalogs,\nelse the configuration's)"},
        DF_CLI_CATALOGS_ENCODING_OPT(a.cat_enc),
        {.name = "no-catalogs", .type = DF_ARG_FLAG, .dest = &a.no_catalogs, .help = "do not match catalogs"},
        {.name = "created-at", .type = DF_ARG_STRING, .dest = &a.created, .arg = "TIME", .check = check_created,
         .help = "CreatedAt of a new batch (default now; a rerun keeps the journal's)"},
        {.name = "chunk-records", .type = DF_ARG_INT, .dest = &a.crec, .arg = "N", .min = DF_MIN_CHUNK_RECORDS,
         .max = DF_MAX_CHUNK_RECORDS, .help = "records per chunk of a new batch (default 20000)"},
        {.name = "chunk-bytes", .type = DF_ARG_SIZE, .dest = &a.cbytes, .arg = "N", .min = DF_MIN_CHUNK_BYTES,
         .max = DF_MAX_CHUNK_BYTES, .help = "bytes per chunk of a new batch (default 16M)"},
        {.name = "threads", .short_name = 'j', .type = DF_ARG_INT, .dest = &a.threads, .min = 1,
         .max = DF_MAX_THREADS, .help = "worker threads: parse, check, write, sign (default: cores)"},
        DF_CLI_NET_OPTS(a.net),
        DF_CLI_PARALLEL_OPT(a.net),
        DF_CLI_LOCK_OPT(a.net),
        {.name = "no-status", .type = DF_ARG_FLAG, .dest = &a.no_status, .help = "do not wait for the results"},
        {.name = "timeout", .type = DF_ARG_INT, .dest = &a.timeout, .arg = "S", .min = 1, .max = 7 * 86400,
         .help = "seconds to wait for the results (default 600)"},
        {.name = "stats", .type = DF_ARG_FLAG, .dest = &a.stats,
         .help = "the conversion's time per stage, waits and bytes (also in --json)"},
        {.name = "quiet", .short_name = 'q', .type = DF_ARG_FLAG, .dest = &a.quiet,
         .help = "no conversion summary on stderr"},
        DF_CLI_REJECTS_FORMAT_OPT(a.rejects_format, "rejects.csv and server-errors.csv"),
        {.name = "force", .type = DF_ARG_FLAG, .dest = &a.force,
         .help = "replace signed chunks in the batch folder that the journal\ndid not write (see above)"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "run", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = -1,
        .usage = "--mapping FILE --period YYYY-MM [OPTIONS] EXPORT.csv...",
        .about = "Converts, signs and uploads a batch in one pipeline, then waits for the server's results:\n"
                 "uploads start as soon as the first chunk is signed, while later chunks are still being\n"
                 "written (a bounded queue holds the converter back if the server is slow). Everything is\n"
                 "journaled in the workspace: if the run is interrupted (even killed), run the same command\n"
                 "again — chunks the server confirmed are not sent again, the others are, and the server\n"
                 "holds each chunk exactly once. The batch's CreatedAt and chunk sizes are kept in the\n"
                 "journal so that a rerun produces the same bytes.\n"
                 "The server is the source of truth: before sending, it is asked (the profile's results\n"
                 "entry, by time) which chunks of the batch it holds, by file name; those are adopted with\n"
                 "the server's file id and never sent again, even when journal.sqlite was deleted or emptied.\n"
                 "A batch the journal does not know continues with the CreatedAt of the signed chunks its\n"
                 "folder still holds (the same bytes again); a signed chunk there that the journal did not\n"
                 "write is never overwritten with other bytes unless --force. If the server cannot be\n"
                 "asked, nothing is sent (exit 4). One drugflow process works in a workspace at a time.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    if (!a.mapping)
        return df_cmdline_usage_error(&spec, "--mapping FILE is required");
    if (!a.period)
        return df_cmdline_usage_error(&spec, "--period YYYY-MM is required (e.g. 2026-10)");
    if (first >= argc)
        return df_cmdline_usage_error(&spec, "give at least one CSV export");
    if (df_cli_inputs(&spec, argv + first, argc - first) != 0)
        return DF_EXIT_USAGE;
    return run_batch(&a, (const char *const *)argv + first, argc - first);
}
