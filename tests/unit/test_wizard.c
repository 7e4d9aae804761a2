/* tests/unit/test_wizard.c — the mapping wizard's parts: how headers are
 * compared, sniffing an export (encoding, delimiter, rows), the shipped
 * dictionary, and a draft from a small export (issue 11). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "converter/sniff.h"
#include "mapping/profile.h"
#include "mapping/wizard.h"

static df_profile wz_profile;
static df_wizard_dict wz_dict;
static char wz_dir[64];

static void wz_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&wz_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    cr_assert_eq(df_wizard_dict_load(&wz_dict, &wz_profile, "../../samples/wizard/erp-headers.yaml", &err), 0,
                 "%s", err.msg);
    strcpy(wz_dir, "/tmp/df-wizard-XXXXXX");
    cr_assert_not_null(mkdtemp(wz_dir));
}

static void wz_teardown(void)
{
    char cmd[128];
    df_wizard_dict_free(&wz_dict);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", wz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", wz_dir);
}

TestSuite(wizard, .init = wz_setup, .fini = wz_teardown);

static const char *wz_file(const char *name, const char *bytes, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", wz_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(bytes, 1, len, f);
    fclose(f);
    return path;
}

Test(wizard, headers_compare_without_spaces_widths_and_units)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"单据编号", "单据编号"},      {" 单据编号 ", "单据编号"},    {"单据\xe3\x80\x80编号", "单据编号"},
        {"数量(盒)", "数量"},          {"单价（元）", "单价"},        {"金额[元]", "金额"},
        {"批号【必填】", "批号"},      {"单据编号*", "单据编号"},     {"ＢｉｌｌＮｏ", "billno"},
        {"(盒)", "(盒)"},              {"DrugCode", "drugcode"},      {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[128];
        df_wizard_normalise(cases[i].in, out, sizeof out);
        cr_expect_str_eq(out, cases[i].want, "'%s'", cases[i].in);
    }
}

Test(wizard, sniff_encodings_and_delimiters)
{
    static const struct {
        const char *name, *bytes;
        df_encoding enc;
        char delim;
    } cases[] = {
        {"bom.csv", "\xEF\xBB\xBF单号,日期\nA,2026-10-01\n", DF_ENC_UTF8, ','},
        {"utf8.tsv", "单号\t日期\t数量\nA\t2026-10-01\t1\n", DF_ENC_UTF8, '\t'},
        {"gbk.csv", "\xb5\xa5\xba\xc5;\xc8\xd5\xc6\xda\nA;2026\n", DF_ENC_GBK, ';'}, /* 单号;日期 in GBK */
        {"ascii.csv", "a|b|c\n1|2|3\n", DF_ENC_UTF8, '|'},
        {"quoted.csv", "a,b,c\n\"x,y\",2,3\n", DF_ENC_UTF8, ','},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        df_sample *s = calloc(1, sizeof *s);
        df_error err;
        const char *p = wz_file(cases[i].name, cases[i].bytes, strlen(cases[i].bytes));
        cr_assert_eq(df_sniff_file(p, 100, s, &err), 0, "%s: %s", cases[i].name, err.msg);
        cr_expect_eq(s->encoding, cases[i].enc, "%s: %s", cases[i].name, s->encoding_why);
        cr_expect_eq(s->delimiter, cases[i].delim, "%s: %s", cases[i].name, s->delimiter_why);
        cr_expect_eq(s->nrows, 2, "%s", cases[i].name);
        df_sample_free(s);
        free(s);
    }
}

