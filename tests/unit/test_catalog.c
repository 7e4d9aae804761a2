/* tests/unit/test_catalog.c — catalogs as hash sets (mapping/catalog.c):
 * add, contains, remove, growth past many thousands of keys, and loading
 * the portal's CSV exports (BOM, reordered columns, errors). */
#include <criterion/criterion.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/catalog.h"
#include "mapping/catalog_csv.h"
#include "mapping/profile.h"

static df_profile ca_profile;
static df_catalog_set ca_set;
static df_catalog *ca_com, *ca_par;
static char ca_dir[64];

static void ca_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&ca_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    df_catalog_set_init(&ca_set, &ca_profile);
    ca_com = &ca_set.cat[df_profile_catalog_index(&ca_profile, "commodity")];
    ca_par = &ca_set.cat[df_profile_catalog_index(&ca_profile, "partner")];
    strcpy(ca_dir, "/tmp/df-catalog-XXXXXX");
    cr_assert_not_null(mkdtemp(ca_dir));
}

static void ca_teardown(void)
{
    df_catalog_set_free(&ca_set);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ca_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", ca_dir);
}

TestSuite(catalog, .init = ca_setup, .fini = ca_teardown);

static int ca_has2(const df_catalog *c, const char *a, const char *b)
{
    const char *parts[2] = {a, b};
    size_t lens[2] = {strlen(a), strlen(b)};
    return df_catalog_contains(c, parts, lens);
}

static void ca_add2(df_catalog *c, const char *a, const char *b)
{
    const char *parts[2] = {a, b};
    size_t lens[2] = {strlen(a), strlen(b)};
    df_error err;
    cr_assert_eq(df_catalog_add(c, parts, lens, &err), 0, "%s", err.msg);
}

static void ca_del2(df_catalog *c, const char *a, const char *b)
{
    const char *parts[2] = {a, b};
    size_t lens[2] = {strlen(a), strlen(b)};
    df_catalog_remove(c, parts, lens);
}

static int ca_has1(const df_catalog *c, const char *a)
{
    const char *parts[1] = {a};
    size_t lens[1] = {strlen(a)};
    return df_catalog_contains(c, parts, lens);
}

static char *ca_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", ca_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(catalog, empty_catalog_contains_nothing)
{
    cr_expect_not(ca_com->loaded);
    cr_expect_not(ca_has2(ca_com, "86900000000011", "x"));
    ca_del2(ca_com, "86900000000011", "x"); /* harmless */
    cr_expect_eq(ca_com->count, 0);
}

Test(catalog, add_contains_remove)
{
    ca_add2(ca_com, "86900000000011", "0.25g*24粒/盒");
    ca_add2(ca_com, "86900000000028", "10mg*30片/盒");
    cr_expect(ca_com->loaded);
    cr_expect_eq(ca_com->count, 2);
    cr_expect(ca_has2(ca_com, "86900000000011", "0.25g*24粒/盒"));
    cr_expect(ca_has2(ca_com, "86900000000028", "10mg*30片/盒"));
    cr_expect_not(ca_has2(ca_com, "86900000000011", "10mg*30片/盒"));
    cr_expect_not(ca_has2(ca_com, "86900000000011", "0.25g*24粒/盒 "));
    /* Adding again is not a second key. */
    ca_add2(ca_com, "86900000000011", "0.25g*24粒/盒");
    cr_expect_eq(ca_com->count, 2);
    ca_del2(ca_com, "86900000000011", "0.25g*24粒/盒");
    cr_expect_eq(ca_com->count, 1);
    cr_expect_not(ca_has2(ca_com, "86900000000011", "0.25g*24粒/盒"));
    cr_expect(ca_has2(ca_com, "86900000000028", "10mg*30片/盒"));
    /* Removing a key not present changes nothing. */
    ca_del2(ca_com, "86900000000099", "x");
    cr_expect_eq(ca_com->count, 1);
    /* And it can come back. */
    ca_add2(ca_com, "86900000000011", "0.25g*24粒/盒");
    cr_expect(ca_has2(ca_com, "86900000000011", "0.25g*24粒/盒"));
    cr_expect_eq(ca_com->count, 2);
}

Test(catalog, parts_are_not_concatenated)
{
    ca_add2(ca_com, "ab", "c");
    cr_expect(ca_has2(ca_com, "ab", "c"));
    cr_expect_not(ca_has2(ca_com, "a", "bc"));
    cr_expect_not(ca_has2(ca_com, "abc", ""));
}

Test(catalog, empty_key_part_is_a_key)
{
    const char *parts[1] = {""};
    size_t lens[1] = {0};
    df_error err;
    cr_assert_eq(df_catalog_add(ca_par, parts, lens, &err), 0);
    cr_expect(df_catalog_contains(ca_par, parts, lens));
    cr_expect_not(ca_has1(ca_par, " "));
}

