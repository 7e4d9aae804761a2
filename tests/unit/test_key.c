/* tests/unit/test_key.c — secrets stay out of core dumps and
 * messages (issue 7): once df_signer_load has run, the process cannot dump
 * core (RLIMIT_CORE 0, not dumpable), whether the load succeeded or not;
 * a wrong passphrase's message holds neither the wrong nor the right one. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "writer/sigalg.h"
#include "writer/signer.h"

/* gd-v1's signature (RSA-SHA256), for the signers the tests make. */
static const df_signature_def *gd_v1_sig(void)
{
    static df_signature_def d;
    if (!d.ns[0])
        df_sigalg_default(&d);
    return &d;
}

static char hs_dir[256];

static void hs_setup(void)
{
    snprintf(hs_dir, sizeof hs_dir, "%s/df-key-secrets-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert(mkdtemp(hs_dir));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "DRUGFLOW_PKI_PASS='s3cret-Pass-7' ../../samples/pki/make-pki.sh %s/pki >/dev/null",
             hs_dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void hs_teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", hs_dir);
    (void)!system(cmd);
}

TestSuite(key, .init = hs_setup, .fini = hs_teardown, .timeout = 60);

static void hs_assert_no_core(void)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_CORE, &rl), 0);
    cr_assert_eq(rl.rlim_cur, 0, "RLIMIT_CORE soft limit is %llu", (unsigned long long)rl.rlim_cur);
    cr_assert_eq(rl.rlim_max, 0, "RLIMIT_CORE hard limit is %llu", (unsigned long long)rl.rlim_max);
    cr_assert_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0, "the process is still dumpable");
}

Test(key, loaded_key_leaves_no_core_dump)
{
    char key[400];
    snprintf(key, sizeof key, "%s/pki/ent-a.p12", hs_dir);
    setenv("HS_PASS", "s3cret-Pass-7", 1);
    df_key_options o = {.key_path = key, .pass_env = "HS_PASS"};
    df_signer *s = NULL;
    df_error err = {{0}};
    cr_assert_eq(df_signer_load(&s, &o, gd_v1_sig(), &err), 0, "%s", err.msg);
    hs_assert_no_core();
    df_signer_free(s);
}

Test(key, wrong_passphrase_message_holds_no_passphrase)
{
    char key[400];
    snprintf(key, sizeof key, "%s/pki/ent-a.key", hs_dir);
    char cert[400];
    snprintf(cert, sizeof cert, "%s/pki/ent-a.pem", hs_dir);
    setenv("HS_PASS", "Wr0ng-Guess-42", 1);
    const char *paths[2] = {key, NULL};
    char p12[400];
    snprintf(p12, sizeof p12, "%s/pki/ent-a.p12", hs_dir);
    paths[1] = p12;
    for (int i = 0; i < 2; i++) {
        df_key_options o = {.key_path = paths[i], .cert_path = i == 0 ? cert : NULL, .pass_env = "HS_PASS"};
        df_signer *s = NULL;
        df_error err = {{0}};
        cr_assert_eq(df_signer_load(&s, &o, gd_v1_sig(), &err), -1, "a wrong passphrase was accepted for %s", paths[i]);
        cr_assert(err.msg[0]);
        cr_assert(!strstr(err.msg, "Wr0ng-Guess-42"), "message holds the passphrase given: %s", err.msg);
        cr_assert(!strstr(err.msg, "s3cret-Pass-7"), "message holds the real passphrase: %s", err.msg);
        hs_assert_no_core(); /* also when loading failed */
    }
}
