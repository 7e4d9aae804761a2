/* cli/common.c — what the subcommands share (cli.h): the session from the
 * network options, failure messages, exit codes from outcomes. */
#include "cli/cli.h"

#include "base/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/values.h"
#include "mapping/encoding.h"
#include "uploader/status.h"
#include "uploader/upload.h"

int df_cli_session(df_session *s, const df_cli_net *n, int need_client, int need_journal, df_error *err)
{
    df_session_options o = {
        .config = n->config,
        .profile = n->profile,
        .workspace = n->workspace,
        .endpoint = n->endpoint,
        .ca = n->ca,
        .parallel = n->parallel,
        .attempts = n->attempts,
        .need_key = need_client,
        .need_client = need_client,
        .need_journal = need_journal,
        .command = n->command,
        .lock_wait = n->lock_wait,
        .prompt = isatty(0),
    };
    return df_session_open(s, &o, err);
}

int df_cli_inputs(const df_command_spec *spec, char **args, int n)
{
    int dash = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(args[i], "-")) {
            if (dash++)
                return df_cmdline_usage_error(spec, "standard input ('-') can be read once only");
            args[i] = "/dev/stdin";
        }
    return 0;
}

int df_cli_fail(int code, const df_error *err)
{
    df_log_error("%s", err->msg);
    return code;
}

int df_cli_upload_exit(const df_upload_stats *u)
{
    return u->gave_up || u->refused || u->not_asked ? DF_EXIT_NETWORK : DF_EXIT_OK;
}

void df_cli_upload_json(const df_upload_stats *u, FILE *out)
{
    fprintf(out, "\"uploaded\": %d, \"duplicates\": %d, \"adopted\": %d, \"server_doubles\": %d, \"not_asked\": %d, "
            "\"refused\": %d, \"gave_up\": %d, \"attempts\": %lld", u->uploaded, u->duplicates, u->adopted,
            u->server_doubles, u->not_asked, u->refused, u->gave_up, u->attempts);
}

int df_cli_catalogs_encoding(const char *option, const df_config *cfg, df_encoding *out, df_error *err)
{
    const char *v = option ? option : cfg->catalogs_encoding[0] ? cfg->catalogs_encoding : "UTF-8";
    if (df_encoding_parse(v, out) != 0)
        return df_errorf(err, "%s '%s' is not an encoding drugflow reads: UTF-8, GBK or GB18030",
                         option ? "--catalogs-encoding" : "catalogs_encoding", v);
    return 0;
}

int df_cli_csv_format(const char *choice)
{
    return choice && !strcmp(choice, "raw") ? DF_CSV_RAW : DF_CSV_EXCEL;
}

int df_cli_status(df_session *s, const char *batch, long timeout, int json, int errors_format, df_status_totals *t)
{
    df_status_options so = {
        .client = s->client,
        .journal = s->journal,
        .batch = batch,
        .timeout_s = timeout,
        .attempts = s->cfg.attempts,
        .progress = df_log_progress(),
        .errors_format = errors_format,
    };
    df_error err;
    if (df_status_run(&so, json ? NULL : stdout, json ? stderr : stdout, t, &err) != 0)
        return df_cli_fail(DF_EXIT_FATAL, &err);
    if (t->error[0])
        fprintf(stderr, "drugflow status: %s\n", t->error);
    if (t->network)
        return DF_EXIT_NETWORK;
    if (t->timed_out || t->pending) {
        fprintf(stderr, "drugflow status: %d chunk(s) not final yet; run 'drugflow status' again later\n",
                t->pending);
        return DF_EXIT_TIMEOUT;
    }
    if (t->anomalies)
        fprintf(stderr, "drugflow status: %d chunk(s) got results from the server that cannot be true (ANOMALY, "
                "see the table); they are not counted as reported: keep the files and ask the provincial help desk\n",
                t->anomalies);
    if (t->chunks == 0 || t->passed == t->chunks)
        return DF_EXIT_OK;
    return t->refused || t->not_uploaded ? DF_EXIT_NETWORK : DF_EXIT_REJECTED;
}