/* Many keys: growth keeps every key findable, removal of half keeps the
 * other half (backward-shift deletion must not break probe chains). */
Test(catalog, growth_and_removal_of_many_keys)
{
    enum { N = 50000 };
    char code[32], pack[32];
    for (int i = 0; i < N; i++) {
        snprintf(code, sizeof code, "869%011d", i);
        snprintf(pack, sizeof pack, "%dmg*%d片/盒", i % 97, i % 13);
        ca_add2(ca_com, code, pack);
    }
    cr_assert_eq(ca_com->count, N);
    cr_expect_geq(ca_com->cap * 7, ca_com->count * 10, "load factor stays below 0.7");
    for (int i = 0; i < N; i++) {
        snprintf(code, sizeof code, "869%011d", i);
        snprintf(pack, sizeof pack, "%dmg*%d片/盒", i % 97, i % 13);
        cr_assert(ca_has2(ca_com, code, pack), "key %d lost after growth", i);
        snprintf(pack, sizeof pack, "%dmg*%d片/盒", i % 97 + 1, i % 13);
        cr_assert_not(ca_has2(ca_com, code, pack), "wrong pack matched for %d", i);
    }
    for (int i = 0; i < N; i += 2) {
        snprintf(code, sizeof code, "869%011d", i);
        snprintf(pack, sizeof pack, "%dmg*%d片/盒", i % 97, i % 13);
        ca_del2(ca_com, code, pack);
    }
    cr_expect_eq(ca_com->count, N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(code, sizeof code, "869%011d", i);
        snprintf(pack, sizeof pack, "%dmg*%d片/盒", i % 97, i % 13);
        if (i % 2)
            cr_assert(ca_has2(ca_com, code, pack), "key %d lost after removing others", i);
        else
            cr_assert_not(ca_has2(ca_com, code, pack), "removed key %d still found", i);
    }
}

Test(catalog, overlong_key_is_refused_not_truncated)
{
    static char big[3000];
    memset(big, 'x', sizeof big - 1);
    const char *parts[1] = {big};
    size_t lens[1] = {strlen(big)};
    df_error err = {{0}};
    cr_expect_neq(df_catalog_add(ca_par, parts, lens, &err), 0);
    cr_expect(strstr(err.msg, "partner") != NULL, "%s", err.msg);
    /* A key that only shares the first 2047 bytes is not "contained". */
    big[2100] = 'y';
    cr_expect_not(df_catalog_contains(ca_par, parts, lens));
}

/* ---- CSV loading ------------------------------------------------------ */

Test(catalog, load_the_sample_exports)
{
    df_error err;
    cr_assert_eq(df_catalog_load_csv(ca_com, "../../samples/catalogs/commodities.csv", &err), 0, "%s", err.msg);
    cr_assert_eq(df_catalog_load_csv(ca_par, "../../samples/catalogs/partners.csv", &err), 0, "%s", err.msg);
    cr_expect_eq(ca_com->count, 8);
    cr_expect_eq(ca_par->count, 5);
    cr_expect(ca_has2(ca_com, "86900000000073", "5mg*28片/盒"));
    cr_expect(ca_has1(ca_par, "国药控股广州有限公司"));
}

Test(catalog, load_with_bom_and_reordered_columns)
{
    df_error err;
    const char *path = ca_file("c.csv", "\xEF\xBB\xBF"
                                        "DrugName,PackSpec,Extra,DrugCode\r\n"
                                        "阿莫西林胶囊,0.25g*24粒/盒,x,86900000000011\r\n"
                                        "\"氨氯地平片, 10mg\",\"10mg*30片/盒\",,86900000000028\r\n"
                                        "\r\n"
                                        "板蓝根,\"10g*10袋/盒 \",y,86900000000042\n");
    cr_assert_eq(df_catalog_load_csv(ca_com, path, &err), 0, "%s", err.msg);
    cr_expect_eq(ca_com->count, 3);
    cr_expect(ca_has2(ca_com, "86900000000011", "0.25g*24粒/盒"));
    cr_expect(ca_has2(ca_com, "86900000000028", "10mg*30片/盒"));
    /* Exported keys are kept character for character: no trimming. */
    cr_expect(ca_has2(ca_com, "86900000000042", "10g*10袋/盒 "));
    cr_expect_not(ca_has2(ca_com, "86900000000042", "10g*10袋/盒"));
}

