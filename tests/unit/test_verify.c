/* tests/unit/test_verify.c — writer/verify.c against files signed with the
 * stock xmlsec1 tool using the test PKI (samples/pki/make-pki.sh): valid,
 * tampered, expired, foreign CA, DOCTYPE, wrong reference, memory variant. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "writer/verify.h"

static char vt_dir[256];

static void vt_sh(const char *fmt, const char *a)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, a, a, a, a, a);
    cr_assert_eq(system(cmd), 0, "command failed: %s", cmd);
}

/* PKI and signed fixtures, made once and shared by the tests of the suite. */
static void vt_setup(void)
{
    snprintf(vt_dir, sizeof vt_dir, "%s/df-verify-test-%ld", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getuid());
    char stamp[300], lock[300];
    snprintf(lock, sizeof lock, "%s.lock", vt_dir);
    int lfd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(lfd >= 0);
    flock(lfd, LOCK_EX); /* tests run in parallel processes */
    snprintf(stamp, sizeof stamp, "%s/done", vt_dir);
    if (access(stamp, F_OK) == 0) {
        close(lfd);
        return;
    }
    vt_sh("rm -rf %s && ../../samples/pki/make-pki.sh %s/pki >/dev/null", vt_dir);
    vt_sh("../e2e/sim-fixtures.sh datafile %s/u.xml 91440101MA59TEST0A 2026-10 3", vt_dir);
    vt_sh("../e2e/sim-fixtures.sh sign %s/u.xml %s/pki/ent-a.p12 %s/pki/passphrase %s/a.xml", vt_dir);
    vt_sh("../e2e/sim-fixtures.sh sign %s/u.xml %s/pki/foreign.p12 %s/pki/passphrase %s/f.xml", vt_dir);
    vt_sh("../e2e/sim-fixtures.sh sign %s/u.xml %s/pki/expired.p12 %s/pki/passphrase %s/x.xml 2>/dev/null"
          " || true", vt_dir);
    vt_sh("sed 's/<Quantity>2</<Quantity>9</' %s/a.xml >%s/t.xml", vt_dir);
    vt_sh("sed 's/^<DataFile /<!DOCTYPE DataFile [<!ENTITY e \"x\">]><DataFile /' %s/a.xml >%s/d.xml",
          vt_dir);
    vt_sh("sed 's/Reference URI=\"\"/Reference URI=\"#nothing\"/' %s/a.xml >%s/r.xml", vt_dir);
    vt_sh("touch %s/done", vt_dir);
    close(lfd);
}

static void vt_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", vt_dir, name);
}

static df_verify_result vt_run(const char *name)
{
    char p[400], ca[400];
    vt_path(p, sizeof p, name);
    vt_path(ca, sizeof ca, "pki/ca.pem");
    df_verify_result r;
    df_error err = {{0}};
    cr_assert_eq(df_verify_file(p, ca, &r, &err), 0, "%s: %s", name, err.msg);
    return r;
}

TestSuite(verify, .init = vt_setup);

Test(verify, valid_signature_names_signer)
{
    df_verify_result r = vt_run("a.xml");
    cr_assert_eq(r.valid, 1, "%s", r.reason);
    cr_assert_str_eq(r.signer_cn, "91440101MA59TEST0A");
    cr_assert(strstr(r.signer_pem, "BEGIN CERTIFICATE") != NULL);
}

/* Files whose signature must not be accepted: what each one is, whether it
 * must also (not) be malformed (-1: not checked), and what the reason must
 * hold (check_reason 0: not checked; reason "": anything but empty). One
 * test per file. Arrays, not pointers: the tests run in other processes. */
typedef struct {
    char file[8], what[64];
    int malformed, check_reason;
    char reason[16];
    int may_be_missing; /* xmlsec1 may refuse to make it */
} vt_invalid_case;

ParameterizedTestParameters(verify, invalid_files)
{
    static vt_invalid_case cases[] = {
        {"t.xml", "tampered content", 0, 1, "", 0},
        {"f.xml", "signed under a foreign CA", -1, 0, "", 0},
        {"x.xml", "signed with an expired certificate", -1, 0, "", 1},
        {"d.xml", "with a DOCTYPE", -1, 1, "DOCTYPE", 0},
        {"r.xml", "a reference that is not the whole document", -1, 0, "", 0},
    };
    return cr_make_param_array(vt_invalid_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(vt_invalid_case *c, verify, invalid_files)
{
    char p[400];
    vt_path(p, sizeof p, c->file);
    if (c->may_be_missing && access(p, F_OK) != 0)
        cr_skip_test("%s: xmlsec1 refused to make it (%s)", c->file, c->what);
    df_verify_result r = vt_run(c->file);
    cr_assert_eq(r.valid, 0, "%s (%s) verifies", c->file, c->what);
    if (c->malformed >= 0)
        cr_assert_eq(r.malformed, c->malformed, "%s (%s): malformed %d, want %d", c->file, c->what, r.malformed,
                     c->malformed);
    if (c->check_reason && !c->reason[0])
        cr_assert(r.reason[0] != '\0', "%s (%s): no reason given", c->file, c->what);
    else if (c->check_reason)
        cr_assert(strstr(r.reason, c->reason) != NULL, "%s (%s): reason lacks '%s': %s", c->file, c->what,
                  c->reason, r.reason);
}

Test(verify, not_xml_is_invalid_not_error)
{
    char ca[400];
    vt_path(ca, sizeof ca, "pki/ca.pem");
    df_verify_result r;
    df_error err = {{0}};
    cr_assert_eq(df_verify_memory("<DataFile><oops></DataFile>", 27, ca, &r, &err), 0);
    cr_assert_eq(r.valid, 0);
    cr_assert_eq(r.malformed, 1);
    cr_assert(strstr(r.reason, "well-formed") != NULL, "%s", r.reason);
}

Test(verify, memory_variant_matches_file)
{
    char p[400], ca[400];
    vt_path(p, sizeof p, "a.xml");
    vt_path(ca, sizeof ca, "pki/ca.pem");
    FILE *f = fopen(p, "rb");
    cr_assert(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    df_verify_result r;
    df_error err = {{0}};
    cr_assert_eq(df_verify_memory(buf, n, ca, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.valid, 1, "%s", r.reason);
    cr_assert_str_eq(r.signer_cn, "91440101MA59TEST0A");
}

Test(verify, unreadable_ca_is_an_error)
{
    char p[400];
    vt_path(p, sizeof p, "a.xml");
    df_verify_result r;
    df_error err = {{0}};
    cr_assert_eq(df_verify_file(p, "/nonexistent/ca.pem", &r, &err), -1);
    cr_assert(strstr(err.msg, "/nonexistent/ca.pem") != NULL, "%s", err.msg);
}
