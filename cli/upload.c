/* cli/upload.c — `drugflow upload`: records any chunk files given in the
 * journal, then sends the workspace's chunks that have no FileId yet, N at
 * a time. */
#include <stdio.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "cli/cli.h"
#include "uploader/upload.h"
#include "workspace/register.h"

static int upload_all(const df_cli_net *net, const char *batch, char **paths, int npaths)
{
    df_error err;
    df_session s;
    if (df_cli_session(&s, net, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    int rc = DF_EXIT_OK;
    for (int i = 0; i < npaths; i++)
        if (df_register_path(s.journal, s.profile, paths[i], &err) != 0) {
            rc = df_cli_fail(DF_EXIT_USAGE, &err);
            goto out;
        }
    df_upload_options uo = {
        .client = s.client,
        .journal = s.journal,
        .parallel = s.cfg.uploads,
        .retry = {s.cfg.attempts, s.cfg.retry_base_ms, 0},
        .progress = df_log_progress(),
        .reconcile = 1,
    };
    df_upload_stats u;
    int queued;
    if (df_upload_pending(&uo, batch, &u, &queued, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        goto out;
    }
    rc = df_cli_upload_exit(&u);
    fprintf(stderr, "drugflow upload: %d chunk(s) to send: %d uploaded (%d already on the server), %d refused, "
            "%d not sent after all attempts\n", queued, u.uploaded, u.duplicates, u.refused, u.gave_up);
    if (u.adopted)
        fprintf(stderr, "drugflow upload: %d chunk(s) the journal had no file id for are already on the server "
                "(asked by name): the server's file ids were adopted and they were not sent again\n", u.adopted);
    if (u.not_asked)
        fprintf(stderr, "drugflow upload: %d chunk(s) not sent: the server could not be asked what it already "
                "holds\n", u.not_asked);
    if (u.note[0])
        fprintf(stderr, "drugflow upload: %s\n", u.note);
    if (u.first_error[0])
        fprintf(stderr, "drugflow upload: %s\n", u.first_error);
    if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow upload: the journal in %s is intact; run 'drugflow upload' again to send the rest\n",
                s.cfg.workspace);
    if (net->json) {
        printf("{");
        df_json_version(stdout);
        printf("\"queued\": %d, ", queued);
        df_cli_upload_json(&u, stdout);
        printf(", \"exit\": %d}\n", rc);
    }
out:
    df_session_close(&s);
    return rc;
}

int cmd_upload(int argc, char **argv)
{
    df_cli_net net = {.command = "upload"};
    const char *batch = NULL;
    const df_opt opts[] = {
        DF_CLI_NET_OPTS(net),
        DF_CLI_PARALLEL_OPT(net),
        DF_CLI_LOCK_OPT(net),
        {.name = "batch", .short_name = 'b', .type = DF_ARG_STRING, .dest = &batch, .arg = "ID",
         .help = "only this batch"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "upload", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = -1,
        .usage = "[OPTIONS] [CHUNK.xml | DIR]...",
        .about = "Uploads data files to the provincial interface over mutual TLS, exactly once each.\n"
                 "The data files or folders given are first recorded in the workspace journal (a folder's\n"
                 "BATCH_NNNNN.xml files); then every chunk of the workspace (or of --batch) without a\n"
                 "file id from the server is sent, --parallel at a time. Transport errors, HTTP 5xx and\n"
                 "the answer codes the profile classes transient (busy) are retried with exponential\n"
                 "backoff and jitter, up to --attempts per chunk; HTTP 4xx and the other codes are not\n"
                 "retried and are reported with the profile's advice (an archived period: request a\n"
                 "deletion in the enterprise portal). Rerunning sends only what has no file id; the\n"
                 "server's duplicate detection makes a resend after a lost answer harmless.\n"
                 "Before sending, the server is asked (the profile's results entry, by time) which chunks\n"
                 "of each batch it already holds, by file name: those are adopted with the server's file\n"
                 "id and never sent twice, even when the journal was lost; if the server cannot be asked,\n"
                 "nothing of that batch is sent (exit 4). Only signed data files of the profile are taken:\n"
                 "anything else (a CSV, an unsigned or renamed chunk) is refused with the reason (exit 2).\n"
                 "One drugflow process works in a workspace at a time (see --lock-wait).\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    return upload_all(&net, batch, argv + first, argc - first);
}
