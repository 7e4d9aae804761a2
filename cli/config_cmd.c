/* cli/config_cmd.c — `drugflow config check`: tells what is wrong before a
 * batch starts — missing files, an unreadable or expired certificate, an
 * unreachable server — one clear line each. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "uploader/answer.h"
#include "uploader/client.h"
#include "uploader/session.h"

static const char config_help[] =
    "usage: drugflow config check [OPTIONS]\n"
    "\n"
    "Checks the configuration: the file itself, the profile, the enterprise certificate (found,\n"
    "readable, passphrase right, not expired, issued to the configured enterprise code), the\n"
    "server CA, the workspace, and that the server answers over mutual TLS. One line per check;\n"
    "the exit status is 0 when all pass, 2 when something is wrong locally, 4 when the server\n"
    "cannot be reached or refuses the certificate.\n"
    "\n"
    "Precedence of settings, highest first: command-line option, environment variable\n"
    "(DRUGFLOW_CONFIG, DRUGFLOW_ENDPOINT, DRUGFLOW_CA, DRUGFLOW_KEY, DRUGFLOW_CERT,\n"
    "DRUGFLOW_PASSPHRASE_FILE, DRUGFLOW_WORKSPACE, DRUGFLOW_UPLOADS, DRUGFLOW_ATTEMPTS, …),\n"
    "configuration file, built-in default.\n"
    "\n"
    "  -c, --config FILE      configuration file\n"
    "  -w, --workspace DIR    workspace\n"
    "      --endpoint E, --ca FILE, --profile FILE\n"
    "      --offline          do not contact the server\n"
    "      --json             results as JSON on stdout\n"
    "  -h, --help             this text\n"
    "\n" DF_EXIT_CODES_HELP;

typedef struct checks {
    int json, n, bad_local, bad_net;
} checks;

static void line(checks *c, int ok, int net, const char *what, const char *fmt_msg)
{
    if (!ok && net)
        c->bad_net++;
    else if (!ok)
        c->bad_local++;
    if (c->json) {
        printf("%s{\"check\": \"%s\", \"ok\": %s, \"message\": \"", c->n ? ", " : "", what, ok ? "true" : "false");
        for (const char *p = fmt_msg; *p; p++) {
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else if ((unsigned char)*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
        printf("\"}");
    } else {
        printf("%-12s %s  %s\n", what, ok ? "ok  " : "FAIL", fmt_msg);
    }
    c->n++;
}

int cmd_config(int argc, char **argv)
{
    enum { OPT_OFFLINE = 300 };
    static const struct option opts[] = {
        DF_NET_LONG_OPTIONS,
        {"offline", no_argument, 0, OPT_OFFLINE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(config_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? DF_EXIT_USAGE : DF_EXIT_OK;
    }
    if (strcmp(argv[1], "check") != 0)
        return df_cli_usage_error("config", "unknown subcommand '%s' (check)", argv[1]);
    argc--, argv++;
    df_cli_net n = {0};
    int offline = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:w:P:h", opts, NULL)) != -1) {
        int k = df_cli_net_option(&n, c, optarg, "config check");
        if (k < 0)
            return DF_EXIT_USAGE;
        if (k)
            continue;
        if (c == OPT_OFFLINE) {
            offline = 1;
            continue;
        }
        if (c == 'h') {
            fputs(config_help, stdout);
            return DF_EXIT_OK;
        }
        return df_cli_usage_error("config check", "unknown option");
    }
    checks ch = {.json = n.json};
    if (n.json)
        printf("{\"checks\": [");
    df_error err;
    char m[4500];
    df_session s;
    memset(&s, 0, sizeof s);
    if (df_config_load(&s.cfg, n.config, &err) != 0) {
        line(&ch, 0, 0, "config", err.msg);
        goto done;
    }
    line(&ch, 1, 0, "config", s.cfg.source[0] ? s.cfg.source : "no file (defaults and environment)");
    if (n.workspace)
        snprintf(s.cfg.workspace, sizeof s.cfg.workspace, "%s", n.workspace);
    if (n.endpoint)
        snprintf(s.cfg.endpoint, sizeof s.cfg.endpoint, "%s", n.endpoint);
    if (n.ca)
        snprintf(s.cfg.ca, sizeof s.cfg.ca, "%s", n.ca);
    if (!s.cfg.enterprise_code[0] || !s.cfg.enterprise_name[0])
        line(&ch, 0, 0, "enterprise", "enterprise code or name missing: set 'enterprise: code:, name:'");
    else {
        snprintf(m, sizeof m, "%s %s", s.cfg.enterprise_code, s.cfg.enterprise_name);
        line(&ch, 1, 0, "enterprise", m);
    }
    char profile[4096];
    static df_profile prof;
    int have_profile = 0;
    if (df_cli_find_profile(n.profile, &s.cfg, profile, sizeof profile, &err) != 0 ||
        df_profile_load(&prof, profile, &err) != 0)
        line(&ch, 0, 0, "profile", err.msg);
    else {
        line(&ch, 1, 0, "profile", profile);
        have_profile = 1;
    }
    if (s.cfg.ca[0] && access(s.cfg.ca, R_OK) != 0) {
        snprintf(m, sizeof m, "%s: the server CA file is missing or unreadable", s.cfg.ca);
        line(&ch, 0, 0, "ca", m);
    } else {
        line(&ch, 1, 0, "ca", s.cfg.ca[0] ? s.cfg.ca : "system CA store");
    }
    df_signer *signer = NULL;
    if (!s.cfg.key[0]) {
        line(&ch, 0, 0, "certificate", "no key: set 'certificate: key:' (a .p12/.pfx, or PEM key with 'cert:')");
    } else if (access(s.cfg.key, F_OK) != 0) {
        snprintf(m, sizeof m, "%s: the key file does not exist", s.cfg.key);
        line(&ch, 0, 0, "certificate", m);
    } else {
        df_key_options k;
        df_session_key_options(&s.cfg, isatty(0), &k);
        if (df_signer_load(&signer, &k, &err) != 0) {
            line(&ch, 0, 0, "certificate", err.msg);
        } else if (s.cfg.enterprise_code[0] && strcmp(df_signer_subject_cn(signer), s.cfg.enterprise_code)) {
            snprintf(m, sizeof m, "%s is issued to %s, not to the configured enterprise %s", s.cfg.key,
                     df_signer_subject_cn(signer), s.cfg.enterprise_code);
            line(&ch, 0, 0, "certificate", m);
        } else {
            snprintf(m, sizeof m, "%s: key and certificate of %s, valid", s.cfg.key, df_signer_subject_cn(signer));
            line(&ch, 1, 0, "certificate", m);
        }
    }
    if (!s.cfg.workspace[0]) {
        line(&ch, 0, 0, "workspace", "no workspace: set 'workspace:' or DRUGFLOW_WORKSPACE");
    } else {
        df_journal *j;
        if (df_journal_open(&j, s.cfg.workspace, &err) != 0)
            line(&ch, 0, 0, "workspace", err.msg);
        else {
            df_journal_close(j);
            line(&ch, 1, 0, "workspace", s.cfg.workspace);
        }
    }
    if (have_profile) {
        char base[1100];
        if (df_endpoint_resolve(&prof, s.cfg.endpoint, base, sizeof base, &err) != 0)
            line(&ch, 0, 0, "endpoint", err.msg);
        else if (offline || !signer)
            line(&ch, 1, 0, "endpoint", base);
        else {
            df_client_options co = {&prof, s.cfg.endpoint, s.cfg.ca, signer, s.cfg.connect_timeout,
                                    s.cfg.connect_timeout + 15};
            df_client *cl;
            if (df_client_open(&cl, &co, &err) != 0)
                line(&ch, 0, 1, "server", err.msg);
            else {
                /* A harmless request: the partner catalog's current version only. */
                df_transfer t;
                if (df_transfer_form(cl, &t, prof.entry_results, "since=2999-01-01", DF_ANSWER_MAX_SMALL, &err) != 0)
                    line(&ch, 0, 1, "server", err.msg);
                else {
                    long http;
                    char msg[1200];
                    df_tx_class k = df_client_perform(cl, &t, &http, msg, sizeof msg);
                    df_answer a;
                    df_error perr;
                    if (k != DF_TX_OK) {
                        line(&ch, 0, 1, "server", msg);
                    } else if (df_answer_parse(t.body, t.len, DF_ANSWER_MAX_SMALL, &a, &perr) != 0) {
                        line(&ch, 0, 1, "server", perr.msg);
                    } else if (a.code != 0) {
                        snprintf(m, sizeof m, "%s: Code %d %s — %s", base, a.code, a.message, df_code_advice(a.code));
                        line(&ch, 0, 1, "server", m);
                    } else {
                        snprintf(m, sizeof m, "%s answers over mutual TLS", base);
                        line(&ch, 1, 1, "server", m);
                    }
                    df_transfer_cleanup(&t);
                }
                df_client_free(cl);
            }
        }
    }
    df_signer_free(signer);
done:;
    int rc = ch.bad_local ? DF_EXIT_USAGE : ch.bad_net ? DF_EXIT_NETWORK : DF_EXIT_OK;
    if (n.json)
        printf("], \"exit\": %d}\n", rc);
    else if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow config check: %d problem(s)\n", ch.bad_local + ch.bad_net);
    return rc;
}
