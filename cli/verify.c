/* cli/verify.c — `drugflow verify`: check data files' signatures with libxmlsec1. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "converter/summary.h"
#include "writer/verify.h"

static const char verify_help[] =
    "usage: drugflow verify [--ca CA.pem] [--json] FILE...\n"
    "\n"
    "Verifies the enveloped XML-DSig signature of each data file (INTERFACE.md §5) with\n"
    "libxmlsec1: the digest and signature must match and the signer's certificate must\n"
    "chain to a certificate in CA.pem and be within its validity period. Prints one line\n"
    "per file: 'OK FILE signer=CN' or 'FAIL FILE: reason'.\n"
    "\n"
    "  --ca FILE     trusted CA certificate(s), PEM (default: the configuration's tls.ca)\n"
    "  -c, --config FILE   configuration file\n"
    "  --json        one JSON object per file on stdout instead of the lines\n"
    "  -h, --help    this text\n"
    "\n"
    "Exit status: 0 every file verified; 1 some did not; 2 usage error; 3 verification\n"
    "could not run (CA unreadable, library failure).\n";

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ca", required_argument, 0, 'a'}, {"config", required_argument, 0, 'c'},
        {"json", no_argument, 0, 'J'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *ca = NULL, *config = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': ca = optarg; break;
        case 'c': config = optarg; break;
        case 'J': json = 1; break;
        case 'h': fputs(verify_help, stdout); return DF_EXIT_OK;
        default: return df_cli_usage_error("verify", "unknown option");
        }
    }
    if (optind >= argc)
        return df_cli_usage_error("verify", "give at least one data file");
    df_error err;
    df_config cfg;
    if (!ca) {
        if (df_config_load(&cfg, config, &err) != 0)
            return df_cli_fail(DF_EXIT_USAGE, &err);
        if (!cfg.ca[0])
            return df_cli_usage_error("verify", "--ca FILE is required (no tls.ca in the configuration)");
        ca = cfg.ca;
    }
    int bad = 0;
    for (int i = optind; i < argc; i++) {
        df_verify_result r;
        if (df_verify_file(argv[i], ca, &r, &err) != 0)
            return df_cli_fail(DF_EXIT_FATAL, &err);
        if (json) {
            printf("{\"file\":");
            df_json_string(stdout, argv[i], strlen(argv[i]));
            printf(",\"valid\":%s,\"signer\":", r.valid ? "true" : "false");
            df_json_string(stdout, r.signer_cn, strlen(r.signer_cn));
            printf(",\"reason\":");
            df_json_string(stdout, r.valid ? "" : r.reason, r.valid ? 0 : strlen(r.reason));
            printf("}\n");
        } else if (r.valid) {
            printf("OK %s signer=%s\n", argv[i], r.signer_cn);
        } else {
            printf("FAIL %s: %s\n", argv[i], r.reason);
        }
        bad += !r.valid;
    }
    return bad ? DF_EXIT_REJECTED : DF_EXIT_OK;
}
