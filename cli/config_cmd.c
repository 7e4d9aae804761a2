/* cli/config_cmd.c — `drugflow config check`: tells what is wrong before a
 * batch starts — missing files, an unreadable or expired certificate, an
 * unreachable server — one clear line each. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "cli/cli.h"
#include "uploader/client.h"
#include "writer/signer.h"

typedef struct checks {
    int json, n, bad_local, bad_net;
} checks;

static void line(checks *c, int ok, int net, const char *what, const char *msg)
{
    if (!ok && net)
        c->bad_net++;
    else if (!ok)
        c->bad_local++;
    if (c->json) {
        printf("%s{\"check\": \"%s\", \"ok\": %s, \"message\": ", c->n ? ", " : "", what, ok ? "true" : "false");
        df_json_str(stdout, msg);
        printf("}");
    } else {
        printf("%-12s %s  %s\n", what, ok ? "ok  " : "FAIL", msg);
    }
    c->n++;
}

static void check_certificate(checks *ch, const df_config *cfg, const df_profile *prof, df_key **key)
{
    char m[DF_PATH_MAX + 512];
    df_error err;
    if (!cfg->key[0]) {
        line(ch, 0, 0, "certificate", "no key: set 'certificate: key:' (a .p12/.pfx, or PEM key with 'cert:')");
        return;
    }
    if (access(cfg->key, F_OK) != 0) {
        snprintf(m, sizeof m, "%s: the key file does not exist", cfg->key);
        line(ch, 0, 0, "certificate", m);
        return;
    }
    df_key_options k;
    df_key_options_from_config(cfg, isatty(0), &k);
    if (prof)
        k.kind = df_signer_key_kind(&prof->signature);
    if (df_key_load(key, &k, &err) != 0) {
        line(ch, 0, 0, "certificate", err.msg);
    } else if (cfg->enterprise_code[0] && strcmp(df_key_subject_cn(*key), cfg->enterprise_code)) {
        snprintf(m, sizeof m, "%s is issued to %s, not to the configured enterprise %s", cfg->key,
                 df_key_subject_cn(*key), cfg->enterprise_code);
        line(ch, 0, 0, "certificate", m);
    } else {
        snprintf(m, sizeof m, "%s: key and certificate of %s, valid, fit for %s", cfg->key, df_key_subject_cn(*key),
                 prof ? df_sig_alg_name(prof->signature.algorithm) : "signing");
        line(ch, 1, 0, "certificate", m);
    }
}

/* tls.key, when TLS has a certificate of its own (an SM2 signing key needs one). */
static void check_tls_key(checks *ch, const df_config *cfg, const df_profile *prof, const df_key *sign_key,
                          df_key **tls_key)
{
    char m[DF_PATH_MAX + 512];
    df_error err;
    if (!cfg->tls_key[0]) {
        if (sign_key && prof && prof->signature.algorithm == DF_SIG_SM2_SM3)
            line(ch, 0, 0, "tls key", "the signing key is SM2, which TLS servers do not take: set 'tls: key:' to "
                 "the enterprise's TLS certificate");
        return;
    }
    df_key_options k;
    df_key_options_from_config(cfg, isatty(0), &k);
    k.key_path = cfg->tls_key;
    k.cert_path = cfg->tls_cert[0] ? cfg->tls_cert : NULL;
    k.kind = DF_KEY_TLS;
    if (df_key_load(tls_key, &k, &err) != 0) {
        line(ch, 0, 0, "tls key", err.msg);
        return;
    }
    snprintf(m, sizeof m, "%s: the TLS certificate of %s, valid", cfg->tls_key, df_key_subject_cn(*tls_key));
    line(ch, 1, 0, "tls key", m);
}

static void check_server(checks *ch, const df_config *cfg, const df_profile *prof, const df_key *key, int offline)
{
    char base[1100], m[1600];
    df_error err;
    if (df_endpoint_resolve(prof, cfg->endpoint, base, sizeof base, &err) != 0) {
        line(ch, 0, 0, "endpoint", err.msg);
        return;
    }
    if (offline || !key) {
        line(ch, 1, 0, "endpoint", base);
        return;
    }
    df_client_options co = {prof, cfg->endpoint, cfg->ca, key, cfg->connect_timeout, cfg->connect_timeout + 15};
    df_client *cl;
    if (df_client_open(&cl, &co, &err) != 0) {
        line(ch, 0, 1, "server", err.msg);
        return;
    }
    int ok = df_client_probe(cl, m, sizeof m) == 0;
    line(ch, ok, 1, "server", m);
    df_client_free(cl);
}

