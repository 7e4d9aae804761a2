/* tests/unit/test_signer.c — the signer (writer/signer.c): chunks signed by
 * the streaming and the reference signer verify with the stock tool
 * (`xmlsec1 --verify --trusted-pem ca.pem FILE`, spawned), agree on the
 * digest, and stop verifying when tampered with; each key problem has its
 * own message, which never holds the passphrase; memory does not grow with
 * the chunk's size.
 *
 * The test PKI is made once per run by test_signer_pki.sh (openssl command)
 * in a temporary directory removed at the end; no key is committed. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <poll.h>
#include <pty.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "converter/convert.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "writer/chunk_writer.h"
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

#define SG_PASS "test-pass"
#define SG_ENV_DIR "DF_TEST_SIGNER_DIR"

static df_profile sg_profile; /* large: static */
static char sg_root[1024];    /* the run's temporary directory */

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    char tmpl[] = "/tmp/drugflow-signer-test.XXXXXX";
    if (mkdtemp(tmpl))
        setenv(SG_ENV_DIR, tmpl, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *d = getenv(SG_ENV_DIR);
    if (d && strncmp(d, "/tmp/drugflow-signer-test.", 26) == 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", d);
    }
}

/* The PKI directory, made on first use under a lock (tests run in parallel). */
static const char *sg_pki(void)
{
    static char pki[1100];
    const char *root = getenv(SG_ENV_DIR);
    cr_assert(root, "PRE_ALL hook did not make the temporary directory");
    snprintf(sg_root, sizeof sg_root, "%s", root);
    snprintf(pki, sizeof pki, "%s/pki", root);
    char lock[1100], tmp[1100], cmd[3000];
    snprintf(lock, sizeof lock, "%s/pki.lock", root);
    int fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_assert(fd >= 0);
    cr_assert(flock(fd, LOCK_EX) == 0);
    struct stat st;
    if (stat(pki, &st) != 0) {
        snprintf(tmp, sizeof tmp, "%s/pki.tmp", root);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && sh ./test_signer_pki.sh '%s' && mv '%s' '%s'", tmp,
                 tmp, tmp, pki);
        cr_assert(system(cmd) == 0, "making the test PKI failed: %s", cmd);
    }
    flock(fd, LOCK_UN);
    close(fd);
    return pki;
}

/* A fresh scratch directory for one test. */
static void sg_scratch(char *out, size_t cap)
{
    sg_pki();
    snprintf(out, cap, "%s/t.XXXXXX", sg_root);
    cr_assert(mkdtemp(out));
}

static void sg_path(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void sg_load_profile(void)
{
    df_error err = {{0}};
    cr_assert(df_profile_load(&sg_profile, "../../samples/profile/gd-v1.yaml", &err) == 0, "%s",
              err.msg);
}

/* Loads a key; asserts success. */
static df_signer *sg_signer(const char *file, const char *cert)
{
    char kp[1200], cp[1200];
    const char *pki = sg_pki();
    sg_path(kp, sizeof kp, pki, file);
    if (cert)
        sg_path(cp, sizeof cp, pki, cert);
    setenv("DF_SG_PASS", SG_PASS, 1);
    df_key_options o = {.key_path = kp, .cert_path = cert ? cp : NULL, .pass_env = "DF_SG_PASS"};
    df_signer *s = NULL;
    df_error err = {{0}};
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "loading %s: %s", file, err.msg);
    return s;
}

/* Value for record i, field f; `special` puts awkward characters in text. */
static const char *sg_value(const df_field_def *fd, long i, int special, char *buf, size_t cap)
{
    switch (fd->type) {
    case DF_FT_CODE:
        snprintf(buf, cap, "%014ld", 86900000000000L + i % 1000);
        break;
    case DF_FT_DATE:
        snprintf(buf, cap, "2026-10-%02ld", 1 + i % 28);
        break;
    case DF_FT_DECIMAL:
        snprintf(buf, cap, "%ld.%02ld", i % 500, i % 100);
        break;
    default:
        if (special)
            snprintf(buf, cap, "A&B <c> \"q\" 'a'\tt\r\nx 𠀀 药品 %ld %s", i, fd->name);
        else
            snprintf(buf, cap, "%s 阿莫西林胶囊 0.25g*24粒/盒 record %ld", fd->name, i);
    }
    return buf;
}

