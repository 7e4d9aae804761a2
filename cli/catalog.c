/* cli/catalog.c — `drugflow catalog pull` (the enterprise's catalogs from the
 * server into the workspace), and the choice of catalogs that convert and
 * run check rows against (cli.h: df_cli_load_catalogs). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "uploader/catalog_pull.h"
#include "uploader/session.h"

static const char catalog_help[] =
    "usage: drugflow catalog pull [OPTIONS]\n"
    "\n"
    "Downloads the enterprise's catalogs (经营品种 commodities, 往来企业 partners) into the\n"
    "workspace, incrementally: since = the version the workspace holds, 0 the first time.\n"
    "Each answer is parsed as a stream and its ADD/UPDATE/DELETE changes are applied with the\n"
    "new version in one transaction. convert and run then check rows against them by default.\n"
    "\n"
    "  -c, --config FILE      configuration file\n"
    "  -w, --workspace DIR    workspace (default: configuration 'workspace:')\n"
    "      --endpoint E, --ca FILE, --profile FILE, --attempts N   as for upload\n"
    "      --json             summary as JSON on stdout\n"
    "  -h, --help             this text\n"
    "\n" DF_EXIT_CODES_HELP;

int df_cli_load_catalogs(const df_profile *p, const char *workspace, const char *csv_dir, df_catalog_set *set,
                         char *source, size_t n, df_error *err)
{
    source[0] = 0;
    if (workspace && *workspace) {
        char jp[4200];
        snprintf(jp, sizeof jp, "%s/journal.sqlite", workspace);
        if (access(jp, R_OK) == 0) {
            df_journal *j;
            int loaded = 0;
            if (df_journal_open(&j, workspace, err) != 0)
                return -1;
            int rc = df_journal_load_catalogs(j, p, set, &loaded, err);
            df_journal_close(j);
            if (rc != 0)
                return -1;
            if (loaded) {
                snprintf(source, n, "workspace %s", workspace);
                return 1;
            }
        }
    }
    if (csv_dir && *csv_dir) {
        for (int i = 0; i < p->ncatalogs; i++) {
            char path[4200];
            df_catalog_export_path(&p->catalogs[i], csv_dir, path, sizeof path);
            if (df_catalog_load_csv(&set->cat[i], path, err) != 0)
                return -1;
        }
        snprintf(source, n, "%s", csv_dir);
        return 1;
    }
    return 0;
}

int cmd_catalog(int argc, char **argv)
{
    static const struct option opts[] = {
        DF_NET_LONG_OPTIONS,
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(catalog_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? DF_EXIT_USAGE : DF_EXIT_OK;
    }
    if (strcmp(argv[1], "pull") != 0)
        return df_cli_usage_error("catalog", "unknown subcommand '%s' (pull)", argv[1]);
    argc--, argv++;
    df_cli_net n = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:w:P:h", opts, NULL)) != -1) {
        int k = df_cli_net_option(&n, c, optarg, "catalog pull");
        if (k < 0)
            return DF_EXIT_USAGE;
        if (k)
            continue;
        if (c == 'h') {
            fputs(catalog_help, stdout);
            return DF_EXIT_OK;
        }
        return df_cli_usage_error("catalog pull", "unknown option");
    }
    if (optind < argc)
        return df_cli_usage_error("catalog pull", "unexpected argument '%s'", argv[optind]);
    df_error err;
    df_session s;
    if (df_cli_session(&s, &n, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_pull_result res[DF_MAX_CATALOGS];
    int nres = 0;
    int prc = df_catalog_pull(s.client, s.journal, s.profile, s.cfg.attempts, res, &nres, &err);
    int rc = prc == 0 ? DF_EXIT_OK : prc > 0 ? DF_EXIT_NETWORK : DF_EXIT_FATAL;
    for (int i = 0; i < nres; i++)
        fprintf(stderr, "catalog %-10s version %lld → %lld: %lld added, %lld updated, %lld deleted; %lld entries\n",
                res[i].name, res[i].old_version, res[i].new_version, res[i].added, res[i].updated, res[i].deleted,
                res[i].entries);
    if (prc != 0)
        df_cli_fail(rc, &err);
    if (n.json) {
        printf("{\"catalogs\": [");
        for (int i = 0; i < nres; i++)
            printf("%s{\"name\": \"%s\", \"old_version\": %lld, \"version\": %lld, \"added\": %lld, \"updated\": "
                   "%lld, \"deleted\": %lld, \"entries\": %lld}", i ? ", " : "", res[i].name, res[i].old_version,
                   res[i].new_version, res[i].added, res[i].updated, res[i].deleted, res[i].entries);
        printf("], \"exit\": %d}\n", rc);
    }
    df_session_close(&s);
    return rc;
}
