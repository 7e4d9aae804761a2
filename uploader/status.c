/* uploader/status.c — polling, storing and reporting the server's results; see status.h. */
#include "uploader/status.h"

#include "uploader/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/path.h"
#include "uploader/answer.h"
#include "report/fixlist.h"

typedef struct id_list {
    df_chunk_row *rows;
    size_t n, cap;
} id_list;

static int collect(void *arg, const df_chunk_row *r)
{
    id_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        df_chunk_row *nr = realloc(l->rows, cap * sizeof *nr);
        if (!nr)
            return 1;
        l->rows = nr;
        l->cap = cap;
    }
    l->rows[l->n++] = *r;
    return 0;
}

typedef struct poll_ctx {
    df_journal *j;
    df_chunk_row *rows;
    size_t n;
    int final;
    df_error *err;
    int failed;
    const df_protocol *pr;   /* the server's state names, for messages */
} poll_ctx;

/* The journal's final state for a server state, or -1 while it is not final. */
static int final_state(int server_state)
{
    switch (server_state) {
    case DF_STATE_PASSED: return DF_CS_PASSED;
    case DF_STATE_PARTIAL: return DF_CS_PARTIAL;
    case DF_STATE_FAILED: return DF_CS_FAILED;
    default: return -1; /* pending, processing */
    }
}

/* Why the server's result for chunk r cannot be true, or NULL: counts that
 * do not add up or do not fit the chunk, a status its counts contradict. */
static const char *impossible(const df_file_result *f, df_chunk_state st, const df_chunk_row *r, char *why, size_t n)
{
    long long t = f->total, p = f->passed, x = f->failed;
    if (t < 0 || p < 0 || x < 0)
        snprintf(why, n, "negative counts (total %lld, passed %lld, failed %lld)", t, p, x);
    else if (p + x != t)
        snprintf(why, n, "passed %lld + failed %lld is not the total %lld", p, x, t);
    else if (st == DF_CS_PASSED && x != 0)
        snprintf(why, n, "PASSED with %lld failed record(s)", x);
    else if (st == DF_CS_PARTIAL && x == 0)
        snprintf(why, n, "PARTIAL without a failed record");
    else if (st == DF_CS_FAILED && p != 0)
        snprintf(why, n, "FAILED with %lld passed record(s)", p);
    else if (t != r->records && (st != DF_CS_FAILED || t != 0))
        snprintf(why, n, "a total of %lld, but the chunk holds %lld record(s)", t, r->records);
    else if (f->file_name[0] && strcmp(f->file_name, r->name) != 0)
        snprintf(why, n, "the server names file id %s '%.100s', not %s", f->file_id, f->file_name, r->name);
    else
        return NULL;
    return why;
}

typedef struct sharers {
    df_chunk_row rows[8];
    int n;
} sharers;

static int add_sharer(void *arg, const df_chunk_row *r)
{
    sharers *s = arg;
    if (s->n < 8)
        s->rows[s->n] = *r;
    s->n++;
    return 0;
}

/* One FileId for two chunks cannot be (their headers differ): every chunk
 * holding it is an ANOMALY. 1 if so (and done), 0 if the FileId is this
 * chunk's alone, -1 on a journal error. */
static int shared_file_id(poll_ctx *c, const df_file_result *f)
{
    sharers sh = {.n = 0};
    if (df_journal_chunks_by_file_id(c->j, f->file_id, add_sharer, &sh, c->err) != 0)
        return -1;
    if (sh.n < 2)
        return 0;
    char why[512];
    int k = snprintf(why, sizeof why, "the server gave file id %s to %d chunks:", f->file_id, sh.n);
    for (int i = 0; i < sh.n && i < 8 && k > 0 && (size_t)k < sizeof why; i++)
        k += snprintf(why + k, sizeof why - (size_t)k, " %s", sh.rows[i].name);
    for (int i = 0; i < sh.n && i < 8; i++)
        if (df_journal_set_anomaly(c->j, sh.rows[i].id, f->total, f->passed, f->failed, why, c->err) != 0)
            return -1;
    return 1;
}

