/* tests/unit/test_convert.c — regression tests for hardening findings
 * in the conversion pipeline (issue 7), meant to run under
 * AddressSanitizer/LeakSanitizer too (make test-asan): every outcome of
 * df_convert — success, rejected rows, parse errors — frees what it took.
 * Inputs found by the fuzzer (tests/fuzz/corpus/fuzz_convert/) are replayed
 * here. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/convert.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

static df_profile hc_profile;
static df_mapping hc_mapping;
static df_catalog_set hc_cats;
static char hc_dir[256];

static void hc_setup(void)
{
    df_error err;
    cr_assert(df_profile_load(&hc_profile, "../../samples/profile/gd-v1.yaml", &err) == 0, "%s", err.msg);
    cr_assert(df_mapping_load(&hc_mapping, &hc_profile, "../../samples/mappings/sale.yaml", &err) == 0, "%s",
              err.msg);
    df_catalog_set_init(&hc_cats, &hc_profile);
    for (int i = 0; i < hc_profile.ncatalogs; i++) {
        const char *f = !strcmp(hc_profile.catalogs[i].name, "commodity") ? "../../samples/catalogs/commodities.csv"
                                                                           : "../../samples/catalogs/partners.csv";
        cr_assert(df_catalog_load_csv(&hc_cats.cat[i], f, &err) == 0, "%s", err.msg);
    }
    snprintf(hc_dir, sizeof hc_dir, "%s/df-convert-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert(mkdtemp(hc_dir));
}

static void hc_teardown(void)
{
    df_catalog_set_free(&hc_cats);
    df_mapping_free(&hc_mapping);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", hc_dir);
    (void)!system(cmd);
}

/* Converts input (a path) into hc_dir/out; returns df_convert's result. */
static int hc_convert(const char *input, df_convert_summary *s, df_error *err)
{
    char out[400];
    snprintf(out, sizeof out, "%s/out", hc_dir);
    mkdir(out, 0700);
    const char *inputs[1] = {input};
    df_convert_options o = {
        .profile = &hc_profile,
        .mapping = &hc_mapping,
        .catalogs = &hc_cats,
        .inputs = inputs,
        .ninputs = 1,
        .out_dir = out,
        .meta = {"91440101MA59TEST0A", "测试医药有限公司", hc_mapping.dt->code, "2026-10", "2026-10-SALE-01",
                 "2026-11-01T02:00:00+08:00"},
        .chunk_records = 3,
        .threads = 2,
        .force = 1,
    };
    memset(s, 0, sizeof *s);
    return df_convert(&o, s, err);
}

static void hc_write(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", hc_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

TestSuite(convert, .init = hc_setup, .fini = hc_teardown);

/* Finding: df_parse_stage_free leaked its drain row on every run whose
 * parser had finished (i.e. every conversion). LeakSanitizer fails this
 * test under make test-asan if it comes back. */
Test(convert, sample_export_converts_without_leaks)
{
    df_convert_summary s;
    df_error err = {{0}};
    cr_assert_eq(hc_convert("../../samples/exports/sale.csv", &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.rows_read, s.accepted + s.rejected);
    cr_assert(s.accepted > 0);
    df_summary_free(&s);
}

/* The fuzzer's first input: bad dates, a code of the wrong length, an
 * unterminated quote swallowing the rest of the file. */
Test(convert, unterminated_quote_is_accounted_for)
{
    char p[400];
    hc_write("bad.csv",
             "\xef\xbb\xbf单据编号,单据日期,往来单位,药品本位码,通用名称,规格,包装规格,剂型,生产企业,批准文号,批号,"
             "生产日期,有效期至,数量,单位,单价,金额\r\nX1,2026-13-45,nobody,123,,,\"unterminated\n,,,\n\"a\"\"b\",-1,1e5\r\n",
             p, sizeof p);
    df_convert_summary s;
    df_error err = {{0}};
    int rc = hc_convert(p, &s, &err);
    if (rc == 0)
        cr_assert_eq(s.rows_read, s.accepted + s.rejected);
    else
        cr_assert(err.msg[0]);
    df_summary_free(&s);
}

Test(convert, empty_and_header_only_inputs)
{
    char p[400];
    const char *texts[] = {"", "\xef\xbb\xbf", "单据编号\n", "\n\n\n", "\"", ",,,,\r\n"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        hc_write("e.csv", texts[i], p, sizeof p);
        df_convert_summary s;
        df_error err = {{0}};
        int rc = hc_convert(p, &s, &err);
        if (rc == 0)
            cr_assert_eq(s.rows_read, s.accepted + s.rejected, "input %zu", i);
        else
            cr_assert(err.msg[0], "input %zu failed without a message", i);
        df_summary_free(&s);
    }
}
