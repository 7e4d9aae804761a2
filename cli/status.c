/* cli/status.c — `drugflow status`: waits for the server's results of the
 * uploaded chunks, stores them, prints a table and totals and writes the
 * record errors (traced to input rows) and the fix list beside rejects.csv. */
#include <stdio.h>

#include "base/json.h"
#include "cli/cli.h"
#include "uploader/status.h"

int cmd_status(int argc, char **argv)
{
    df_cli_net net = {.command = "status"};
    const char *batch = NULL, *format = NULL;
    long timeout = 0;
    int no_wait = 0;
    const df_opt opts[] = {
        DF_CLI_NET_OPTS(net),
        DF_CLI_LOCK_OPT(net),
        {.name = "batch", .short_name = 'b', .type = DF_ARG_STRING, .dest = &batch, .arg = "ID",
         .help = "only this batch (default: every batch)"},
        {.name = "timeout", .type = DF_ARG_INT, .dest = &timeout, .arg = "S", .min = 0, .max = 7 * 86400,
         .help = "seconds to wait for final results (default: config, 600)"},
        {.name = "no-wait", .type = DF_ARG_FLAG, .dest = &no_wait, .help = "ask once, do not wait"},
        DF_CLI_REJECTS_FORMAT_OPT(format, "server-errors.csv"),
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "status", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = 0,
        .about = "Asks the profile's results entry for the results of the uploaded chunks (as many file\n"
                 "ids per request as the profile allows) until each is final (PASSED, PARTIAL, FAILED)\n"
                 "or --timeout; stores them in the journal; prints a table per chunk and the totals on\n"
                 "stdout; writes the server's record errors, traced back to the input file and line of each\n"
                 "record with the row's original fields, to server-errors.csv in each batch's folder, and\n"
                 "fixlist.csv: rejects.csv and those errors in one list by input file and line (UTF-8 with\n"
                 "BOM, cells safe to open in Excel unless --rejects-format raw).\n"
                 "With --json the totals go to stdout as JSON instead of the table.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    df_error err;
    df_session s;
    if (df_cli_session(&s, &net, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_status_totals t;
    long to = no_wait ? 1 : timeout > 0 ? timeout : s.cfg.status_timeout;
    int rc = df_cli_status(&s, batch, to, net.json, df_cli_csv_format(format), &t);
    if (net.json) {
        printf("{");
        df_json_version(stdout);
        df_status_json(&t, stdout);
        printf(", \"exit\": %d}\n", rc);
    }
    df_session_close(&s);
    return rc;
}
