/* cli/config_cmd.c — `drugflow config check`: tells what is wrong before a
 * batch starts — missing files, an unreadable or expired certificate, an
 * unreachable server — one clear line each. The checks are the doctor's
 * (doctor/doctor.h), without catalogs, disk and journal. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "doctor/doctor.h"

static int check_all(const df_cli_net *net, int offline)
{
    df_doctor_options o = {
        .config = net->config, .profile = net->profile, .workspace = net->workspace, .endpoint = net->endpoint,
        .ca = net->ca, .offline = offline, .prompt = isatty(0), .config_check = 1,
    };
    static df_doctor_report r;
    df_doctor_run(&o, &r);
    int local = r.failed - r.failed_network;
    int rc = local ? DF_EXIT_USAGE : r.failed_network ? DF_EXIT_NETWORK : DF_EXIT_OK;
    if (net->json)
        df_doctor_json(&r, rc, stdout);
    else
        df_doctor_print(&r, stdout);
    if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow config check: %d problem(s)\n", r.failed);
    return rc;
}

int cmd_config(int argc, char **argv)
{
    df_cli_net net = {0};
    int offline = 0;
    const df_opt opts[] = {
        DF_CLI_NET_OPTS(net),
        {.name = "offline", .type = DF_ARG_FLAG, .dest = &offline, .help = "do not contact the server"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "config check", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = 0,
        .about = "Checks the configuration: the file itself, the profile, the enterprise certificate (found,\n"
                 "readable, passphrase or token PIN right, not expired, issued to the configured enterprise\n"
                 "code), the server CA, the workspace, and the way to the server (DNS, TCP, TLS, mutual TLS,\n"
                 "clock). One line per check; the exit status is 0 when all pass, 2 when something is wrong\n"
                 "locally, 4 when the server cannot be reached or refuses the certificate. 'drugflow doctor'\n"
                 "checks this and what a batch needs besides (catalogs, disk, journal).\n\n"
                 "Precedence of settings, highest first: command-line option, environment variable\n"
                 "(DRUGFLOW_CONFIG, DRUGFLOW_ENDPOINT, DRUGFLOW_CA, DRUGFLOW_KEY, DRUGFLOW_CERT,\n"
                 "DRUGFLOW_PASSPHRASE_FILE, DRUGFLOW_WORKSPACE, DRUGFLOW_PROXY, DRUGFLOW_UPLOADS, …),\n"
                 "configuration file, built-in default.\n",
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        df_cmdline_help(&spec, argc < 2 ? stderr : stdout);
        return argc < 2 ? DF_EXIT_USAGE : DF_EXIT_OK;
    }
    if (strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "drugflow config: unknown subcommand '%s' (check)\nTry 'drugflow config --help'.\n", argv[1]);
        return DF_EXIT_USAGE;
    }
    int first, k = df_cmdline_parse(&spec, argc - 1, argv + 1, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    return check_all(&net, offline);
}
