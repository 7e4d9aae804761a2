/* tests/unit/test_chunk_writer.c — writer/chunk_writer.c: a data file is
 * exactly its canonical form (xmllint --c14n, spawned, gives the same bytes
 * and the reported digest), values are escaped as C14N does, the file
 * validates against samples/schema/gd-v1.xsd, and a chunk appears whole or
 * not at all. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapping/profile.h"
#include "writer/chunk_writer.h"

static df_profile cw_profile;
static const df_doctype *cw_sale;
static char cw_dir[64];

static void cw_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&cw_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    cw_sale = df_profile_doctype(&cw_profile, "SALE");
    cr_assert_not_null(cw_sale);
    strcpy(cw_dir, "/tmp/df-chunk-XXXXXX");
    cr_assert_not_null(mkdtemp(cw_dir));
}

static void cw_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cw_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cw_dir);
}

TestSuite(chunk_writer, .init = cw_setup, .fini = cw_teardown);

static const df_chunk_meta cw_meta = {
    .enterprise_code = "91440101MA59TEST0A",
    .enterprise_name = "广州样例医药连锁有限公司 & <分店> \"A\"",
    .doc_type = "SALE",
    .period = "2026-10",
    .batch_id = "2026-10-SALE-01",
    .created_at = "2026-11-01T02:00:00+08:00",
};

/* A SALE record whose text fields carry every character C14N escapes. */
static void cw_record(int i, const char **vals, size_t *lens, char bufs[][64])
{
    static const char *base[17] = {
        NULL, "2026-10-02", "深圳市海王星辰医药有限公司", "86900000000028", "氨氯地平片 <10mg> & \"quoted\"",
        "10mg", "10mg*30片/盒", "片剂", "广东&联合<制药>有限公司", "国药准字H20003222", NULL, "2026-02-15",
        "2028-02-14", "1200", "盒", "12.50", "125.00"};
    for (int f = 0; f < 17; f++) {
        vals[f] = base[f];
        lens[f] = base[f] ? strlen(base[f]) : 0;
    }
    snprintf(bufs[0], 64, "XS%010d", i);
    vals[0] = bufs[0];
    lens[0] = strlen(bufs[0]);
    snprintf(bufs[1], 64, "B%d\r\nline2\ttab", i); /* CR, LF and tab in a value */
    vals[10] = bufs[1];
    lens[10] = strlen(bufs[1]);
}

static void cw_sha256_file(const char *path, unsigned char out[32], long *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    char buf[65536];
    size_t n;
    long total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(md, buf, n);
        total += (long)n;
    }
    fclose(f);
    unsigned int dl;
    EVP_DigestFinal_ex(md, out, &dl);
    EVP_MD_CTX_free(md);
    if (size)
        *size = total;
}

static char *cw_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Writes a chunk of nrec records into cw_dir/NAME, returns its result. */
static void cw_write_chunk(const char *name, int nrec, df_sign_fn sign, void *sign_ctx, df_chunk_result *res,
                           char *path, size_t pathlen)
{
    df_error err;
    df_chunk_writer w;
    snprintf(path, pathlen, "%s/%s", cw_dir, name);
    cr_assert_eq(df_chunk_open(&w, &cw_profile, &cw_meta, 3, path, DF_CHUNK_C14N_DIGEST | DF_CHUNK_FILE_DIGEST, &err), 0,
                 "%s", err.msg);
    static char block[1 << 16];
    size_t blen = 0;
    uint64_t inblock = 0;
    for (int i = 0; i < nrec; i++) {
        const char *vals[17];
        size_t lens[17];
        char bufs[2][64];
        cw_record(i, vals, lens, bufs);
        size_t n = df_render_record(&cw_profile, cw_sale, vals, lens, block + blen, sizeof block - blen);
        if (n == 0) {
            cr_assert_eq(df_chunk_write_records(&w, block, blen, inblock, &err), 0, "%s", err.msg);
            blen = 0;
            inblock = 0;
            n = df_render_record(&cw_profile, cw_sale, vals, lens, block, sizeof block);
            cr_assert_gt(n, 0);
        }
        blen += n;
        inblock++;
    }
    if (blen)
        cr_assert_eq(df_chunk_write_records(&w, block, blen, inblock, &err), 0, "%s", err.msg);
    memset(res, 0, sizeof *res);
    cr_assert_eq(df_chunk_finish(&w, sign, sign_ctx, res, &err), 0, "%s", err.msg);
}