/* Writes a SALE chunk of n records; sign may be NULL (unsigned). */
static void sg_make_chunk(const char *path, long n, int special, df_sign_fn sign, void *ctx,
                          df_chunk_result *res)
{
    if (!sg_profile.ndoctypes)
        sg_load_profile();
    const df_doctype *dt = df_profile_doctype(&sg_profile, "SALE");
    cr_assert(dt);
    df_chunk_meta m = {.enterprise_code = "91440101MA59TESTAA",
                       .enterprise_name = "广州某某医药有限公司 & <Co>",
                       .doc_type = "SALE",
                       .period = "2026-10",
                       .batch_id = "2026-10-SALE-01",
                       .created_at = "2026-11-01T02:00:00+08:00"};
    df_chunk_writer w;
    df_error err = {{0}};
    cr_assert(df_chunk_open(&w, &sg_profile, &m, 1, path, 1, &err) == 0, "%s", err.msg);
    enum { BLOCK = 1 << 16 };
    static char block[BLOCK];
    static char vbuf[DF_MAX_FIELDS][512];
    size_t used = 0;
    uint64_t inblock = 0;
    for (long i = 0; i < n; i++) {
        const char *vals[DF_MAX_FIELDS];
        size_t lens[DF_MAX_FIELDS];
        for (int f = 0; f < dt->nfields; f++) {
            vals[f] = sg_value(dt->fields[f], i, special, vbuf[f], sizeof vbuf[f]);
            lens[f] = strlen(vals[f]);
        }
        size_t r = df_render_record(&sg_profile, dt, vals, lens, block + used, BLOCK - used);
        if (r == 0) {
            cr_assert(df_chunk_write_records(&w, block, used, inblock, &err) == 0, "%s", err.msg);
            used = 0;
            inblock = 0;
            r = df_render_record(&sg_profile, dt, vals, lens, block, BLOCK);
            cr_assert(r > 0);
        }
        used += r;
        inblock++;
    }
    if (used)
        cr_assert(df_chunk_write_records(&w, block, used, inblock, &err) == 0, "%s", err.msg);
    cr_assert(df_chunk_finish(&w, sign, ctx, res, &err) == 0, "%s", err.msg);
}

/* Runs `xmlsec1 --verify --trusted-pem ca.pem FILE`; its exit status.
 * Output goes to FILE.log. */
