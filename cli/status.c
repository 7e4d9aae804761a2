/* cli/status.c — `drugflow status`: waits for the server's results of the
 * uploaded chunks, stores them, prints a table and totals and writes the
 * record errors beside rejects.csv. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "uploader/session.h"
#include "uploader/status.h"

static const char status_help[] =
    "usage: drugflow status [OPTIONS]\n"
    "\n"
    "Asks toDowloadFileDeal.do for the results of the uploaded chunks (at most 100 FileIds per\n"
    "request) until each is final (PASSED, PARTIAL, FAILED) or --timeout; stores them in the\n"
    "journal; prints a table per chunk and the totals on stdout; writes the server's record\n"
    "errors to server-errors.csv in each batch's folder (beside rejects.csv, UTF-8 with BOM).\n"
    "\n"
    "  -c, --config FILE      configuration file\n"
    "  -w, --workspace DIR    workspace (default: configuration 'workspace:')\n"
    "      --batch ID         only this batch (default: every batch)\n"
    "      --timeout S        seconds to wait for final results (default: config, 600)\n"
    "      --no-wait          ask once, do not wait\n"
    "      --endpoint E, --ca FILE, --profile FILE   as for upload\n"
    "      --json             totals as JSON on stdout instead of the table\n"
    "  -h, --help             this text\n"
    "\n" DF_EXIT_CODES_HELP;

typedef struct batch_ctx {
    df_journal *j;
    const char *only;
    int failed;
    df_error *err;
    FILE *msg;
} batch_ctx;

static int write_errors(void *arg, const df_batch_info *b)
{
    batch_ctx *c = arg;
    if (c->only && strcmp(c->only, b->id) != 0)
        return 0;
    if (!b->out_dir[0] || access(b->out_dir, W_OK) != 0)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/server-errors.csv", b->out_dir);
    long long n;
    if (df_status_write_errors(c->j, b->id, path, &n, c->err) != 0) {
        c->failed = 1;
        return 1;
    }
    if (n && c->msg)
        fprintf(c->msg, "batch %s: %lld record error(s) from the server in %s\n", b->id, n, path);
    return 0;
}

int df_cli_status(df_session *s, const char *batch, long timeout, int json, FILE *table, df_error *err,
                  df_status_totals *t)
{
    df_status_options so = {
        .client = s->client,
        .journal = s->journal,
        .batch = batch,
        .timeout_s = timeout,
        .attempts = s->cfg.attempts,
        .progress = isatty(2) ? stderr : NULL,
    };
    if (df_status_poll(&so, t, err) != 0)
        return DF_EXIT_FATAL;
    if (df_status_report(s->journal, batch, json ? NULL : table, t, err) != 0)
        return DF_EXIT_FATAL;
    batch_ctx bc = {s->journal, batch, 0, err, json ? stderr : table};
    if (df_journal_batches(s->journal, write_errors, &bc, err) != 0 || bc.failed)
        return DF_EXIT_FATAL;
    if (t->error[0])
        fprintf(stderr, "drugflow status: %s\n", t->error);
    if (t->network)
        return DF_EXIT_NETWORK;
    if (t->timed_out || t->pending) {
        fprintf(stderr, "drugflow status: %d chunk(s) not final yet; run 'drugflow status' again later\n",
                t->pending);
        return DF_EXIT_TIMEOUT;
    }
    if (t->chunks == 0 || t->passed == t->chunks)
        return DF_EXIT_OK;
    return t->refused || t->not_uploaded ? DF_EXIT_NETWORK : DF_EXIT_REJECTED;
}

int cmd_status(int argc, char **argv)
{
    enum { OPT_TIMEOUT = 300, OPT_NOWAIT };
    static const struct option opts[] = {
        DF_NET_LONG_OPTIONS,
        {"batch", required_argument, 0, 'b'},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"no-wait", no_argument, 0, OPT_NOWAIT},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    df_cli_net n = {0};
    const char *batch = NULL;
    long timeout = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:w:P:b:h", opts, NULL)) != -1) {
        int k = df_cli_net_option(&n, c, optarg, "status");
        if (k < 0)
            return DF_EXIT_USAGE;
        if (k)
            continue;
        switch (c) {
        case 'b': batch = optarg; break;
        case OPT_TIMEOUT:
            if (df_parse_int(optarg, 0, 7 * 86400, &timeout) != 0)
                return df_cli_usage_error("status", "--timeout takes seconds, not '%s'", optarg);
            break;
        case OPT_NOWAIT: timeout = -1; break;
        case 'h': fputs(status_help, stdout); return DF_EXIT_OK;
        default: return df_cli_usage_error("status", "unknown option");
        }
    }
    df_error err;
    df_session s;
    if (df_cli_session(&s, &n, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_status_totals t;
    long to = timeout > 0 ? timeout : timeout < 0 ? 1 : s.cfg.status_timeout;
    int rc = df_cli_status(&s, batch, to, n.json, stdout, &err, &t);
    if (rc == DF_EXIT_FATAL)
        df_cli_fail(rc, &err);
    if (n.json) {
        printf("{");
        df_status_json(&t, stdout);
        printf(", \"exit\": %d}\n", rc);
    }
    df_session_close(&s);
    return rc;
}
