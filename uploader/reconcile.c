/* uploader/reconcile.c — asking the server what it already holds; see reconcile.h. */
#include "uploader/reconcile.h"

#include "uploader/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "converter/output_guard.h"
#include "uploader/answer.h"

/* Unix time of an ISO-8601 time with an offset (2026-11-01T02:00:00+08:00), or -1. */
static long long iso_unix(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0;
    char sign = '+';
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) < 3)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se};
    long long t = (long long)timegm(&tm);
    long long off = (oh * 3600LL + om * 60LL) * (sign == '-' ? -1 : 1);
    return sign == 'Z' ? t : t - off;
}

void df_reconcile_since(const df_batch_info *b, char *out, size_t n)
{
    char first[40];
    snprintf(first, sizeof first, "%.7s-01T00:00:00+08:00", b->period);
    long long t = iso_unix(first), c = b->created_at[0] ? iso_unix(b->created_at) : -1;
    long long month_ago = (long long)time(NULL) - 31LL * 86400;
    if (t < 0 || (c >= 0 && c < t))
        t = c;
    if (t < 0 || month_ago < t)
        t = month_ago;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void df_server_files_free(df_server_files *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}

static int keep_file(void *arg, const df_file_result *r)
{
    df_server_files *f = arg;
    if (!df_chunk_name_of_batch(r->file_name, f->batch))
        return 0;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        df_server_file *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return 1;
        f->v = v;
        f->cap = cap;
    }
    df_server_file *s = &f->v[f->n++];
    snprintf(s->name, sizeof s->name, "%s", r->file_name);
    snprintf(s->file_id, sizeof s->file_id, "%s", r->file_id);
    return 0;
}

enum { ASK_OK, ASK_TRANSIENT, ASK_REFUSED, ASK_ERROR };

/* One request: ASK_OK, ASK_TRANSIENT or ASK_REFUSED (msg says why), or
 * ASK_ERROR (err). */
static int ask(struct df_client *c, const char *since, df_server_files *out, char *msg, size_t n, df_error *err)
{
    const df_protocol *pr = &df_client_profile(c)->protocol;
    char *form = NULL;
    size_t flen = 0;
    if (df_form_add(&form, &flen, pr->results_since, since) != 0) {
        df_errorf(err, "out of memory");
        return ASK_ERROR;
    }
    df_transfer tx;
    int rc = df_transfer_form(c, &tx, df_client_profile(c)->entry_results, form, DF_ANSWER_MAX_RESULTS, err);
    free(form);
    if (rc != 0)
        return ASK_ERROR;
    long http;
    df_tx_class k = df_client_perform(c, &tx, &http, msg, n);
    rc = k == DF_TX_OK ? ASK_OK : k == DF_TX_TRANSIENT ? ASK_TRANSIENT : ASK_REFUSED;
    if (k == DF_TX_OK) {
        df_answer a;
        df_error perr;
        out->n = 0;
        df_code_class cls;
        char cm[900];
        if (df_answer_parse_results(pr, tx.body, tx.len, DF_ANSWER_MAX_RESULTS, &a, keep_file, out, &perr) != 0) {
            snprintf(msg, n, "%s: %s", tx.url, perr.msg);
            rc = ASK_REFUSED;
        } else if ((cls = df_protocol_class(pr, a.code)) != DF_CODE_OK) {
            df_answer_code_message(pr, a.code, a.message, cm, sizeof cm);
            snprintf(msg, n, "%s: %s", tx.url, cm);
            rc = cls == DF_CODE_TRANSIENT ? ASK_TRANSIENT : ASK_REFUSED;
        }
    }
    df_transfer_cleanup(&tx);
    return rc;
}

int df_reconcile_fetch(struct df_client *c, const df_retry *retry, const char *batch, const char *since,
                       df_server_files *out, df_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->batch, sizeof out->batch, "%s", batch);
    df_backoff b;
    df_backoff_init(&b, retry);
    char msg[1200] = "";
    int failed = 0;
    for (;;) {
        int k = ask(c, since, out, msg, sizeof msg, err);
        if (k == ASK_ERROR) {
            df_server_files_free(out);
            return -1;
        }
        if (k == ASK_OK)
            return 0;
        if (k == ASK_REFUSED || !df_backoff_again(&b, ++failed))
            break;
        usleep((useconds_t)df_backoff_delay_ms(&b, failed) * 1000);
    }
    df_server_files_free(out);
    return df_errorf(err, "cannot ask the server which chunks of batch %s it already holds, so none was sent: %s "
                     "(gave up after %d attempts)", batch, msg, failed);
}

const df_server_file *df_server_files_find(const df_server_files *f, const char *name, int *count)
{
    const df_server_file *first = NULL;
    int k = 0;
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->v[i].name, name)) {
            if (!first)
                first = &f->v[i];
            k++;
        }
    if (count)
        *count = k;
    return first;
}