/* Runs cmd, returns its stdout (malloc'd, NUL-terminated) and exit status. */
static char *cw_spawn(const char *cmd, size_t *len, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t cap = 1 << 16, n = 0, r;
    char *out = malloc(cap);
    while ((r = fread(out + n, 1, cap - n, p)) > 0) {
        n += r;
        if (n == cap)
            out = realloc(out, cap *= 2);
    }
    *status = pclose(p);
    *len = n;
    out[n < cap ? n : cap - 1] = 0;
    return out;
}

/* xmllint --xpath prints the string and a newline. */
static char *cw_xpath(const char *path, const char *expr, size_t *len)
{
    char cmd[512];
    int status;
    snprintf(cmd, sizeof cmd, "xmllint --xpath '%s' '%s'", expr, path);
    char *out = cw_spawn(cmd, len, &status);
    cr_assert_eq(status, 0, "%s failed", cmd);
    if (*len && out[*len - 1] == '\n')
        out[--*len] = 0;
    return out;
}

static void cw_sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int dl;
    EVP_Digest(p, n, out, &dl, EVP_sha256(), NULL);
}

/* ---- canonical form --------------------------------------------------- */

Test(chunk_writer, file_is_its_canonical_form)
{
    df_chunk_result res;
    char path[256];
    cw_write_chunk("c14n.xml", 25, NULL, NULL, &res, path, sizeof path);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --c14n '%s'", path);
    size_t clen;
    int status;
    char *c14n = cw_spawn(cmd, &clen, &status);
    cr_assert_eq(status, 0, "xmllint --c14n failed");

    /* The file is the declaration line, the canonical form, a newline. */
    size_t flen;
    char *file = cw_read_all(path, &flen);
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    cr_assert(flen > sizeof decl && memcmp(file, decl, sizeof decl - 1) == 0, "the file starts with the declaration");
    cr_expect_eq(file[flen - 1], '\n');
    size_t body = flen - (sizeof decl - 1) - 1;
    cr_expect_eq(body, clen, "canonical form is %zu bytes, the file's body %zu", clen, body);
    cr_expect(body == clen && memcmp(file + sizeof decl - 1, c14n, clen) == 0,
              "the file's bytes differ from xmllint --c14n");

    /* The reported digest is the digest of the canonical form. */
    unsigned char d[32];
    cw_sha256(c14n, clen, d);
    cr_expect(memcmp(d, res.c14n_digest, 32) == 0, "c14n digest differs from sha256(xmllint --c14n)");
    free(c14n);
    free(file);
}

Test(chunk_writer, reported_size_hash_and_count)
{
    df_chunk_result res;
    char path[256];
    cw_write_chunk("meta.xml", 1000, NULL, NULL, &res, path, sizeof path); /* spans several blocks */
    unsigned char d[32];
    long size;
    cw_sha256_file(path, d, &size);
    cr_expect(res.has_file_sha256);
    cr_expect(memcmp(d, res.file_sha256, 32) == 0, "file_sha256 is not the file's SHA-256");
    cr_expect_eq((long)res.bytes, size);
    cr_expect_eq(res.records, 1000);
    cr_expect_str_eq(res.path, path);
    size_t flen;
    char *file = cw_read_all(path, &flen);
    cr_expect(strstr(file, "<Trailer><RecordCount>1000</RecordCount></Trailer>\n</DataFile>\n") != NULL,
              "trailer and end");
    cr_expect(strstr(file, "<ChunkSeq>3</ChunkSeq>") != NULL);
    cr_expect(strstr(file, "<DataFile version=\"1.0\">\n<Header>\n<EnterpriseCode>91440101MA59TEST0A</EnterpriseCode>\n")
                  != NULL);
    free(file);
}

Test(chunk_writer, empty_chunk_is_well_formed)
{
    df_chunk_result res;
    char path[256];
    cw_write_chunk("empty.xml", 0, NULL, NULL, &res, path, sizeof path);
    size_t flen;
    char *file = cw_read_all(path, &flen);
    cr_expect(strstr(file, "<Records>\n</Records>\n<Trailer><RecordCount>0</RecordCount></Trailer>") != NULL, "%s",
              file);
    free(file);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema ../../samples/schema/gd-v1.xsd '%s' 2>/dev/null", path);
    cr_expect_eq(system(cmd), 0, "an empty chunk does not validate");
}