static int check_all(const df_cli_net *net, int offline)
{
    checks ch = {.json = net->json};
    if (net->json)
        printf("{\"checks\": [");
    df_error err;
    char m[DF_PATH_MAX + 512];
    static df_config cfg;
    static df_profile prof;
    df_key *key = NULL;
    if (df_config_load(&cfg, net->config, &err) != 0 || df_config_set(&cfg, "workspace", net->workspace, &err) ||
        df_config_set(&cfg, "endpoint", net->endpoint, &err) || df_config_set(&cfg, "tls.ca", net->ca, &err)) {
        line(&ch, 0, 0, "config", err.msg);
        goto done;
    }
    line(&ch, 1, 0, "config", cfg.source[0] ? cfg.source : "no file (defaults and environment)");
    snprintf(m, sizeof m, "%s %s", cfg.enterprise_code, cfg.enterprise_name);
    line(&ch, cfg.enterprise_code[0] && cfg.enterprise_name[0], 0, "enterprise",
         cfg.enterprise_code[0] && cfg.enterprise_name[0] ? m
                                                         : "enterprise code or name missing: set 'enterprise: code:, name:'");
    char profile[DF_PATH_MAX];
    int have_profile = df_config_profile_path(&cfg, net->profile, profile, sizeof profile, &err) == 0 &&
                       df_profile_load(&prof, profile, &err) == 0;
    line(&ch, have_profile, 0, "profile", have_profile ? profile : err.msg);
    snprintf(m, sizeof m, "%s: the server CA file is missing or unreadable", cfg.ca);
    int ca_ok = !cfg.ca[0] || access(cfg.ca, R_OK) == 0;
    line(&ch, ca_ok, 0, "ca", !ca_ok ? m : cfg.ca[0] ? cfg.ca : "system CA store");
    check_certificate(&ch, &cfg, have_profile ? &prof : NULL, &key);
    df_key *tls_key = NULL;
    check_tls_key(&ch, &cfg, have_profile ? &prof : NULL, key, &tls_key);
    df_journal *j = NULL;
    int ws_ok = cfg.workspace[0] && df_journal_open(&j, cfg.workspace, &err) == 0;
    df_journal_close(j);
    line(&ch, ws_ok, 0, "workspace", ws_ok ? cfg.workspace
                                           : cfg.workspace[0] ? err.msg : "no workspace: set 'workspace:' or DRUGFLOW_WORKSPACE");
    if (have_profile)
        check_server(&ch, &cfg, &prof, tls_key ? tls_key : cfg.tls_key[0] ? NULL : key, offline);
    df_key_free(key);
    df_key_free(tls_key);
done:;
    int rc = ch.bad_local ? DF_EXIT_USAGE : ch.bad_net ? DF_EXIT_NETWORK : DF_EXIT_OK;
    if (net->json)
        printf("], \"exit\": %d}\n", rc);
    else if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow config check: %d problem(s)\n", ch.bad_local + ch.bad_net);
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
                 "readable, passphrase right, not expired, issued to the configured enterprise code), the\n"
                 "server CA, the workspace, and that the server answers over mutual TLS. One line per check;\n"
                 "the exit status is 0 when all pass, 2 when something is wrong locally, 4 when the server\n"
                 "cannot be reached or refuses the certificate.\n\n"
                 "Precedence of settings, highest first: command-line option, environment variable\n"
                 "(DRUGFLOW_CONFIG, DRUGFLOW_ENDPOINT, DRUGFLOW_CA, DRUGFLOW_KEY, DRUGFLOW_CERT,\n"
                 "DRUGFLOW_PASSPHRASE_FILE, DRUGFLOW_WORKSPACE, DRUGFLOW_UPLOADS, DRUGFLOW_ATTEMPTS, …),\n"
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
