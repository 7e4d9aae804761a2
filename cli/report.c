/* cli/report.c — `drugflow report`: the batch report (report/html.h), one
 * self-contained HTML file, with the fix files it is built on. */
#include <stdio.h>

#include "cli/cli.h"
#include "report/html.h"

int cmd_report(int argc, char **argv)
{
    df_cli_net net = {0};
    const char *batch = NULL, *out = NULL;
    long rows = 20;
    const df_opt opts[] = {
        DF_CLI_CONFIG_OPT(net.config),
        {.name = "workspace", .short_name = 'w', .type = DF_ARG_STRING, .dest = &net.workspace, .arg = "DIR",
         .help = "workspace (default: configuration 'workspace:')"},
        {.name = "batch", .short_name = 'b', .type = DF_ARG_STRING, .dest = &batch, .arg = "ID",
         .help = "the batch (default: the one started last)"},
        {.name = "out", .short_name = 'o', .type = DF_ARG_STRING, .dest = &out, .arg = "FILE",
         .help = "where to write it (default: the batch's folder/report.html)"},
        {.name = "rows", .type = DF_ARG_INT, .dest = &rows, .arg = "N", .min = 1, .max = 64,
         .help = "fix-list rows shown (default 20)"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "report", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = 0,
        .about = "Writes the batch report: one self-contained HTML file (no script, no network) with the rows read,\n"
                 "accepted, rejected and skipped, the rejects per reason, the top unmatched catalog entries with\n"
                 "their near misses, the chunks by server state with their totals, the time of each stage and the\n"
                 "first rows of the fix list. It first writes server-errors.csv and fixlist.csv in the batch's\n"
                 "folder again from the journal (as 'drugflow status' does, without asking the server).\n"
                 "'drugflow run' writes the report at the end of every batch.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    df_error err;
    df_session s;
    if (df_cli_session(&s, &net, 0, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_report_options o = {.batch = batch, .out = out, .fix_rows = (int)rows};
    char path[DF_PATH_MAX];
    int rc = DF_EXIT_OK;
    if (df_report_write(s.journal, &o, path, sizeof path, &err) != 0)
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
    else
        printf("%s\n", path);
    df_session_close(&s);
    return rc;
}