/* ---- escaping --------------------------------------------------------- */

Test(chunk_writer, escape_text_as_c14n)
{
    char out[128];
    const char in[] = "a<b>c&d\"e'f\rg\nh\ti";
    size_t n = df_c14n_escape_text(in, sizeof in - 1, out, sizeof out);
    cr_assert_neq(n, (size_t)-1);
    out[n] = 0;
    cr_expect_str_eq(out, "a&lt;b&gt;c&amp;d\"e'f&#xD;g\nh\ti");
    /* Too small: refuses rather than cutting an entity in half. */
    cr_expect_eq(df_c14n_escape_text("&&&", 3, out, 7), (size_t)-1);
    cr_expect_eq(df_c14n_escape_text("&", 1, out, 5), 5);
    cr_expect_eq(df_c14n_escape_text("", 0, out, 0), 0);
}

/* The plain C14N escaping, byte by byte, as a reference. */
static size_t cw_escape_ref(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : s[i] == '\r' ? "&#xD;" : NULL;
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

Test(chunk_writer, escape_text_at_every_position)
{
    /* Each special character at each offset of values longer than a word,
     * among ASCII and multi-byte text, escapes as the byte-wise reference. */
    static const char specials[] = "&<>\r";
    static const char *fills[] = {"abcdefghijklmnopqrstuvwxyz0123456789", "氨氯地平片阿莫西林胶囊对乙酰氨基酚片"};
    for (size_t fi = 0; fi < 2; fi++) {
        for (size_t len = 1; len <= 33; len++) {
            for (size_t pos = 0; pos < len; pos++) {
                for (size_t k = 0; k < 4; k++) {
                    char in[64], want[256], got[256];
                    memcpy(in, fills[fi], len);
                    in[pos] = specials[k];
                    size_t wl = cw_escape_ref(in, len, want);
                    size_t gl = df_c14n_escape_text(in, len, got, sizeof got);
                    cr_assert(gl == wl && memcmp(got, want, wl) == 0, "len %zu, 0x%02x at %zu: '%.*s' want '%.*s'",
                              len, (unsigned)specials[k], pos, (int)gl, got, (int)wl, want);
                }
            }
        }
    }
}

Test(chunk_writer, render_record_fields_in_profile_order)
{
    const char *vals[17];
    size_t lens[17];
    char bufs[2][64];
    cw_record(7, vals, lens, bufs);
    char buf[4096];
    size_t n = df_render_record(&cw_profile, cw_sale, vals, lens, buf, sizeof buf);
    cr_assert_gt(n, 0);
    buf[n] = 0;
    cr_expect(strncmp(buf, "<Record><BillNo>XS0000000007</BillNo><BillDate>2026-10-02</BillDate><PartnerName>", 80)
                  == 0,
              "%s", buf);
    cr_expect(strstr(buf, "<DrugName>氨氯地平片 &lt;10mg&gt; &amp; \"quoted\"</DrugName>") != NULL, "%s", buf);
    cr_expect(strstr(buf, "<BatchNo>B7&#xD;\nline2\ttab</BatchNo>") != NULL, "%s", buf);
    cr_expect(strstr(buf, "<Amount>125.00</Amount></Record>\n") != NULL, "%s", buf);
    /* Empty values are written as start and end tag, never <X/>. */
    vals[5] = "";
    lens[5] = 0;
    n = df_render_record(&cw_profile, cw_sale, vals, lens, buf, sizeof buf);
    buf[n] = 0;
    cr_expect(strstr(buf, "<Spec></Spec>") != NULL, "%s", buf);
    /* Too small a buffer: 0, not a partial record. */
    for (size_t cap = 0; cap < n; cap += 37)
        cr_expect_eq(df_render_record(&cw_profile, cw_sale, vals, lens, buf, cap), 0, "cap %zu", cap);
    cr_expect_eq(df_render_record(&cw_profile, cw_sale, vals, lens, buf, n), n);
}

Test(chunk_writer, escaped_values_parse_back_to_the_originals)
{
    df_chunk_result res;
    char path[256];
    cw_write_chunk("roundtrip.xml", 2, NULL, NULL, &res, path, sizeof path);
    size_t len;
    char *out = cw_xpath(path, "string(//Record[2]/DrugName)", &len);
    cr_expect(len == strlen("氨氯地平片 <10mg> & \"quoted\"") && !memcmp(out, "氨氯地平片 <10mg> & \"quoted\"", len),
              "got '%.*s'", (int)len, out);
    free(out);
    out = cw_xpath(path, "string(//Record[1]/BatchNo)", &len);
    cr_expect(len == strlen("B0\r\nline2\ttab") && !memcmp(out, "B0\r\nline2\ttab", len),
              "CR must survive parsing (as &#xD;): got '%.*s'", (int)len, out);
    free(out);
    out = cw_xpath(path, "string(//EnterpriseName)", &len);
    cr_expect(len == strlen(cw_meta.enterprise_name) && !memcmp(out, cw_meta.enterprise_name, len),
              "header values are escaped too: got '%.*s'", (int)len, out);
    free(out);
}

/* ---- schema ----------------------------------------------------------- */

Test(chunk_writer, validates_against_the_schema)
{
    df_chunk_result res;
    char path[256];
    cw_write_chunk("schema.xml", 50, NULL, NULL, &res, path, sizeof path);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema ../../samples/schema/gd-v1.xsd '%s' 2>&1", path);
    size_t len;
    int status;
    char *out = cw_spawn(cmd, &len, &status);
    cr_expect_eq(status, 0, "schema validation failed: %.*s", (int)len, out);
    free(out);
}

Test(chunk_writer, every_doc_type_validates)
{
    for (int d = 0; d < cw_profile.ndoctypes; d++) {
        const df_doctype *dt = &cw_profile.doctypes[d];
        df_chunk_meta meta = cw_meta;
        meta.doc_type = dt->code;
        char path[256];
        snprintf(path, sizeof path, "%s/%s.xml", cw_dir, dt->code);
        df_error err;
        df_chunk_writer w;
        cr_assert_eq(df_chunk_open(&w, &cw_profile, &meta, 1, path, 0, &err), 0, "%s", err.msg);
        const char *vals[DF_MAX_FIELDS];
        size_t lens[DF_MAX_FIELDS];
        for (int f = 0; f < dt->nfields; f++) {
            vals[f] = "x";
            lens[f] = 1;
        }
        char buf[4096];
        size_t n = df_render_record(&cw_profile, dt, vals, lens, buf, sizeof buf);
        cr_assert_gt(n, 0);
        cr_assert_eq(df_chunk_write_records(&w, buf, n, 1, &err), 0, "%s", err.msg);
        df_chunk_result res;
        cr_assert_eq(df_chunk_finish(&w, NULL, NULL, &res, &err), 0, "%s", err.msg);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "xmllint --noout --schema ../../samples/schema/gd-v1.xsd '%s' 2>/dev/null", path);
        cr_expect_eq(system(cmd), 0, "%s does not validate", dt->code);
    }
}