/* A final result: stored, or an ANOMALY when it cannot be true. */
static int store_result(poll_ctx *c, const df_file_result *f, df_chunk_state st, df_chunk_row *r)
{
    int shared = shared_file_id(c, f);
    if (shared != 0)
        return shared < 0 ? -1 : 0;
    char why[400];
    if (impossible(f, st, r, why, sizeof why)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s (the server said %s)", why, c->pr->states[f->state]);
        return df_journal_set_anomaly(c->j, r->id, f->total, f->passed, f->failed, msg, c->err);
    }
    df_record_error errs[DF_MAX_RECORD_ERRORS];
    for (int e = 0; e < f->nerrors; e++) {
        errs[e].seq = f->errors[e].seq;
        snprintf(errs[e].code, sizeof errs[e].code, "%s", f->errors[e].code);
        snprintf(errs[e].message, sizeof errs[e].message, "%s", f->errors[e].message);
    }
    return df_journal_set_result(c->j, r->id, st, f->total, f->passed, f->failed, errs, f->nerrors, c->err);
}

static int on_file(void *arg, const df_file_result *f)
{
    poll_ctx *c = arg;
    int fs = final_state(f->state);
    if (fs < 0)
        return 0;
    df_chunk_state st = (df_chunk_state)fs;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->rows[i].file_id, f->file_id) != 0 || c->rows[i].state != DF_CS_UPLOADED)
            continue;
        if (store_result(c, f, st, &c->rows[i]) != 0) {
            c->failed = 1;
            return 1;
        }
        c->rows[i].state = st;
        c->final++;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int df_status_poll(const df_status_options *o, df_status_totals *t, df_error *err)
{
    memset(t, 0, sizeof *t);
    long timeout = o->timeout_s > 0 ? o->timeout_s : 600;
    long interval = o->interval_ms > 0 ? o->interval_ms : 300;
    int attempts = o->attempts > 0 ? o->attempts : 8;
    long long deadline = now_ms() + timeout * 1000;
    int failures = 0;
    for (;;) {
        id_list l = {0};
        if (df_journal_chunks(o->journal, o->batch, DF_JSEL_TO_POLL, collect, &l, err) != 0) {
            free(l.rows);
            return -1;
        }
        if (l.n == 0) {
            free(l.rows);
            return 0;
        }
        int transient = 0;
        const df_protocol *pr = &df_client_profile(o->client)->protocol;
        size_t per = (size_t)pr->results_max_ids;
        for (size_t first = 0; first < l.n; first += per) {
            size_t n = l.n - first < per ? l.n - first : per;
            char *form = NULL;
            size_t flen = 0;
            for (size_t i = 0; i < n; i++)
                if (df_form_add(&form, &flen, pr->results_file_id, l.rows[first + i].file_id) != 0) {
                    free(form);
                    free(l.rows);
                    return df_errorf(err, "out of memory");
                }
            df_transfer tx;
            if (df_transfer_form(o->client, &tx, df_client_profile(o->client)->entry_results, form,
                                 DF_ANSWER_MAX_RESULTS, err) != 0) {
                free(form);
                free(l.rows);
                return -1;
            }
            free(form);
            long http;
            char msg[1200];
            df_tx_class k = df_client_perform(o->client, &tx, &http, msg, sizeof msg);
            if (k == DF_TX_OK) {
                df_answer a;
                poll_ctx c = {o->journal, l.rows + first, n, 0, err, 0, &df_client_profile(o->client)->protocol};
                df_error perr;
                df_code_class cls = DF_CODE_OK;
                if (df_answer_parse_results(pr, tx.body, tx.len, DF_ANSWER_MAX_RESULTS, &a, on_file, &c, &perr) != 0) {
                    if (c.failed) {
                        df_transfer_cleanup(&tx);
                        free(l.rows);
                        return -1;
                    }
                    snprintf(msg, sizeof msg, "%s: %s", tx.url, perr.msg);
                    k = DF_TX_REFUSED;
                } else if ((cls = df_protocol_class(pr, a.code)) != DF_CODE_OK) {
                    k = cls == DF_CODE_TRANSIENT ? DF_TX_TRANSIENT : DF_TX_REFUSED;
                    char cm[900];
                    df_answer_code_message(pr, a.code, a.message, cm, sizeof cm);
                    snprintf(msg, sizeof msg, "%s: %s", tx.url, cm);
                }
            }
            df_transfer_cleanup(&tx);
            if (k == DF_TX_REFUSED) {
                t->network = 1;
                snprintf(t->error, sizeof t->error, "%s", msg);
                free(l.rows);
                return 0;
            }
            if (k == DF_TX_TRANSIENT) {
                transient = 1;
                snprintf(t->error, sizeof t->error, "%s", msg);
                if (o->progress)
                    fprintf(o->progress, "drugflow: results: %s (will retry)\n", msg);
            }
        }
        free(l.rows);
        failures = transient ? failures + 1 : 0;
        if (failures >= attempts) {
            t->network = 1;
            return 0;
        }
        if (!transient)
            t->error[0] = 0;
        long long left = deadline - now_ms();
        if (left <= 0) {
            t->timed_out = 1;
            return 0;
        }
        long pause = interval < left ? interval : (long)left;
        if (o->progress)
            fprintf(o->progress, "waiting for the server's results…\n");
        usleep((useconds_t)pause * 1000);
        interval = interval * 3 / 2 > 5000 ? 5000 : interval * 3 / 2;
    }
}

