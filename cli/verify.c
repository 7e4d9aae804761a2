/* cli/verify.c — `drugflow verify`: check data files' signatures (writer/verify.h). */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "cli/cli.h"
#include "mapping/profile.h"
#include "writer/verify.h"

static void print_result(const char *file, const df_verify_result *r, int json)
{
    if (json) {
        printf("{");
        df_json_version(stdout);
        printf("\"file\":");
        df_json_str(stdout, file);
        printf(",\"valid\":%s,\"signer\":", r->valid ? "true" : "false");
        df_json_str(stdout, r->signer_cn);
        printf(",\"reason\":");
        df_json_str(stdout, r->valid ? "" : r->reason);
        printf("}\n");
    } else if (r->valid) {
        printf("OK %s signer=%s\n", file, r->signer_cn);
    } else {
        printf("FAIL %s: %s\n", file, r->reason);
    }
}

int cmd_verify(int argc, char **argv)
{
    const char *ca = NULL, *config = NULL, *profile = NULL;
    int json = 0;
    const df_opt opts[] = {
        {.name = "ca", .type = DF_ARG_STRING, .dest = &ca, .arg = "FILE",
         .help = "trusted CA certificate(s), PEM (default: the configuration's tls.ca)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &profile, .arg = "FILE",
         .help = "interface profile whose signature: section the files follow\n(default: configuration, then the "
                 "shipped gd-v1)"},
        DF_CLI_CONFIG_OPT(config),
        DF_CLI_JSON_OPT(json, "one JSON object per file on stdout instead of the lines"),
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "verify", .opts = opts, .usage = "[--ca CA.pem] [--profile FILE] [--json] FILE...",
        .min_operands = 1, .max_operands = -1, .operands_missing = "give at least one data file",
        .about = "Verifies the enveloped XML-DSig signature of each data file (INTERFACE.md §5) as the\n"
                 "profile's signature: section says: first its shape (one Reference URI=\"\", only the\n"
                 "enveloped-signature transform, the profile's algorithms and KeyInfo; anything else is\n"
                 "refused before it runs), then the digest and signature value (libxmlsec1 for RSA,\n"
                 "OpenSSL for SM2); the signer's certificate must allow signing, chain to a certificate\n"
                 "in CA.pem and be within its validity period. Prints one line per file:\n"
                 "'OK FILE signer=CN' or 'FAIL FILE: reason'.\n",
        .epilog = "Exit status: 0 every file verified; 1 some did not; 2 usage error; 3 verification\n"
                  "could not run (CA unreadable, library failure).\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    df_error err;
    static df_config cfg;
    static df_profile prof;
    char pfile[DF_PATH_MAX];
    if (df_config_load(&cfg, config, &err) != 0 || df_config_profile_path(&cfg, profile, pfile, sizeof pfile, &err) != 0 ||
        df_profile_load(&prof, pfile, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    if (!ca) {
        if (!cfg.ca[0])
            return df_cmdline_usage_error(&spec, "--ca FILE is required (no tls.ca in the configuration)");
        ca = cfg.ca;
    }
    int bad = 0;
    for (int i = first; i < argc; i++) {
        df_verify_result r;
        if (df_verify_file_sig(argv[i], ca, &prof.signature, &r, &err) != 0)
            return df_cli_fail(DF_EXIT_FATAL, &err);
        print_result(argv[i], &r, json);
        bad += !r.valid;
    }
    return bad ? DF_EXIT_REJECTED : DF_EXIT_OK;
}