/* ---- signature placement ---------------------------------------------- */

static unsigned char cw_seen_digest[32];
static size_t cw_seen_len;
static int cw_fake_sign(void *ctx, const unsigned char *digest, size_t len, df_buf *sig, df_error *err)
{
    (void)ctx;
    (void)err;
    cw_seen_len = len;
    memcpy(cw_seen_digest, digest, 32);
    static const char s[] = "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo></SignedInfo>"
                            "</Signature>";
    return df_buf_append(sig, s, sizeof s - 1);
}

Test(chunk_writer, signature_is_the_last_child_and_outside_the_digest)
{
    df_chunk_result plain, signed_;
    char p1[256], p2[256];
    cw_write_chunk("plain.xml", 5, NULL, NULL, &plain, p1, sizeof p1);
    cw_write_chunk("signed.xml", 5, cw_fake_sign, NULL, &signed_, p2, sizeof p2);
    cr_expect(memcmp(cw_seen_digest, signed_.c14n_digest, 32) == 0, "the signer gets the reference digest");
    cr_expect_eq(cw_seen_len, 32, "gd-v1's digest is SHA-256");
    cr_expect_eq(signed_.c14n_digest_len, 32);
    cr_expect(memcmp(plain.c14n_digest, signed_.c14n_digest, 32) == 0, "the signature is not part of the digest");
    size_t len;
    char *file = cw_read_all(p2, &len);
    cr_expect(strstr(file, "</Trailer>\n<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">") != NULL, "%s",
              file);
    cr_expect(strstr(file, "</Signature></DataFile>\n") != NULL, "%s", file);
    free(file);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema ../../samples/schema/gd-v1.xsd '%s' 2>/dev/null", p2);
    cr_expect_eq(system(cmd), 0, "a signed file does not validate");
}

static int cw_failing_sign(void *ctx, const unsigned char *digest, size_t len, df_buf *sig, df_error *err)
{
    (void)ctx;
    (void)digest;
    (void)len;
    (void)sig;
    return df_errorf(err, "no key");
}

/* ---- all or nothing --------------------------------------------------- */

static int cw_dir_entries(void)
{
    DIR *d = opendir(cw_dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

Test(chunk_writer, nothing_appears_before_finish_and_abort_leaves_nothing)
{
    char path[256];
    snprintf(path, sizeof path, "%s/aborted.xml", cw_dir);
    df_error err;
    df_chunk_writer w;
    cr_assert_eq(df_chunk_open(&w, &cw_profile, &cw_meta, 1, path, DF_CHUNK_C14N_DIGEST, &err), 0, "%s", err.msg);
    struct stat st;
    cr_expect_neq(stat(path, &st), 0, "the final name exists before finish");
    df_chunk_abort(&w);
    cr_expect_eq(cw_dir_entries(), 0, "abort left a file behind");
}

/* An aborted chunk (the conversion failed elsewhere) is dropped silently:
 * no "I/O error : flush error" from libxml2 to mislead the user. */
static void cw_setup_quiet(void)
{
    cw_setup();
    cr_redirect_stderr();
}

Test(chunk_writer, abort_with_buffered_records_is_quiet, .init = cw_setup_quiet)
{
    char path[256];
    snprintf(path, sizeof path, "%s/quiet.xml", cw_dir);
    df_error err;
    df_chunk_writer w;
    cr_assert_eq(df_chunk_open(&w, &cw_profile, &cw_meta, 1, path, DF_CHUNK_C14N_DIGEST, &err), 0, "%s", err.msg);
    char block[8192];
    const char *vals[17];
    size_t lens[17];
    char bufs[2][64];
    for (int i = 0; i < 20; i++) {
        cw_record(i, vals, lens, bufs);
        size_t n = df_render_record(&cw_profile, cw_sale, vals, lens, block, sizeof block);
        cr_assert_gt(n, 0);
        cr_assert_eq(df_chunk_write_records(&w, block, n, 1, &err), 0, "%s", err.msg);
    }
    df_chunk_abort(&w);
    fflush(stderr);
    cr_assert_stderr_eq_str("", "aborting a chunk printed something");
    cr_expect_eq(cw_dir_entries(), 0, "abort left a file behind");
}

Test(chunk_writer, failed_signature_leaves_nothing)
{
    char path[256];
    snprintf(path, sizeof path, "%s/unsigned.xml", cw_dir);
    df_error err = {{0}};
    df_chunk_writer w;
    cr_assert_eq(df_chunk_open(&w, &cw_profile, &cw_meta, 1, path, DF_CHUNK_C14N_DIGEST, &err), 0, "%s", err.msg);
    df_chunk_result res;
    cr_expect_neq(df_chunk_finish(&w, cw_failing_sign, NULL, &res, &err), 0);
    cr_expect(strstr(err.msg, "no key") != NULL && strstr(err.msg, "unsigned.xml") != NULL, "%s", err.msg);
    cr_expect_eq(cw_dir_entries(), 0, "a failed finish left a file behind");
}

Test(chunk_writer, open_in_a_missing_directory_fails_cleanly)
{
    df_error err = {{0}};
    df_chunk_writer w;
    cr_expect_neq(df_chunk_open(&w, &cw_profile, &cw_meta, 1, "/nonexistent/dir/x.xml", 0, &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/dir") != NULL, "%s", err.msg);
}