/* ---- report ---- */

typedef struct report_ctx {
    FILE *out;
    df_status_totals *t;
    char batch[128];
} report_ctx;

static int report_row(void *arg, const df_chunk_row *r)
{
    report_ctx *c = arg;
    df_status_totals *t = c->t;
    t->chunks++;
    t->records += r->records;
    switch (r->state) {
    case DF_CS_PASSED: t->passed++; break;
    case DF_CS_PARTIAL: t->partial++; break;
    case DF_CS_FAILED: t->failed++; break;
    case DF_CS_ANOMALY: t->anomalies++; break;
    case DF_CS_UPLOADED: t->pending++; break;
    case DF_CS_REFUSED: t->refused++; break;
    default: t->not_uploaded++; break;
    }
    if (df_chunk_state_final(r->state) && r->state != DF_CS_ANOMALY) {
        t->rec_total += r->total;
        t->rec_passed += r->passed;
        t->rec_failed += r->failed;
    }
    if (!c->out)
        return 0;
    if (strcmp(c->batch, r->batch) != 0) {
        snprintf(c->batch, sizeof c->batch, "%s", r->batch);
        fprintf(c->out, "\nbatch %s\n%5s  %-36s %9s  %-9s  %-32s %9s %9s %9s\n", r->batch, "chunk", "file",
                "records", "state", "file id", "total", "passed", "failed");
    }
    char tot[32] = "-", pas[32] = "-", fai[32] = "-";
    if (df_chunk_state_final(r->state)) {
        snprintf(tot, sizeof tot, "%lld", r->total);
        snprintf(pas, sizeof pas, "%lld", r->passed);
        snprintf(fai, sizeof fai, "%lld", r->failed);
    }
    const char *st = r->state == DF_CS_UPLOADED ? "pending" : df_chunk_state_name(r->state);
    fprintf(c->out, "%5d  %-36s %9lld  %-9s  %-32s %9s %9s %9s\n", r->seq, r->name, r->records, st,
            r->file_id[0] ? r->file_id : "-", tot, pas, fai);
    if (r->state == DF_CS_REFUSED)
        fprintf(c->out, "       refused: %s\n", r->message);
    if (r->state == DF_CS_ANOMALY)
        fprintf(c->out, "       anomaly, not counted as reported: %s\n", r->message);
    return 0;
}