Test(wizard, sniff_refuses_what_it_cannot_read)
{
    static const struct {
        const char *name, *bytes, *msg;
        size_t len;
    } cases[] = {
        {"empty.csv", "", "is empty: export the data again", 0},
        {"utf16.csv", "\xff\xfe" "a\0,\0", "is UTF-16", 6},
        {"binary.csv", "\xff\xff\xff\xff", "is neither UTF-8, GBK nor GB18030", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        df_sample *s = calloc(1, sizeof *s);
        df_error err = {{0}};
        const char *p = wz_file(cases[i].name, cases[i].bytes, cases[i].len);
        cr_expect_neq(df_sniff_file(p, 100, s, &err), 0, "%s sniffed", cases[i].name);
        cr_expect(strstr(err.msg, p) && strstr(err.msg, cases[i].msg), "%s: %s", cases[i].name, err.msg);
        free(s);
    }
}

Test(wizard, draft_finds_the_header_below_titles)
{
    const char *text = "销售明细,,,\n"
                       "单号,日期,客户,本位码,品名,包装规格,厂家,批准文号,批号,有效期至,数量,单位,单价,金额,其他\n"
                       "X1,2026/10/02,某药房,86900000000011,阿莫西林胶囊,盒,厂,准字,B1,2028.04,\"1,200\",盒,1,2,z\n"
                       "X2,20261003,某药房,86900000000011,阿莫西林胶囊,盒,厂,准字,B2,2028年05月,3,盒,1,2,z\n";
    df_sample *s = calloc(1, sizeof *s);
    df_error err;
    cr_assert_eq(df_sniff_file(wz_file("sale.csv", text, strlen(text)), 100, s, &err), 0, "%s", err.msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    df_wizard_result r;
    const df_doctype *dt = df_profile_doctype(&wz_profile, "SALE");
    cr_assert_eq(df_wizard_draft(s, &wz_dict, dt, "sale.csv", f, &r, &err), 0, "%s", err.msg);
    fclose(f);
    cr_expect_eq(r.header_row, 1);
    cr_expect_eq(r.required_missing, 0, "%s", r.missing_required);
    cr_expect_eq(r.fields[df_doctype_field_index(dt, "Manufacturer")].column, 6);
    cr_expect_eq(r.fields[df_doctype_field_index(dt, "Spec")].column, -1);
    cr_expect(strstr(r.unused_columns, "其他 (column 15)"), "%s", r.unused_columns);
    static const char *const want[] = {
        "skip_rows: 1 ",
        "BillDate:       {column: \"日期\", date: [\"%Y/%m/%d\", \"%Y%m%d\"]}",
        "ExpiryDate:     {column: \"有效期至\", date: [\"%Y.%m\", \"%Y年%m月\"], month_day: last}",
        "Quantity:       {column: \"数量\", decimal: true}  # 1 value(s) like \"1,200\"",
        "optional fields no column matched (add them if the export has them): Spec, DosageForm, ProductionDate",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_expect(strstr(out, want[i]), "draft lacks '%s':\n%s", want[i], out);
    free(out);
    df_sample_free(s);
    free(s);
}

Test(wizard, dictionary_errors_name_file_line_and_column)
{
    static const struct {
        const char *text, *msg;
        int line, col;
    } cases[] = {
        {"fields:\n  Bogus: [x]\ndate_formats: [\"%Y-%m\"]\n", "'Bogus' is not a field of the profile", 2, 3},
        {"fields:\n  BillNo: 单号\ndate_formats: [\"%Y-%m\"]\n", "the header names of BillNo: a list", 2, 11},
        {"fields:\n  BillNo: [单号]\ndate_formats: [\"%d.%m\"]\n", "it needs %Y and %m", 3, 16},
        {"fields:\n  BillNo: [单号]\n", "'date_formats:' lists 1 to", 1, 1},
        {"fieldz: {}\n", "unknown key 'fieldz'", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        df_wizard_dict d;
        df_error err = {{0}};
        const char *p = wz_file("dict.yaml", cases[i].text, strlen(cases[i].text));
        char where[160];
        snprintf(where, sizeof where, "%s:%d:%d", p, cases[i].line, cases[i].col);
        cr_expect_neq(df_wizard_dict_load(&d, &wz_profile, p, &err), 0, "case %zu loads", i);
        cr_expect(strstr(err.msg, where) && strstr(err.msg, cases[i].msg), "case %zu: want %s and '%s': %s", i,
                  where, cases[i].msg, err.msg);
    }
}
