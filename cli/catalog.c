/* cli/catalog.c — `drugflow catalog pull`: the enterprise's catalogs from
 * the server into the workspace (uploader/catalog_pull.h). */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "cli/cli.h"
#include "uploader/catalog_pull.h"

static int pull(const df_cli_net *net)
{
    df_error err;
    df_session s;
    if (df_cli_session(&s, net, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_pull_result res[DF_MAX_CATALOGS];
    int nres = 0;
    df_retry retry = {s.cfg.attempts, s.cfg.retry_base_ms, 0};
    int prc = df_catalog_pull(s.client, s.journal, s.profile, &retry, res, &nres, &err);
    int rc = prc == 0 ? DF_EXIT_OK : prc > 0 ? DF_EXIT_NETWORK : DF_EXIT_FATAL;
    for (int i = 0; i < nres; i++)
        fprintf(stderr, "catalog %-10s version %lld → %lld: %lld added, %lld updated, %lld deleted; %lld entries\n",
                res[i].name, res[i].old_version, res[i].new_version, res[i].added, res[i].updated, res[i].deleted,
                res[i].entries);
    if (prc != 0)
        df_cli_fail(rc, &err);
    if (net->json) {
        printf("{");
        df_json_version(stdout);
        printf("\"catalogs\": [");
        for (int i = 0; i < nres; i++) {
            printf("%s{\"name\": ", i ? ", " : "");
            df_json_str(stdout, res[i].name);
            printf(", \"old_version\": %lld, \"version\": %lld, \"added\": %lld, \"updated\": %lld, \"deleted\": "
                   "%lld, \"entries\": %lld}", res[i].old_version, res[i].new_version, res[i].added, res[i].updated,
                   res[i].deleted, res[i].entries);
        }
        printf("], \"exit\": %d}\n", rc);
    }
    df_session_close(&s);
    return rc;
}

int cmd_catalog(int argc, char **argv)
{
    df_cli_net net = {.command = "catalog pull"};
    const df_opt opts[] = {DF_CLI_NET_OPTS(net), DF_CLI_LOCK_OPT(net), {.type = DF_ARG_END}};
    const df_command_spec spec = {
        .prog = "drugflow", .name = "catalog pull", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .max_operands = 0,
        .about = "Downloads the enterprise's catalogs (经营品种 commodities, 往来企业 partners) into the\n"
                 "workspace, incrementally: asking for the changes after the version the workspace holds\n"
                 "(0 the first time). Each answer is parsed as a stream and its additions, updates and\n"
                 "deletions are applied with the new version in one transaction. convert and run then\n"
                 "check rows against them by default.\n",
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        df_cmdline_help(&spec, argc < 2 ? stderr : stdout);
        return argc < 2 ? DF_EXIT_USAGE : DF_EXIT_OK;
    }
    if (strcmp(argv[1], "pull") != 0) {
        fprintf(stderr, "drugflow catalog: unknown subcommand '%s' (pull)\nTry 'drugflow catalog --help'.\n", argv[1]);
        return DF_EXIT_USAGE;
    }
    int first, k = df_cmdline_parse(&spec, argc - 1, argv + 1, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    return pull(&net);
}