int df_status_report(df_journal *j, const char *batch, FILE *out, df_status_totals *t, df_error *err)
{
    df_status_totals keep = *t;
    memset(t, 0, sizeof *t);
    t->timed_out = keep.timed_out;
    t->network = keep.network;
    memcpy(t->error, keep.error, sizeof t->error);
    report_ctx c = {out, t, ""};
    if (df_journal_chunks(j, batch, DF_JSEL_ALL, report_row, &c, err) != 0)
        return -1;
    if (out) {
        fprintf(out, "\n%d chunk(s), %lld record(s): %d PASSED, %d PARTIAL, %d FAILED, %d pending, %d refused, "
                "%d not uploaded%s", t->chunks, t->records, t->passed, t->partial, t->failed, t->pending, t->refused,
                t->not_uploaded, t->anomalies ? ", " : "\n");
        if (t->anomalies)
            fprintf(out, "%d ANOMALY (results that cannot be true)\n", t->anomalies);
        if (t->passed + t->partial + t->failed)
            fprintf(out, "records checked by the server: %lld, passed %lld, failed %lld\n", t->rec_total,
                    t->rec_passed, t->rec_failed);
    }
    return 0;
}

void df_status_json(const df_status_totals *t, FILE *out)
{
    fprintf(out, "\"chunks\": %d, \"records\": %lld, \"passed\": %d, \"partial\": %d, \"failed\": %d, "
            "\"pending\": %d, \"refused\": %d, \"not_uploaded\": %d, \"records_checked\": %lld, "
            "\"records_passed\": %lld, \"records_failed\": %lld, \"anomalies\": %d, \"timed_out\": %s, "
            "\"network_error\": %s", t->chunks, t->records, t->passed, t->partial, t->failed, t->pending, t->refused,
            t->not_uploaded, t->rec_total, t->rec_passed, t->rec_failed, t->anomalies, t->timed_out ? "true" : "false",
            t->network ? "true" : "false");
}

/* ---- polling, reporting and the error files together ---- */

typedef struct batch_ctx {
    df_journal *j;
    const char *only;
    int failed;
    df_error *err;
    FILE *msg;
    int format;
} batch_ctx;

static int write_batch_errors(void *arg, const df_batch_info *b)
{
    batch_ctx *c = arg;
    if (c->only && strcmp(c->only, b->id) != 0)
        return 0;
    if (!b->out_dir[0] || access(b->out_dir, W_OK) != 0)
        return 0;
    df_fix_files f;
    if (df_fix_files_write(c->j, b->id, b->out_dir, c->format, &f, c->err) != 0) {
        c->failed = 1;
        return 1;
    }
    if (!c->msg)
        return 0;
    if (f.server_errors)
        fprintf(c->msg, "batch %s: %lld record error(s) from the server, traced to their input lines, in %s\n",
                b->id, f.server_errors, f.server_errors_path);
    if (f.unlisted)
        fprintf(c->msg, "batch %s: the server failed %lld more record(s) without listing them (it lists at most "
                "100 per file); fix the listed ones and send the batch again to see the rest\n", b->id, f.unlisted);
    if (f.fix.from_drugflow + f.fix.from_server)
        fprintf(c->msg, "batch %s: %lld row(s) to fix (%lld rejected by drugflow, %lld failed by the server), by "
                "input file and line, in %s\n", b->id, f.fix.from_drugflow + f.fix.from_server, f.fix.from_drugflow,
                f.fix.from_server, f.fixlist_path);
    return 0;
}

int df_status_run(const df_status_options *o, FILE *table, FILE *msgs, df_status_totals *t, df_error *err)
{
    if (df_status_poll(o, t, err) != 0 || df_status_report(o->journal, o->batch, table, t, err) != 0)
        return -1;
    batch_ctx bc = {o->journal, o->batch, 0, err, msgs, o->errors_format};
    if (df_journal_batches(o->journal, write_batch_errors, &bc, err) != 0 || bc.failed)
        return -1;
    return 0;
}