static int sg_xmlsec1_verify(const char *file)
{
    char ca[1200], log[1200];
    sg_path(ca, sizeof ca, sg_pki(), "ca.pem");
    snprintf(log, sizeof log, "%s.log", file);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("xmlsec1", "xmlsec1", "--verify", "--trusted-pem", ca, file, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void sg_assert_verifies(const char *file)
{
    int rc = sg_xmlsec1_verify(file);
    if (rc != 0) {
        char cmd[1300];
        snprintf(cmd, sizeof cmd, "cat '%s.log' >&2", file);
        (void)!system(cmd);
    }
    cr_assert(rc == 0, "xmlsec1 --verify failed (exit %d) for %s", rc, file);
}

static char *sg_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert(b && fread(b, 1, (size_t)n, f) == (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void sg_write(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* Makes a reference-signed copy of an unsigned chunk; returns its digest. */
static void sg_reference(df_signer *s, const char *in, const char *out, unsigned char digest[32])
{
    df_error err = {{0}};
    cr_assert(df_signer_reference_sign_file(s, in, out, digest, &err) == 0, "%s", err.msg);
}

/* ---- both signers verify and agree ------------------------------------ */

Test(signer, streaming_chunk_verifies_with_xmlsec1)
{
    char dir[1200], f[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(f, sizeof f, dir, "stream.xml");
    df_signer *s = sg_signer("ent-a.p12", NULL);
    cr_assert_str_eq(df_key_subject_cn(df_signer_key(s)), "91440101MA59TESTAA");
    df_chunk_result res;
    sg_make_chunk(f, 200, 0, df_signer_sign_digest, s, &res);
    size_t len;
    char *doc = sg_read(f, &len);
    cr_assert(strstr(doc, "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\">"));
    cr_assert(strstr(doc, "</Signature></DataFile>\n"));
    free(doc);
    sg_assert_verifies(f);
    df_signer_free(s);
}

Test(signer, reference_chunk_verifies_and_digests_agree)
{
    char dir[1200], un[1300], ref[1300], st[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(un, sizeof un, dir, "unsigned.xml");
    sg_path(ref, sizeof ref, dir, "reference.xml");
    sg_path(st, sizeof st, dir, "stream.xml");
    df_signer *s = sg_signer("ent-a.p12", NULL);
    df_chunk_result r_un, r_st;
    sg_make_chunk(un, 300, 0, NULL, NULL, &r_un);
    sg_make_chunk(st, 300, 0, df_signer_sign_digest, s, &r_st);
    unsigned char d[32];
    sg_reference(s, un, ref, d);
    sg_assert_verifies(ref);
    sg_assert_verifies(st);
    cr_assert(memcmp(d, r_un.c14n_digest, 32) == 0, "reference digest differs from the writer's");
    cr_assert(memcmp(d, r_st.c14n_digest, 32) == 0, "reference and streaming digests differ");
    /* Signing the same SignedInfo with the same RSA key gives the same value
     * (PKCS#1 v1.5 is deterministic): the DigestValue texts agree too. */
    size_t l1, l2;
    char *a = sg_read(ref, &l1), *b = sg_read(st, &l2);
    char *da = strstr(a, "<DigestValue>"), *db = strstr(b, "<DigestValue>");
    cr_assert(da && db);
    cr_assert(strncmp(da, db, 13 + 44) == 0);
    char *sa = strstr(a, "<SignatureValue>"), *sb = strstr(b, "<SignatureValue>");
    cr_assert(sa && sb);
    char va[600], vb[600];
    size_t na = 0, nb = 0;
    for (sa += 16; *sa != '<' && na < sizeof va - 1; sa++)
        if (*sa != '\n')
            va[na++] = *sa;
    for (sb += 16; *sb != '<' && nb < sizeof vb - 1; sb++)
        if (*sb != '\n')
            vb[nb++] = *sb;
    va[na] = vb[nb] = 0;
    cr_assert_str_eq(va, vb, "the signers signed different SignedInfo bytes");
    free(a);
    free(b);
    df_signer_free(s);
}

Test(signer, awkward_characters_sign_and_verify)
{
    char dir[1200], un[1300], ref[1300], st[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(un, sizeof un, dir, "unsigned.xml");
    sg_path(ref, sizeof ref, dir, "reference.xml");
    sg_path(st, sizeof st, dir, "stream.xml");
    df_signer *s = sg_signer("ent-a.p12", NULL);
    df_chunk_result r_un, r_st;
    sg_make_chunk(un, 50, 1, NULL, NULL, &r_un);
    sg_make_chunk(st, 50, 1, df_signer_sign_digest, s, &r_st);
    size_t len;
    char *doc = sg_read(st, &len);
    cr_assert(strstr(doc, "A&amp;B &lt;c&gt; \"q\" 'a'\tt&#xD;\nx \xf0\xa0\x80\x80 "));
    free(doc);
    unsigned char d[32];
    sg_reference(s, un, ref, d);
    sg_assert_verifies(st);
    sg_assert_verifies(ref);
    cr_assert(memcmp(d, r_st.c14n_digest, 32) == 0);
    df_signer_free(s);
}

Test(signer, pem_key_and_certificate_sign_the_same)
{
    char dir[1200], f[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(f, sizeof f, dir, "pem.xml");
    df_signer *s = sg_signer("ent-a.key", "ent-a.pem");
    cr_assert_str_eq(df_key_subject_cn(df_signer_key(s)), "91440101MA59TESTAA");
    df_chunk_result r;
    sg_make_chunk(f, 20, 0, df_signer_sign_digest, s, &r);
    sg_assert_verifies(f);
    df_signer_free(s);
    /* Unencrypted key; key and certificate in one PEM file; legacy PKCS#12. */
    static const struct {
        const char *key, *cert;
    } loads[] = {{"ent-a-plain.key", "ent-a.pem"}, {"ent-a-combined.pem", NULL}, {"legacy.p12", NULL}};
    for (size_t i = 0; i < sizeof loads / sizeof *loads; i++)
        df_signer_free(sg_signer(loads[i].key, loads[i].cert));
}

/* ---- tampering breaks verification ----------------------------------- */

static void sg_tamper_checks(const char *signed_path, const char *dir, const char *tag)
{
    size_t len;
    char *doc = sg_read(signed_path, &len);
    char out[1300], name[64];

    /* One byte of one record. */
    char *copy = malloc(len + 1);
    memcpy(copy, doc, len + 1);
    char *r = strstr(copy, "record 7<");
    cr_assert(r);
    r[7] = '8';
    snprintf(name, sizeof name, "%s-byte.xml", tag);
    sg_path(out, sizeof out, dir, name);
    sg_write(out, copy, len);
    cr_assert(sg_xmlsec1_verify(out) != 0, "%s: a changed byte still verifies", tag);

    /* Two records swapped (records are one per line). */
    memcpy(copy, doc, len + 1);
    char *a = strstr(copy, "<Record>"), *b = a ? strstr(a + 1, "<Record>") : NULL;
    char *c = b ? strstr(b + 1, "<Record>") : NULL;
    cr_assert(a && b && c);
    size_t la = (size_t)(b - a), lb = (size_t)(c - b);
    char *tmp = malloc(la + lb);
    memcpy(tmp, b, lb);
    memcpy(tmp + lb, a, la);
    memcpy(a, tmp, la + lb);
    free(tmp);
    cr_assert(memcmp(copy, doc, len) != 0);
    snprintf(name, sizeof name, "%s-swap.xml", tag);
    sg_path(out, sizeof out, dir, name);
    sg_write(out, copy, len);
    cr_assert(sg_xmlsec1_verify(out) != 0, "%s: swapped records still verify", tag);

    /* Signature removed. */
    memcpy(copy, doc, len + 1);
    char *s0 = strstr(copy, "<Signature"), *s1 = strstr(copy, "</Signature>");
    cr_assert(s0 && s1);
    s1 += strlen("</Signature>");
    memmove(s0, s1, (size_t)(copy + len - s1) + 1);
    snprintf(name, sizeof name, "%s-nosig.xml", tag);
    sg_path(out, sizeof out, dir, name);
    sg_write(out, copy, strlen(copy));
    cr_assert(sg_xmlsec1_verify(out) != 0, "%s: a file without Signature verifies", tag);

    /* Untouched, it verifies (the checks above fail for the right reason). */
    sg_assert_verifies(signed_path);
    free(copy);
    free(doc);
}

Test(signer, tampering_makes_xmlsec1_fail)
{
    char dir[1200], un[1300], ref[1300], st[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(un, sizeof un, dir, "unsigned.xml");
    sg_path(ref, sizeof ref, dir, "reference.xml");
    sg_path(st, sizeof st, dir, "stream.xml");
    df_signer *s = sg_signer("ent-a.p12", NULL);
    df_chunk_result r;
    sg_make_chunk(st, 20, 0, df_signer_sign_digest, s, &r);
    sg_make_chunk(un, 20, 0, NULL, NULL, &r);
    unsigned char d[32];
    sg_reference(s, un, ref, d);
    sg_tamper_checks(st, dir, "stream");
    sg_tamper_checks(ref, dir, "reference");
    df_signer_free(s);
}

Test(signer, foreign_signer_does_not_verify_against_our_ca)
{
    /* A self-signed (end-entity) certificate is not trusted: xmlsec1 refuses it. */
    char dir[1200], f[1300], cmd[4000];
    sg_scratch(dir, sizeof dir);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && openssl req -x509 -new -newkey rsa:2048 -nodes -keyout self.key "
             "-out self.pem -days 30 -subj /CN=self -addext basicConstraints=critical,CA:FALSE "
             "-addext keyUsage=critical,digitalSignature >/dev/null 2>&1 && chmod 600 self.key",
             dir);
    cr_assert(system(cmd) == 0);
    char kp[1300], cp[1300];
    sg_path(kp, sizeof kp, dir, "self.key");
    sg_path(cp, sizeof cp, dir, "self.pem");
    df_key_options o = {.key_path = kp, .cert_path = cp};
    df_signer *s = NULL;
    df_error err = {{0}};
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    sg_path(f, sizeof f, dir, "self.xml");
    df_chunk_result r;
    sg_make_chunk(f, 5, 0, df_signer_sign_digest, s, &r);
    cr_assert(sg_xmlsec1_verify(f) != 0);
    df_signer_free(s);
}

/* ---- concurrent signing ---------------------------------------------- */

typedef struct sg_job {
    df_signer *s;
    char path[1300];
    df_chunk_result res;
} sg_job;

static void *sg_worker(void *arg)
{
    sg_job *j = arg;
    for (int k = 0; k < 20; k++) {
        df_buf b = {0};
        unsigned char d[32];
        memset(d, k, sizeof d);
        df_error err;
        if (df_signer_sign_digest(j->s, d, sizeof d, &b, &err) != 0)
            return (void *)1;
        df_buf_free(&b);
    }
    return NULL;
}

Test(signer, several_threads_sign_with_one_signer)
{
    char dir[1200];
    sg_scratch(dir, sizeof dir);
    df_signer *s = sg_signer("ent-a.p12", NULL);
    enum { N = 8 };
    static sg_job jobs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        jobs[i].s = s;
        cr_assert(pthread_create(&th[i], NULL, sg_worker, &jobs[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        cr_assert(rv == NULL, "signing failed in thread %d", i);
    }
    /* And whole chunks, one after the other, still verify. */
    for (int i = 0; i < 2; i++) {
        snprintf(jobs[i].path, sizeof jobs[i].path, "%s/c%d.xml", dir, i);
        sg_make_chunk(jobs[i].path, 30 + i, 0, df_signer_sign_digest, s, &jobs[i].res);
        sg_assert_verifies(jobs[i].path);
    }
    df_signer_free(s);
}

typedef struct sg_ref_job {
    df_signer *s;
    char in[1300], out[1300];
    unsigned char digest[32];
    int rc;
} sg_ref_job;

static void *sg_ref_worker(void *arg)
{
    sg_ref_job *j = arg;
    df_error err;
    j->rc = df_signer_reference_sign_file(j->s, j->in, j->out, j->digest, &err);
    return NULL;
}

Test(signer, reference_signer_in_several_threads)
{
    char dir[1200];
    sg_scratch(dir, sizeof dir);
    df_signer *s = sg_signer("ent-a.p12", NULL);
    enum { N = 4 };
    static sg_ref_job jobs[N];
    static df_chunk_result res[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        snprintf(jobs[i].in, sizeof jobs[i].in, "%s/u%d.xml", dir, i);
        snprintf(jobs[i].out, sizeof jobs[i].out, "%s/r%d.xml", dir, i);
        sg_make_chunk(jobs[i].in, 500 + i, i & 1, NULL, NULL, &res[i]);
        jobs[i].s = s;
    }
    for (int i = 0; i < N; i++)
        cr_assert(pthread_create(&th[i], NULL, sg_ref_worker, &jobs[i]) == 0);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_assert(jobs[i].rc == 0);
        cr_assert(memcmp(jobs[i].digest, res[i].c14n_digest, 32) == 0);
        sg_assert_verifies(jobs[i].out);
    }
    df_signer_free(s);
}

/* ---- export for the TLS client --------------------------------------- */

Test(signer, export_pem_gives_matching_key_and_certificate)
{
    df_signer *s = sg_signer("ent-a.p12", NULL);
    char *k, *c;
    size_t kl, cl;
    df_error err = {{0}};
    cr_assert(df_key_export_pem(df_signer_key(s), &k, &kl, &c, &cl, &err) == 0, "%s", err.msg);
    cr_assert(strstr(k, "-----BEGIN PRIVATE KEY-----"));
    BIO *kb = BIO_new_mem_buf(k, (int)kl), *cb = BIO_new_mem_buf(c, (int)cl);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    cr_assert(pk && x && X509_check_private_key(x, pk) == 1);
    EVP_PKEY_free(pk);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    memset(k, 0, kl);
    free(k);
    free(c);
    df_signer_free(s);
}

/* ---- key problems: each its own message, never the passphrase --------- */

/* Loads with options; asserts failure with a message holding `want` and
 * neither the right nor the wrong passphrase. */
static void sg_load_fails(df_key_options *o, const char *want)
{
    df_signer *s = NULL;
    df_error err = {{0}};
    const char *key = o->key_path ? o->key_path : "(no key)";
    cr_assert(df_signer_load(&s, o, gd_v1_sig(), &err) != 0, "loading %s should fail with \"%s\"", key, want);
    cr_assert(s == NULL);
    cr_assert(strstr(err.msg, want), "%s: message \"%s\" lacks \"%s\"", key, err.msg, want);
    cr_assert(!strstr(err.msg, SG_PASS), "the passphrase leaks: %s", err.msg);
    cr_assert(!strstr(err.msg, "wrong-secret-4711"), "the passphrase leaks: %s", err.msg);
}

static void sg_opts(df_key_options *o, char *kp, char *cp, size_t cap, const char *key,
                    const char *cert)
{
    const char *pki = sg_pki();
    sg_path(kp, cap, pki, key);
    if (cert)
        sg_path(cp, cap, pki, cert);
    setenv("DF_SG_PASS", SG_PASS, 1);
    setenv("DF_SG_WRONG", "wrong-secret-4711", 1);
    unsetenv("DF_SG_UNSET");
    *o = (df_key_options){.key_path = kp, .cert_path = cert ? cp : NULL, .pass_env = "DF_SG_PASS"};
}

/* A key (and certificate) of the test PKI that must not load: the
 * passphrase from environment variable pass_env (NULL: none given); each
 * of `wants` in the message. key NULL: no key file at all. */
typedef struct {
    const char *key, *cert, *pass_env;
    const char *wants[2];
} sg_key_case;

static void sg_key_cases(const sg_key_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char kp[1200], cp[1200];
        df_key_options o = {0};
        if (c[i].key) {
            sg_opts(&o, kp, cp, sizeof kp, c[i].key, c[i].cert);
            o.pass_env = c[i].pass_env;
        }
        for (size_t w = 0; w < sizeof c[i].wants / sizeof *c[i].wants && c[i].wants[w]; w++)
            sg_load_fails(&o, c[i].wants[w]);
    }
}

#define SG_N(a) (sizeof(a) / sizeof *(a))

Test(signer_keys, wrong_passphrase_pkcs12_and_pem)
{
    static const sg_key_case cases[] = {
        {"ent-a.p12", NULL, "DF_SG_WRONG", {"wrong passphrase for", "ent-a.p12"}},
        {"ent-a.key", "ent-a.pem", "DF_SG_WRONG", {"wrong passphrase for", "ent-a.key"}},
    };
    sg_key_cases(cases, SG_N(cases));
}

Test(signer_keys, key_not_matching_certificate)
{
    static const sg_key_case cases[] = {
        {"ent-a.key", "ent-b.pem", "DF_SG_PASS", {"does not match the certificate in", "ent-b.pem"}},
    };
    sg_key_cases(cases, SG_N(cases));
}

Test(signer_keys, expired_and_not_yet_valid_certificates)
{
    static const sg_key_case cases[] = {
        {"expired.p12", NULL, "DF_SG_PASS", {"expired on 2021-01-01 00:00:00 UTC"}},
        {"future.p12", NULL, "DF_SG_PASS", {"is not valid yet: it becomes valid on 2099-01-01 00:00:00 UTC"}},
    };
    sg_key_cases(cases, SG_N(cases));
}

Test(signer_keys, open_permissions_refused_unless_allowed)
{
    char dir[1200], f[1300], cmd[4000];
    sg_scratch(dir, sizeof dir);
    sg_path(f, sizeof f, dir, "open.p12");
    snprintf(cmd, sizeof cmd, "cp '%s/ent-a.p12' '%s' && chmod 640 '%s'", sg_pki(), f, f);
    cr_assert(system(cmd) == 0);
    setenv("DF_SG_PASS", SG_PASS, 1);
    df_key_options o = {.key_path = f, .pass_env = "DF_SG_PASS"};
    sg_load_fails(&o, "can be read or written by group or others (mode 0640)");
    char want[1400];
    snprintf(want, sizeof want, "chmod 600 %s", f);
    sg_load_fails(&o, want);
    sg_load_fails(&o, "--allow-open-key-permissions");
    o.allow_open_perms = 1;
    df_signer *s = NULL;
    df_error err = {{0}};
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    /* A passphrase file open to others is refused the same way. */
    char pf[1300];
    sg_path(pf, sizeof pf, dir, "pass");
    snprintf(cmd, sizeof cmd, "printf 'test-pass\\n' > '%s' && chmod 644 '%s'", pf, pf);
    cr_assert(system(cmd) == 0);
    char kp[1200];
    sg_path(kp, sizeof kp, sg_pki(), "ent-a.p12");
    o = (df_key_options){.key_path = kp, .pass_file = pf};
    sg_load_fails(&o, "passphrase file");
    sg_load_fails(&o, "chmod 600");
}

Test(signer_keys, passphrase_from_env_or_file)
{
    char kp[1200], cp[1200];
    df_key_options o;
    df_signer *s = NULL;
    df_error err = {{0}};
    sg_opts(&o, kp, cp, sizeof kp, "ent-a.p12", NULL);
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    char pf[1200];
    sg_path(pf, sizeof pf, sg_pki(), "passphrase");
    o.pass_env = NULL;
    o.pass_file = pf;
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    sg_opts(&o, kp, cp, sizeof kp, "ent-a.key", "ent-a.pem");
    o.pass_env = NULL;
    o.pass_file = pf;
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    /* A passphrase file with CRLF and no further lines, or no newline. */
    char dir[1200], pf2[1300], cmd[4000];
    sg_scratch(dir, sizeof dir);
    sg_path(pf2, sizeof pf2, dir, "pass-crlf");
    snprintf(cmd, sizeof cmd, "printf 'test-pass\\r\\nsecond line\\n' > '%s' && chmod 600 '%s'", pf2, pf2);
    cr_assert(system(cmd) == 0);
    sg_opts(&o, kp, cp, sizeof kp, "ent-a.p12", NULL);
    o.pass_env = NULL;
    o.pass_file = pf2;
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    snprintf(cmd, sizeof cmd, "printf 'test-pass' > '%s'", pf2);
    cr_assert(system(cmd) == 0);
    cr_assert(df_signer_load(&s, &o, gd_v1_sig(), &err) == 0, "%s", err.msg);
    df_signer_free(s);
    /* An unset variable, or no source at all, is said so. */
    static const sg_key_case cases[] = {
        {"ent-a.p12", NULL, "DF_SG_UNSET", {"environment variable DF_SG_UNSET", "is not set"}},
        {"ent-a.p12", NULL, NULL, {"protected by a passphrase and none was given"}},
        {"ent-a.key", "ent-a.pem", NULL, {"protected by a passphrase and none was given"}},
    };
    sg_key_cases(cases, SG_N(cases));
}

Test(signer_keys, unreadable_corrupt_and_non_rsa)
{
    static const sg_key_case cases[] = {
        {"no-such.p12", NULL, "DF_SG_PASS", {"cannot open key file"}},
        {"corrupt.p12", NULL, "DF_SG_PASS", {"is not a readable PKCS#12"}},
        {"ec.p12", NULL, "DF_SG_PASS", {"RSA"}},
        {"ent-a-plain.key", "no-such.pem", "DF_SG_PASS", {"cannot open certificate file"}},
        {"ent-a-plain.key", "ent-a-plain.key", "DF_SG_PASS", {"holds no readable PEM certificate"}},
        {"ent-a-plain.key", NULL, "DF_SG_PASS", {"no certificate for the PEM key"}},
        {NULL, NULL, NULL, {"no key file given"}},
    };
    sg_key_cases(cases, SG_N(cases));
}

/* Runs df_signer_load with the terminal prompt in a child on a
 * pseudo-terminal, types `typed`, and returns what the terminal showed. */
static void sg_prompt(const char *typed, char *shown, size_t cap, int *status)
{
    char kp[1200];
    sg_path(kp, sizeof kp, sg_pki(), "ent-a.p12");
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert(pid >= 0);
    if (pid == 0) {
        df_key_options o = {.key_path = kp, .pass_prompt = 1};
        df_signer *s = NULL;
        df_error err = {{0}};
        int rc = df_signer_load(&s, &o, gd_v1_sig(), &err);
        if (rc != 0)
            printf("ERROR: %s\n", err.msg);
        else
            printf("LOADED %s\n", df_key_subject_cn(df_signer_key(s)));
        fflush(stdout);
        _exit(rc == 0 ? 0 : 1);
    }
    size_t n = 0;
    int typed_it = 0;
    for (;;) {
        struct pollfd pf = {.fd = master, .events = POLLIN};
        if (poll(&pf, 1, 10000) <= 0)
            break;
        ssize_t r = read(master, shown + n, cap - 1 - n);
        if (r <= 0)
            break; /* EIO once the child is gone */
        n += (size_t)r;
        shown[n] = 0;
        if (!typed_it && strstr(shown, "Passphrase for ")) {
            cr_assert(write(master, typed, strlen(typed)) == (ssize_t)strlen(typed));
            typed_it = 1;
        }
    }
    shown[n] = 0;
    close(master);
    waitpid(pid, status, 0);
    cr_assert(typed_it, "no prompt seen: %s", shown);
}

Test(signer_keys, passphrase_from_the_terminal_without_echo)
{
    char shown[8192];
    int st;
    sg_prompt(SG_PASS "\n", shown, sizeof shown, &st);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "terminal showed: %s", shown);
    cr_assert(strstr(shown, "LOADED 91440101MA59TESTAA"), "%s", shown);
    cr_assert(!strstr(shown, SG_PASS), "the passphrase was echoed: %s", shown);
    sg_prompt("wrong-secret-4711\n", shown, sizeof shown, &st);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "terminal showed: %s", shown);
    cr_assert(strstr(shown, "wrong passphrase for"), "%s", shown);
    cr_assert(!strstr(shown, "wrong-secret-4711"), "the passphrase was echoed: %s", shown);
}

/* ---- memory does not grow with the chunk ------------------------------ */

static long sg_vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Peak RSS growth (kB) of streaming-signing an n-record chunk, measured in
 * a child process whose high-water mark starts at its size at fork. */
static long sg_peak_growth(df_signer *s, const char *dir, long n)
{
    int p[2];
    cr_assert(pipe(p) == 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        long before = sg_vm_hwm_kb();
        char f[1300];
        snprintf(f, sizeof f, "%s/big-%ld.xml", dir, n);
        df_chunk_result r;
        sg_make_chunk(f, n, 0, df_signer_sign_digest, s, &r);
        long growth = sg_vm_hwm_kb() - before;
        if (r.records != (uint64_t)n)
            growth = -1;
        unlink(f);
        (void)!write(p[1], &growth, sizeof growth);
        _exit(0);
    }
    close(p[1]);
    long growth = -2;
    cr_assert(read(p[0], &growth, sizeof growth) == (ssize_t)sizeof growth);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(growth >= 0, "measuring failed");
    return growth;
}

Test(signer_memory, streaming_memory_does_not_grow_with_chunk_size, .timeout = 120)
{
    char dir[1200];
    sg_scratch(dir, sizeof dir);
    if (!sg_profile.ndoctypes)
        sg_load_profile();
    df_signer *s = sg_signer("ent-a.p12", NULL);
    long small = sg_peak_growth(s, dir, 5000);
    long big = sg_peak_growth(s, dir, 50000);
    cr_log_info("peak RSS growth: 5k records %ld kB, 50k records %ld kB", small, big);
    /* 50k records is ~30 MB of XML; a DOM would need ~270 MB. Loose bound:
     * the big chunk needs at most 4 MB more than the small one. */
    cr_assert(big < small + 4096, "memory grows with chunk size: 5k %ld kB, 50k %ld kB", small,
              big);
    df_signer_free(s);
}

/* ---- reference signer refuses what it should --------------------------- */

static void sg_ref_fails(df_signer *s, const char *in, const char *out, const char *want)
{
    df_error err = {{0}};
    unsigned char d[32];
    cr_assert(df_signer_reference_sign_file(s, in, out, d, &err) != 0, "%s should be refused", in);
    cr_assert(strstr(err.msg, want), "message \"%s\" lacks \"%s\"", err.msg, want);
    cr_assert(access(out, F_OK) != 0, "%s was written after a failure", out);
}

Test(signer, reference_signer_refusals)
{
    char dir[1200], st[1300], bad[1300], dtd[1300], out[1300], nodir[1400], un[1300];
    sg_scratch(dir, sizeof dir);
    sg_path(st, sizeof st, dir, "stream.xml");
    sg_path(bad, sizeof bad, dir, "bad.xml");
    sg_path(dtd, sizeof dtd, dir, "dtd.xml");
    sg_path(out, sizeof out, dir, "out.xml");
    sg_path(un, sizeof un, dir, "unsigned.xml");
    snprintf(nodir, sizeof nodir, "%s/no/such/dir/out.xml", dir);
    df_signer *s = sg_signer("ent-a.p12", NULL);
    df_chunk_result r;
    sg_make_chunk(st, 3, 0, df_signer_sign_digest, s, &r);
    sg_make_chunk(un, 3, 0, NULL, NULL, &r);
    sg_write(bad, "<DataFile><Records>", 19);
    static const char with_dtd[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE DataFile [<!ENTITY x \"y\">]>\n<DataFile>&x;</DataFile>\n";
    sg_write(dtd, with_dtd, sizeof with_dtd - 1);
    const struct {
        const char *in, *out, *want;
    } cases[] = {
        {st, out, "is signed already"},
        {bad, out, "cannot parse the unsigned data file"},
        {dtd, out, "must not carry a DTD"},
        {un, nodir, "cannot create"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        sg_ref_fails(s, cases[i].in, cases[i].out, cases[i].want);
    df_signer_free(s);
}

/* ---- every chunk made from the samples verifies ------------------------ */

/* Converts one sample export (small chunks, two writer threads) with the
 * streaming or the reference signer; returns the summary. */
static void sg_convert_sample(const char *name, df_signer *s, int reference, const char *out_dir,
                              df_convert_summary *sum)
{
    static df_mapping map;
    df_error err = {{0}};
    char mp[256], in[256];
    snprintf(mp, sizeof mp, "../../samples/mappings/%s.yaml", name);
    snprintf(in, sizeof in, "../../samples/exports/%s.csv", name);
    cr_assert(df_mapping_load(&map, &sg_profile, mp, &err) == 0, "%s", err.msg);
    df_catalog_set cats;
    df_catalog_set_init(&cats, &sg_profile);
    for (int i = 0; i < sg_profile.ncatalogs; i++) {
        char cp[256];
        snprintf(cp, sizeof cp, "../../samples/catalogs/%s.csv",
                 !strcmp(sg_profile.catalogs[i].name, "commodity") ? "commodities" : "partners");
        cr_assert(df_catalog_load_csv(&cats.cat[i], cp, &err) == 0, "%s", err.msg);
    }
    const char *inputs[] = {in};
    char batch[128];
    snprintf(batch, sizeof batch, "2026-10-%s-01", map.dt->code);
    df_convert_options o = {
        .profile = &sg_profile,
        .mapping = &map,
        .catalogs = &cats,
        .inputs = inputs,
        .ninputs = 1,
        .out_dir = out_dir,
        .meta = {"91440101MA59TESTAA", "广州样例医药连锁有限公司", map.dt->code, "2026-10", batch,
                 "2026-11-01T02:00:00+08:00"},
        .chunk_records = 4,
        .threads = 2,
    };
    if (reference) {
        o.sign_file = df_signer_reference_sign_file; /* a df_file_sign_fn */
        o.sign_file_ctx = s;
    } else {
        o.sign = df_signer_sign_digest;
        o.sign_ctx = s;
    }
    memset(sum, 0, sizeof *sum);
    cr_assert(df_convert(&o, sum, &err) == 0, "%s: %s", name, err.msg);
    df_catalog_set_free(&cats);
    df_mapping_free(&map);
}

Test(signer_samples, every_sample_chunk_verifies_and_both_signers_agree, .timeout = 240)
{
    static const char *const names[] = {"sale",      "sale_gb18030", "sale_return", "purchase",
                                        "purchase_return", "inventory", "unqualified", "damage"};
    char dir[1200];
    sg_scratch(dir, sizeof dir);
    if (!sg_profile.ndoctypes)
        sg_load_profile();
    df_signer *s = sg_signer("ent-a.p12", NULL);
    size_t total = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char so[1400], ro[1400];
        snprintf(so, sizeof so, "%s/%s-stream", dir, names[k]);
        snprintf(ro, sizeof ro, "%s/%s-reference", dir, names[k]);
        cr_assert(mkdir(so, 0700) == 0 && mkdir(ro, 0700) == 0);
        static df_convert_summary a, b;
        sg_convert_sample(names[k], s, 0, so, &a);
        sg_convert_sample(names[k], s, 1, ro, &b);
        cr_assert(a.nchunks > 0, "%s: no chunk", names[k]);
        cr_assert(a.nchunks == b.nchunks);
        for (size_t c = 0; c < a.nchunks; c++) {
            cr_assert(memcmp(a.chunks[c].c14n_digest, b.chunks[c].c14n_digest, 32) == 0,
                      "%s chunk %zu: streaming and reference digests differ", names[k], c + 1);
            sg_assert_verifies(a.chunks[c].path);
            sg_assert_verifies(b.chunks[c].path);
        }
        total += a.nchunks;
        df_summary_free(&a);
        df_summary_free(&b);
    }
    cr_log_info("%zu sample chunks verified, each signed both ways", total);
    df_signer_free(s);
}