Test(catalog, load_with_bom_before_a_quoted_header)
{
    /* Excel and many ERPs write a BOM and quote every field. */
    df_error err;
    const char *path = ca_file("q.csv", "\xEF\xBB\xBF\"Name\",\"CreditCode\",\"LicenseNo\"\r\n"
                                        "\"广州医药股份有限公司\",\"91440101190438411X\",\"粤AA0200001\"\r\n");
    cr_assert_eq(df_catalog_load_csv(ca_par, path, &err), 0, "%s", err.msg);
    cr_expect(ca_has1(ca_par, "广州医药股份有限公司"));
}

/* Exports that must not load: each fails, its message names the file
 * (names_path) and holds each of `wants`. */
Test(catalog, broken_exports_are_errors)
{
    static const struct {
        const char *name;
        int partners;     /* 1: the partner catalog, 0: the commodity one */
        const char *file; /* written under the test's directory */
        const char *text; /* NULL: `file` is a path that does not exist */
        int names_path;
        const char *wants[2];
    } cases[] = {
        {"missing key column", 1, "p.csv", "Nam,CreditCode\n广州医药股份有限公司,9144\n", 1, {":1:", "'Name'"}},
        {"second key column missing", 0, "c2.csv", "DrugCode,DrugName\n86900000000011,阿莫西林胶囊\n", 0,
         {"'PackSpec'"}},
        {"short row", 0, "c3.csv",
         "DrugName,DrugCode,PackSpec\n"
         "a,86900000000011,p\n"
         "b,86900000000028\n",
         0, {"c3.csv:3:"}},
        {"empty file", 1, "e.csv", "", 0, {"empty"}},
        {"missing file", 1, "/nonexistent/partners.csv", NULL, 1, {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = cases[i].text ? ca_file(cases[i].file, cases[i].text) : cases[i].file;
        df_error err = {{0}};
        cr_expect_neq(df_catalog_load_csv(cases[i].partners ? ca_par : ca_com, path, &err), 0, "%s: loaded",
                      cases[i].name);
        if (cases[i].names_path)
            cr_expect(strstr(err.msg, path) != NULL, "%s: the message does not name %s: %s", cases[i].name, path,
                      err.msg);
        for (size_t w = 0; w < sizeof cases[i].wants / sizeof *cases[i].wants && cases[i].wants[w]; w++)
            cr_expect(strstr(err.msg, cases[i].wants[w]) != NULL, "%s: want '%s' in: %s", cases[i].name,
                      cases[i].wants[w], err.msg);
    }
}

Test(catalog, header_only_is_an_empty_loaded_catalog)
{
    df_error err;
    const char *path = ca_file("h.csv", "Name,CreditCode,LicenseNo\r\n");
    cr_assert_eq(df_catalog_load_csv(ca_par, path, &err), 0, "%s", err.msg);
    cr_expect(ca_par->loaded, "an empty catalog still rejects every partner");
    cr_expect_eq(ca_par->count, 0);
    cr_expect_not(ca_has1(ca_par, "广州医药股份有限公司"));
}

Test(catalog, join_key_uses_unit_separator)
{
    char buf[64];
    const char *parts[2] = {"869", "盒"};
    size_t lens[2] = {3, 3};
    size_t n = df_catalog_join_key(ca_com->def, parts, lens, buf, sizeof buf);
    cr_expect_eq(n, 7);
    cr_expect(memcmp(buf, "869\x1f盒", 7) == 0);
}

/* ---- encodings and duplicates (checked like exports) ------------------ */

static int ca_count_rows(void *arg, long line, const char *const *cols, const size_t *lens, df_error *err)
{
    (void)line, (void)cols, (void)lens, (void)err;
    (*(long *)arg)++;
    return 0;
}

static char *ca_bytes(const char *name, const void *buf, size_t n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", ca_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, n, f), n);
    fclose(f);
    return path;
}

/* text (UTF-8) converted to enc. */
static size_t ca_convert(const char *enc, const char *text, char *out, size_t cap)
{
    iconv_t cd = iconv_open(enc, "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    char *ip = (char *)text, *op = out;
    size_t il = strlen(text), ol = cap;
    cr_assert_neq(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    return (size_t)(op - out);
}

static const char ca_gbk_text[] = "Name,CreditCode,LicenseNo\n"
                                  "广州医药股份有限公司,91440101190438411X,粤AA0200001\n"
                                  "\"佛山市禅城区仁和药店\n（分店）\",91440604MA5CUST02,粤AA0600002\n"
                                  "深圳市福田区平安医院,12440300MA5CUST03,PDY00003\n";

Test(catalog, gbk_export_loads_when_declared)
{
    char buf[1024];
    size_t n = ca_convert("GBK", ca_gbk_text, buf, sizeof buf);
    const char *path = ca_bytes("gbk.csv", buf, n);
    df_error err = {{0}};
    cr_assert_eq(df_catalog_load_csv_enc(ca_par, path, DF_ENC_GBK, &err), 0, "%s", err.msg);
    cr_expect_eq(ca_par->count, 3);
    cr_expect(ca_has1(ca_par, "广州医药股份有限公司"));
    cr_expect(ca_has1(ca_par, "深圳市福田区平安医院"));
    cr_expect(ca_has1(ca_par, "佛山市禅城区仁和药店\n（分店）"));
}

/* Today a GBK partners.csv loaded silently and every row became
 * E_PARTNER_UNMATCHED: read as UTF-8 it is an error with line and column. */
Test(catalog, gbk_export_read_as_utf8_names_line_and_column)
{
    char buf[1024];
    size_t n = ca_convert("GBK", ca_gbk_text, buf, sizeof buf);
    const char *path = ca_bytes("gbk8.csv", buf, n);
    df_error err = {{0}};
    cr_expect_neq(df_catalog_load_csv(ca_par, path, &err), 0);
    cr_expect(strstr(err.msg, "gbk8.csv:2:1:") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "not valid UTF-8") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "GBK") != NULL, "the message says what to do: %s", err.msg);
}

Test(catalog, invalid_bytes_name_line_and_column)
{
    static const struct { df_encoding enc; const char *text; const char *where; } cases[] = {
        {DF_ENC_UTF8, "Name,CreditCode\n广州,1\nab\xC3(,2\n", ":3:3:"},
        {DF_ENC_UTF8, "Name,CreditCode\n\"a\nb\",1\nxy,\xED\xA0\x80\n", ":4:4:"}, /* a surrogate */
        {DF_ENC_UTF8, "Name,CreditCode\nabc\xF8\x88\x80\x80\x80,1\n", ":2:4:"},     /* 5-byte form */
        {DF_ENC_UTF8, "Name,CreditCode\nabc,1\n\xE5\xB9", ":3:1:"},                /* cut at the end */
        {DF_ENC_GBK, "Name,CreditCode\nab\x81\x20,1\n", ":2:3:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = ca_file("bad.csv", cases[i].text);
        df_error err = {{0}};
        cr_expect_neq(df_catalog_load_csv_enc(ca_par, path, cases[i].enc, &err), 0, "case %zu", i);
        cr_expect(strstr(err.msg, cases[i].where) != NULL, "case %zu: want %s in: %s", i, cases[i].where, err.msg);
    }
}

Test(catalog, utf16_export_is_named)
{
    char buf[1024] = "\xFF\xFE";
    size_t n = 2 + ca_convert("UTF-16LE", "Name,CreditCode\n广州,1\n", buf + 2, sizeof buf - 2);
    const char *path = ca_bytes("u16.csv", buf, n);
    df_error err = {{0}};
    cr_expect_neq(df_catalog_load_csv_enc(ca_par, path, DF_ENC_GBK, &err), 0);
    cr_expect(strstr(err.msg, "UTF-16 LE") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "save it as UTF-8 or GBK") != NULL, "%s", err.msg);
}

/* A UTF-8 byte-order mark says UTF-8, whatever the declaration. */
Test(catalog, utf8_bom_wins_over_a_declared_gbk)
{
    const char *path = ca_file("bom.csv", "\xEF\xBB\xBFName,CreditCode\n广州医药股份有限公司,1\n");
    df_error err = {{0}};
    cr_assert_eq(df_catalog_load_csv_enc(ca_par, path, DF_ENC_GBK, &err), 0, "%s", err.msg);
    cr_expect(ca_has1(ca_par, "广州医药股份有限公司"));
}

Test(catalog, duplicate_key_names_both_lines)
{
    const char *path = ca_file("dup.csv", "DrugCode,PackSpec,DrugName\n"
                                          "86900000000011,0.25g*24粒/盒,阿莫西林胶囊\n"
                                          "86900000000028,10mg*30片/盒,\"氨氯地平片\n10mg\"\n"
                                          "86900000000011,0.5g*24粒/盒,阿莫西林胶囊\n"
                                          "86900000000011,0.25g*24粒/盒,阿莫西林胶囊（新）\n");
    df_error err = {{0}};
    cr_expect_neq(df_catalog_load_csv(ca_com, path, &err), 0);
    cr_expect(strstr(err.msg, "dup.csv:6:") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "on line 2 and again on line 6") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "DrugCode '86900000000011', PackSpec '0.25g*24粒/盒'") != NULL, "%s", err.msg);
    /* the same through the reader drugflow-sim uses */
    long entries = 0;
    err.msg[0] = 0;
    cr_expect_neq(df_catalog_csv_read(path, ca_com->def, ca_count_rows, &entries, NULL, &err), 0);
    cr_expect(strstr(err.msg, "twice") != NULL, "%s", err.msg);
}
