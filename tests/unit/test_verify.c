/* tests/unit/test_verify.c — writer/verify.c against files signed with the
 * stock xmlsec1 tool using the test PKI (samples/pki/make-pki.sh): valid,
 * tampered, expired, foreign CA, DOCTYPE, wrong reference, memory variant. */
#include <criterion/criterion.h>
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
    cr_assert_eq(df_verify_file(p, ca, &r, &err), 0, "%s", err.msg);
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

Test(verify, tampered_content_is_invalid)
{
    df_verify_result r = vt_run("t.xml");
    cr_assert_eq(r.valid, 0);
    cr_assert_eq(r.malformed, 0);
    cr_assert(r.reason[0] != '\0');
}

Test(verify, foreign_ca_is_invalid)
{
    df_verify_result r = vt_run("f.xml");
    cr_assert_eq(r.valid, 0);
}

Test(verify, expired_signer_is_invalid)
{
    char p[400];
    vt_path(p, sizeof p, "x.xml");
    if (access(p, F_OK) != 0)
        cr_skip_test("xmlsec1 refused to sign with the expired certificate");
    df_verify_result r = vt_run("x.xml");
    cr_assert_eq(r.valid, 0);
}

Test(verify, doctype_is_refused)
{
    df_verify_result r = vt_run("d.xml");
    cr_assert_eq(r.valid, 0);
    cr_assert(strstr(r.reason, "DOCTYPE") != NULL, "%s", r.reason);
}

Test(verify, reference_must_be_whole_document)
{
    df_verify_result r = vt_run("r.xml");
    cr_assert_eq(r.valid, 0);
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
