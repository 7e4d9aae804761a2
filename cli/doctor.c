/* cli/doctor.c — `drugflow doctor`: before the month-end deadline, checks
 * everything a batch needs and says what to do for each failure
 * (doctor/doctor.h). */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "doctor/doctor.h"

int cmd_doctor(int argc, char **argv)
{
    df_cli_net net = {0};
    int offline = 0;
    uint64_t expect = 0;
    long max_age = 0, max_skew = 0;
    const df_opt opts[] = {
        DF_CLI_CONFIG_OPT(net.config),
        {.name = "workspace", .short_name = 'w', .type = DF_ARG_STRING, .dest = &net.workspace, .arg = "DIR",
         .help = "workspace (default: configuration 'workspace:')"},
        {.name = "endpoint", .type = DF_ARG_STRING, .dest = &net.endpoint, .arg = "E",
         .help = "practice, production or https://host:port/path/"},
        {.name = "ca", .type = DF_ARG_STRING, .dest = &net.ca, .arg = "FILE", .help = "server CA bundle (PEM)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &net.profile, .arg = "FILE",
         .help = "interface profile (default: configuration, then the shipped gd-v1)"},
        {.name = "offline", .type = DF_ARG_FLAG, .dest = &offline, .help = "do not contact the server"},
        {.name = "expect", .type = DF_ARG_SIZE, .dest = &expect, .arg = "SIZE", .min = 1, .max = 1LL << 50,
         .help = "the batch's expected output (K/M/G; default: 3 × the exports\ngiven, else the largest batch "
                 "in the journal)"},
        {.name = "catalog-max-age", .type = DF_ARG_INT, .dest = &max_age, .arg = "DAYS", .min = 1, .max = 3650,
         .help = "catalogs older than this are warned about (default 7)"},
        {.name = "max-clock-skew", .type = DF_ARG_INT, .dest = &max_skew, .arg = "S", .min = 1, .max = 86400,
         .help = "seconds the clock may differ from the server's (default 300)"},
        DF_CLI_JSON_OPT(net.json, "the checks as JSON on stdout (for monitoring)"),
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "doctor", .opts = opts, .max_operands = -1, .usage = "[OPTIONS] [EXPORT.csv...]",
        .epilog = "Exit status: 0 every check passed (warnings allowed); 1 a check failed; 2 usage error.\n",
        .about = "Checks everything a month's batch needs, and says what to do for each failure:\n"
                 "  the configuration and profile load; the enterprise is named; the server CA;\n"
                 "  the certificate and key (on a USB token: reachable, PIN accepted) load and match,\n"
                 "  are issued to the enterprise, not expired nor ending within 30 days, allowed to sign\n"
                 "  and to authenticate TLS clients, and chain to certificate.ca when it is set;\n"
                 "  the endpoint: DNS, TCP, TLS handshake with the client certificate (server certificate\n"
                 "  and host name verified), the server answering, its clock against ours;\n"
                 "  the catalogs pulled and their age; the workspace writable, with room for the batch\n"
                 "  (3 × the size of the EXPORT files given, or --expect); no chunk in the journal left\n"
                 "  unsent or refused. 'drugflow config check' is the same without the last three.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    df_doctor_options o = {
        .config = net.config, .profile = net.profile, .workspace = net.workspace, .endpoint = net.endpoint,
        .ca = net.ca, .offline = offline, .prompt = isatty(0), .inputs = (const char *const *)argv + first,
        .ninputs = argc - first, .expect_bytes = expect, .catalog_max_age_days = max_age,
        .max_clock_skew_s = max_skew,
    };
    static df_doctor_report r;
    df_doctor_run(&o, &r);
    int rc = r.failed ? DF_EXIT_REJECTED : DF_EXIT_OK;
    if (net.json)
        df_doctor_json(&r, rc, stdout);
    else
        df_doctor_print(&r, stdout);
    if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow doctor: %d check(s) failed: fix them before the batch\n", r.failed);
    return rc;
}
