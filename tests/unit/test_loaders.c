/* tests/unit/test_loaders.c — the profile and mapping loaders: the shipped
 * files load, and each kind of broken file fails with a message that names
 * the file and the line and column (in characters) of the offending node. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/mapping.h"
#include "mapping/profile.h"

#define LD_SAMPLE_PROFILE "../../samples/profile/gd-v1.yaml"

static df_profile ld_profile;  /* the shipped profile */
static df_profile ld_broken;   /* a profile expected to fail */
static df_mapping ld_mapping;
static char ld_dir[64];

static void ld_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&ld_profile, LD_SAMPLE_PROFILE, &err), 0, "%s", err.msg);
    strcpy(ld_dir, "/tmp/df-loaders-XXXXXX");
    cr_assert_not_null(mkdtemp(ld_dir));
}

static void ld_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ld_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", ld_dir);
}

TestSuite(loaders, .init = ld_setup, .fini = ld_teardown);

static char *ld_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void ld_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Line and column (1-based, column in characters as libyaml counts them)
 * of the first occurrence of needle in text. */
static void ld_position(const char *text, const char *needle, int *line, int *col)
{
    const char *at = strstr(text, needle);
    cr_assert_not_null(at, "'%s' not found", needle);
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* The profile ld_mutated_profile starts from (the SM2 cases change it). */
static const char *ld_source = LD_SAMPLE_PROFILE;

/* Writes the shipped profile with the first `from` replaced by `to`. */
static void ld_mutated_profile(const char *path, const char *from, const char *to)
{
    char *src = ld_slurp(ld_source);
    char *at = strstr(src, from);
    cr_assert_not_null(at, "'%s' not in the sample profile", from);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(src, 1, (size_t)(at - src), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

/* The message starts with "PATH:LINE:COL: " (possibly after a "profile: "
 * or "mapping: " prefix) and contains `what`. */
static void ld_expect_at(const df_error *err, const char *path, int line, int col, const char *what)
{
    char want[512];
    snprintf(want, sizeof want, "%s:%d:%d: ", path, line, col);
    cr_expect(strstr(err->msg, want) != NULL, "expected '%s' in: %s", want, err->msg);
    if (what)
        cr_expect(strstr(err->msg, what) != NULL, "expected '%s' in: %s", what, err->msg);
}

/* Profile case: mutate, load, expect the error at the mutated text's place
 * (at_text: where the complaint should point, searched in the new file). */
static void ld_profile_case(const char *name, const char *from, const char *to, const char *at_text,
                            const char *what)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.yaml", ld_dir, name);
    ld_mutated_profile(path, from, to);
    df_error err = {{0}};
    int line, col;
    ld_position(ld_slurp(path), at_text, &line, &col);
    cr_expect_neq(df_profile_load(&ld_broken, path, &err), 0, "%s: a broken profile loaded", name);
    ld_expect_at(&err, path, line, col, what);
}

static int ld_load_mapping_text(const char *name, const char *text, df_error *err, char *path, size_t n)
{
    snprintf(path, n, "%s/%s.yaml", ld_dir, name);
    ld_write(path, text);
    return df_mapping_load(&ld_mapping, &ld_profile, path, err);
}

/* Mapping case: text, expected line and column, and part of the message. */
static void ld_mapping_case(const char *name, const char *text, int line, int col, const char *what)
{
    char path[128];
    df_error err = {{0}};
    int rc = ld_load_mapping_text(name, text, &err, path, sizeof path);
    cr_expect_neq(rc, 0, "%s: a broken mapping loaded", name);
    if (rc == 0)
        df_mapping_free(&ld_mapping);
    ld_expect_at(&err, path, line, col, what);
}

/* ---- the shipped files ------------------------------------------------ */

Test(loaders, shipped_profile_tables)
{
    cr_expect_str_eq(ld_profile.name, "gd-v1");
    cr_expect_eq(ld_profile.ndoctypes, 7);
    cr_expect_eq(ld_profile.ncatalogs, 2);
    cr_expect_str_eq(ld_profile.root, "DataFile");
    cr_expect_eq(ld_profile.nheader, 7);
    const df_doctype *sale = df_profile_doctype(&ld_profile, "SALE");
    cr_assert_not_null(sale);
    cr_expect_eq(sale->nfields, 17);
    cr_expect_str_eq(sale->fields[0]->name, "BillNo");
    cr_expect_str_eq(sale->fields[3]->name, "DrugCode"); /* "@drug" expanded in place */
    cr_expect_str_eq(sale->fields[16]->name, "Amount");
    const df_doctype *inv = df_profile_doctype(&ld_profile, "INVENTORY");
    cr_assert_not_null(inv);
    cr_expect_eq(inv->nfields, 14);
    cr_expect_null(df_profile_doctype(&ld_profile, "sale"), "codes are case-sensitive");
}

Test(loaders, every_shipped_mapping_loads)
{
    static const char *names[] = {"sale", "sale_gb18030", "sale_return", "purchase", "purchase_return",
                                  "inventory", "unqualified", "damage"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[256];
        df_error err;
        snprintf(path, sizeof path, "../../samples/mappings/%s.yaml", names[i]);
        cr_expect_eq(df_mapping_load(&ld_mapping, &ld_profile, path, &err), 0, "%s: %s", names[i], err.msg);
        df_mapping_free(&ld_mapping);
    }
}

Test(loaders, mapping_options_are_read)
{
    char path[128];
    df_error err;
    int rc = ld_load_mapping_text("opts",
                                  "doc_type: INVENTORY\n"
                                  "encoding: gb18030\n"
                                  "csv: {delimiter: tab, quote: \"'\", header: false, skip_rows: 2}\n"
                                  "fields:\n"
                                  "  StockDate: {column: \"3\", date: \"%Y%m%d\"}\n"
                                  "  DrugCode: \"1\"\n"
                                  "  DrugName: {constant: 阿莫西林}\n"
                                  "  PackSpec: {column: \"2\", trim: false}\n"
                                  "  Manufacturer: {constant: M}\n"
                                  "  ApprovalNo: {constant: A}\n"
                                  "  BatchNo: {column: \"4\", default: B0}\n"
                                  "  ExpiryDate: {column: \"5\", date: [\"%Y-%m-%d\", \"%d/%m/%Y %H:%M\"]}\n"
                                  "  Quantity: {column: \"6\", decimal: true}\n"
                                  "  Unit: {column: \"7\", map: {\"1\": 盒, \"2\": 瓶}, map_strict: true}\n",
                                  &err, path, sizeof path);
    cr_assert_eq(rc, 0, "%s", err.msg);
    const df_doctype *dt = ld_mapping.dt;
    cr_expect_str_eq(dt->code, "INVENTORY");
    cr_expect_eq(ld_mapping.encoding, DF_ENC_GB18030);
    cr_expect_eq(ld_mapping.delimiter, '\t');
    cr_expect_eq(ld_mapping.quote, '\'');
    cr_expect_eq(ld_mapping.header, 0);
    cr_expect_eq(ld_mapping.skip_rows, 2);
    const df_field_source *s = &ld_mapping.src[df_doctype_field_index(dt, "StockDate")];
    cr_expect_eq(s->column, 2, "column numbers count from 1");
    cr_expect_eq(s->ndate_formats, 1);
    s = &ld_mapping.src[df_doctype_field_index(dt, "ExpiryDate")];
    cr_expect_eq(s->ndate_formats, 2);
    cr_expect_str_eq(s->date_formats[1], "%d/%m/%Y %H:%M");
    s = &ld_mapping.src[df_doctype_field_index(dt, "DrugName")];
    cr_expect(s->has_constant);
    cr_expect_str_eq(s->constant, "阿莫西林");
    s = &ld_mapping.src[df_doctype_field_index(dt, "PackSpec")];
    cr_expect_eq(s->trim, 0);
    s = &ld_mapping.src[df_doctype_field_index(dt, "DrugCode")];
    cr_expect_eq(s->trim, 1, "trim is on by default");
    s = &ld_mapping.src[df_doctype_field_index(dt, "BatchNo")];
    cr_expect(s->has_default);
    cr_expect_str_eq(s->def, "B0");
    s = &ld_mapping.src[df_doctype_field_index(dt, "Quantity")];
    cr_expect(s->decimal);
    s = &ld_mapping.src[df_doctype_field_index(dt, "Unit")];
    cr_expect_eq(s->map.n, 2);
    cr_expect(s->map_strict);
    s = &ld_mapping.src[df_doctype_field_index(dt, "Warehouse")];
    cr_expect_not(s->mapped, "an optional field may stay unmapped");
    cr_expect_eq(df_mapping_columns_needed(&ld_mapping), 7);
    df_mapping_free(&ld_mapping);
}

Test(loaders, bind_header_resolves_and_names_missing_columns)
{
    df_error err;
    cr_assert_eq(df_mapping_load(&ld_mapping, &ld_profile, "../../samples/mappings/inventory.yaml", &err), 0, "%s",
                 err.msg);
    /* The export's columns, reordered, with spaces around one name. */
    const char *names[] = {"单位", "数量", "有效期至", "生产日期", "批号", "批准文号", "生产企业", "剂型",
                           "包装规格", "规格", " 通用名称 ", "药品本位码", "仓库", "库存日期"};
    size_t lens[14];
    for (int i = 0; i < 14; i++)
        lens[i] = strlen(names[i]);
    cr_assert_eq(df_mapping_bind_header(&ld_mapping, "in.csv", 1, names, lens, 14, &err), 0, "%s", err.msg);
    const df_doctype *dt = ld_mapping.dt;
    cr_expect_eq(ld_mapping.src[df_doctype_field_index(dt, "StockDate")].column, 13);
    cr_expect_eq(ld_mapping.src[df_doctype_field_index(dt, "DrugName")].column, 10);
    cr_expect_eq(ld_mapping.src[df_doctype_field_index(dt, "Unit")].column, 0);
    cr_expect_eq(df_mapping_columns_needed(&ld_mapping), 14);

    /* Without 仓库: the message names the input, the mapping's line and the column. */
    names[12] = "库房";
    lens[12] = strlen(names[12]);
    cr_expect_neq(df_mapping_bind_header(&ld_mapping, "in.csv", 3, names, lens, 14, &err), 0);
    int line, col;
    ld_position(ld_slurp("../../samples/mappings/inventory.yaml"), "  Warehouse:", &line, &col);
    char want[256];
    snprintf(want, sizeof want, "../../samples/mappings/inventory.yaml:%d", line);
    cr_expect(strstr(err.msg, "in.csv:3:") != NULL, "the header's own line: %s", err.msg);
    cr_expect(strstr(err.msg, "'仓库'") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, want) != NULL, "expected %s in: %s", want, err.msg);
    cr_expect(strstr(err.msg, "Warehouse") != NULL, "%s", err.msg);
    df_mapping_free(&ld_mapping);
}

/* ---- broken mappings -------------------------------------------------- */

Test(loaders, mapping_yaml_syntax_error)
{
    ld_mapping_case("syntax",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: b: c\n",
                    4, 14, "YAML syntax error");
}

Test(loaders, mapping_tab_indentation)
{
    ld_mapping_case("tab",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "\tBillNo: a\n",
                    3, 1, "YAML syntax error");
}

Test(loaders, mapping_unknown_top_level_key)
{
    ld_mapping_case("topkey",
                    "# the sale export\n"
                    "doc_type: SALE\n"
                    "field:\n"
                    "  BillNo: a\n",
                    3, 1, "unknown key 'field'");
}

Test(loaders, mapping_unknown_csv_key)
{
    ld_mapping_case("csvkey",
                    "doc_type: SALE\n"
                    "csv:\n"
                    "  delimiter: \",\"\n"
                    "  quoting: x\n"
                    "fields:\n"
                    "  BillNo: a\n",
                    4, 3, "unknown key 'quoting'");
}

Test(loaders, mapping_unknown_source_key)
{
    ld_mapping_case("srckey",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: {column: b, formats: x}\n",
                    4, 25, "unknown key 'formats'");
}

Test(loaders, mapping_unknown_field)
{
    ld_mapping_case("field",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  StockDate: b\n",
                    4, 3, "'StockDate' is not a field of document type SALE");
}

Test(loaders, mapping_field_mapped_twice)
{
    ld_mapping_case("twice",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillNo: b\n",
                    4, 3, "mapped twice");
}

Test(loaders, mapping_repeated_key)
{
    /* YAML lookups find the first: a repeat must not be silently dropped. */
    ld_mapping_case("repeat_csv",
                    "doc_type: SALE\n"
                    "csv:\n"
                    "  delimiter: \";\"\n"
                    "  header: true\n"
                    "  delimiter: \",\"\n",
                    5, 3, "key 'delimiter' appears twice in 'csv' (first on line 3)");
    ld_mapping_case("repeat_source",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: {column: a, trim: false, column: b}\n",
                    3, 36, "key 'column' appears twice");
    ld_mapping_case("repeat_top",
                    "doc_type: SALE\n"
                    "encoding: GBK\n"
                    "encoding: UTF-8\n",
                    3, 1, "key 'encoding' appears twice in the mapping (first on line 2)");
}

Test(loaders, mapping_unknown_doc_type)
{
    ld_mapping_case("doctype",
                    "# x\n"
                    "\n"
                    "doc_type: SALES\n"
                    "fields:\n"
                    "  BillNo: a\n",
                    3, 11, "unknown document type 'SALES'");
}

Test(loaders, mapping_missing_doc_type)
{
    char path[128];
    df_error err = {{0}};
    cr_expect_neq(ld_load_mapping_text("nodoctype", "fields:\n  BillNo: a\n", &err, path, sizeof path), 0);
    cr_expect(strstr(err.msg, path) != NULL && strstr(err.msg, "doc_type") != NULL, "%s", err.msg);
}

Test(loaders, mapping_unknown_encoding)
{
    ld_mapping_case("encoding",
                    "doc_type: SALE\n"
                    "encoding: big5\n",
                    2, 11, "unknown encoding 'big5'");
}

Test(loaders, mapping_required_field_unmapped)
{
    /* The complaint is about the `fields:` mapping as a whole: it points at
     * its key, not at whichever field happens to come first. */
    ld_mapping_case("required",
                    "# sale\n"
                    "doc_type: SALE\n"
                    "\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: b\n",
                    4, 1, "required field PartnerName of SALE is not mapped");
}

Test(loaders, mapping_bad_date_directive)
{
    ld_mapping_case("directive",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate:\n"
                    "    column: b\n"
                    "    date: [\"%Y-%m-%d\", \"%Y/%m/%d/%q\"]\n",
                    6, 24, "unknown directive %q");
}

Test(loaders, mapping_date_format_needs_year_and_month)
{
    ld_mapping_case("noday",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: {column: b, date: \"%m-%d\"}\n",
                    4, 31, "needs %Y and %m");
    ld_mapping_case("nomonth",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: {column: b, date: \"%Y-%d\"}\n",
                    4, 31, "needs %Y and %m");
}

/* Month formats (有效期至 "2028.04") load, month_day picks the day. */
Test(loaders, mapping_month_formats_and_month_day)
{
    static const struct {
        const char *decl;  /* ExpiryDate's mapping */
        int ok, month_day, line, col;
        const char *msg;
    } cases[] = {
        {"{column: e, date: [\"%Y.%m\", \"%Y年%m月\"]}", 1, DF_MONTH_DAY_LAST, 0, 0, NULL},
        {"{column: e, date: \"%Y.%m\", month_day: last}", 1, DF_MONTH_DAY_LAST, 0, 0, NULL},
        {"{column: e, date: [\"%Y-%m-%d\", \"%Y%m\"], month_day: first}", 1, DF_MONTH_DAY_FIRST, 0, 0, NULL},
        {"{column: e, date: \"%Y.%m\", month_day: middle}", 0, 0, 11, 53, "'month_day' is 'last'"},
        {"{column: e, date: \"%Y-%m-%d\", month_day: first}", 0, 0, 11, 56, "applies to month formats"},
        {"{column: e, month_day: first}", 0, 0, 11, 38, "applies to month formats"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024], path[128];
        snprintf(text, sizeof text,
                 "doc_type: INVENTORY\nfields:\n  StockDate: s\n  DrugCode: c\n  DrugName: n\n  PackSpec: p\n"
                 "  Manufacturer: m\n  ApprovalNo: a\n  BatchNo: b\n  Quantity: q\n  ExpiryDate: %s\n  Unit: u\n",
                 cases[i].decl);
        df_error err = {{0}};
        int rc = ld_load_mapping_text("monthday", text, &err, path, sizeof path);
        if (cases[i].ok) {
            cr_expect_eq(rc, 0, "%s: %s", cases[i].decl, err.msg);
            if (rc == 0) {
                int fi = df_doctype_field_index(ld_mapping.dt, "ExpiryDate");
                cr_expect_eq(ld_mapping.src[fi].month_day, cases[i].month_day, "%s", cases[i].decl);
                df_mapping_free(&ld_mapping);
            }
            continue;
        }
        char where[160];
        snprintf(where, sizeof where, "%s:%d:%d", path, cases[i].line, cases[i].col);
        cr_expect_neq(rc, 0, "%s loads", cases[i].decl);
        cr_expect(strstr(err.msg, where) && strstr(err.msg, cases[i].msg), "%s: want %s and '%s', got: %s",
                  cases[i].decl, where, cases[i].msg, err.msg);
    }
}

Test(loaders, mapping_date_format_literal_percent)
{
    /* "%%d" is a literal "%d", not a day: no format could ever match. */
    ld_mapping_case("pctday",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: {column: b, date: \"%m-%%d\"}\n",
                    4, 31, "needs %Y and %m");
    ld_mapping_case("pctend",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate: {column: b, date: \"%Y-%m-%d%\"}\n",
                    4, 31, "unknown directive");
}

Test(loaders, mapping_date_format_percent_literal_is_fine)
{
    char path[128];
    df_error err;
    cr_assert_eq(ld_load_mapping_text("pctok",
                                      "doc_type: INVENTORY\n"
                                      "fields:\n"
                                      "  StockDate: {column: s, date: \"%%%Y%m%d\"}\n"
                                      "  DrugCode: c\n  DrugName: n\n  PackSpec: p\n  Manufacturer: m\n"
                                      "  ApprovalNo: a\n  BatchNo: b\n  ExpiryDate: e\n  Quantity: q\n  Unit: u\n",
                                      &err, path, sizeof path),
                 0, "%s", err.msg);
    df_mapping_free(&ld_mapping);
}

Test(loaders, mapping_date_on_a_text_field)
{
    ld_mapping_case("datetext",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: {column: a, date: \"%Y-%m-%d\"}\n",
                    3, 29, "applies to date fields");
}

Test(loaders, mapping_column_and_constant_both)
{
    ld_mapping_case("both_flow",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  Unit: {column: b, constant: 盒}\n",
                    4, 9, "has both 'column' and 'constant'");
    ld_mapping_case("both_block",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: a\n"
                    "  BillDate:\n"
                    "    column: b\n"
                    "    constant: \"2026-10-01\"\n",
                    5, 5, "has both 'column' and 'constant'");
}

Test(loaders, mapping_neither_column_nor_constant)
{
    ld_mapping_case("neither",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  BillNo: {default: x}\n",
                    3, 11, "needs 'column' or 'constant'");
}

Test(loaders, mapping_bad_boolean)
{
    ld_mapping_case("bool",
                    "doc_type: SALE\n"
                    "fields:\n"
                    "  Quantity: {column: q, decimal: sure}\n",
                    3, 34, "expected true or false");
}

Test(loaders, mapping_delimiter_equals_quote)
{
    ld_mapping_case("delimquote",
                    "doc_type: SALE\n"
                    "csv:\n"
                    "  delimiter: \"|\"\n"
                    "  quote: \"|\"\n",
                    3, 3, "must differ");
}

Test(loaders, mapping_column_number_without_header)
{
    ld_mapping_case("colnum",
                    "doc_type: INVENTORY\n"
                    "csv: {header: false}\n"
                    "fields:\n"
                    "  StockDate: \"1\"\n"
                    "  DrugCode: \"2\"\n"
                    "  DrugName: 通用名称\n",
                    6, 3, "column number");
}

Test(loaders, mapping_missing_file)
{
    df_error err = {{0}};
    cr_expect_neq(df_mapping_load(&ld_mapping, &ld_profile, "/nonexistent/m.yaml", &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/m.yaml") != NULL, "%s", err.msg);
}

Test(loaders, mapping_empty_file)
{
    char path[128];
    df_error err = {{0}};
    cr_expect_neq(ld_load_mapping_text("empty", "", &err, path, sizeof path), 0);
    cr_expect(strstr(err.msg, path) != NULL, "%s", err.msg);
}

/* ---- broken profiles -------------------------------------------------- */

Test(loaders, profile_yaml_syntax_error)
{
    /* "root DataFile" is a plain scalar; the next "key: value" line is then
     * a mapping value where none is allowed: libyaml notices on that line. */
    ld_profile_case("p_syntax", "  root: DataFile\n", "  root DataFile\n", ": \"1.0\"", "YAML syntax error");
}

Test(loaders, profile_unknown_key)
{
    ld_profile_case("p_key", "nonnegative: true}", "nonnegativ: true}", "nonnegativ:", "unknown key 'nonnegativ'");
    ld_profile_case("p_topkey", "\ngroups:\n", "\ngroup:\n", "group:", "unknown key 'group'");
    ld_profile_case("p_dfkey", "  record_count: RecordCount\n", "  record_count: RecordCount\n  recordcount: x\n",
                    "recordcount:", "unknown key 'recordcount'");
}

Test(loaders, profile_repeated_key)
{
    ld_profile_case("p_repeat", "  record: Record\n", "  record: Record\n  record: Rec\n", "record: Rec\n",
                    "key 'record' appears twice");
}

Test(loaders, profile_unknown_field_in_doc_type)
{
    ld_profile_case("p_field", "UnitPrice, Amount]}", "UnitPrice, Amout]}", "Amout",
                    "names field 'Amout', which 'fields' does not define");
}

Test(loaders, profile_unknown_group)
{
    ld_profile_case("p_group", "\"@drug\"", "\"@drugs\"", "\"@drugs\"", "group 'drugs' is not defined");
}

Test(loaders, profile_unknown_type)
{
    ld_profile_case("p_type", "UnitPrice:      {type: decimal}", "UnitPrice:      {type: money}", "money",
                    "unknown type 'money'");
}

Test(loaders, profile_unknown_reason_code)
{
    ld_profile_case("p_reason", "error: E_PARTNER_UNMATCHED", "error: E_PARTNER", "E_PARTNER\n",
                    "needs 'error'");
}

Test(loaders, profile_unknown_header_value)
{
    ld_profile_case("p_hv", "CreatedAt: created_at", "CreatedAt: creation_time", "creation_time",
                    "unknown header value 'creation_time'");
}

Test(loaders, profile_bad_element_name)
{
    ld_profile_case("p_elem", "  record: Record\n", "  record: \"Rec ord\"\n", "\"Rec ord\"",
                    "not a valid XML element name");
}

Test(loaders, profile_code_without_length)
{
    ld_profile_case("p_len", "{type: code, length: 14, required: true}", "{type: code, required: true}",
                    "{type: code, required: true}", "needs 'length'");
}

Test(loaders, profile_doc_type_defined_twice)
{
    ld_profile_case("p_dup", "  DAMAGE:          {title: 毁损", "  SALE:            {title: 毁损", "SALE:            {title: 毁损",
                    "defined twice");
}

Test(loaders, profile_bad_number)
{
    ld_profile_case("p_num", "max_length: 64, required: true}", "max_length: lots, required: true}", "lots",
                    "expected a whole number");
}

Test(loaders, profile_missing_file)
{
    df_error err = {{0}};
    cr_expect_neq(df_profile_load(&ld_broken, "/nonexistent/p.yaml", &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/p.yaml") != NULL, "%s", err.msg);
}

/* ---- the protocol: and signature: sections (issue 13) ------------------ */

/* Each mistake in the wire protocol or the signature is found when the
 * profile is loaded, at its file, line and column. */
Test(loaders, profile_protocol_and_signature_mistakes)
{
    static const struct {
        const char *name, *from, *to, *at, *what;
    } cases[] = {
        {"pp_xml", "    root: Response\n", "    root: \"Res ponse\"\n", "\"Res ponse\"", "which is not an XML name"},
        {"pp_colon", "    error_seq: seq ", "    error_seq: x:seq ", "x:seq", "which is not an XML name"},
        {"pp_verattr", "  version_attribute: version\n", "  version_attribute: 1v\n", "1v\n",
         "not a valid XML element name"},
        {"pp_form", "    catalog_version: since ", "    catalog_version: \"since=\" ", "\"since=\"",
         "not a form field name"},
        {"pp_type", "    upload_content_type: application/xml", "    upload_content_type: xml", "xml   #",
         "not a content type"},
        {"pp_ids", "    results_max_ids: 100 ", "    results_max_ids: 5000 ", "5000", "out of range"},
        {"pp_missing", "    received_at: ReceivedAt\n", "", "content_type: \"application", "needs 'received_at'"},
        {"pp_noclass", "2001: {class: permanent, means: bad_request", "2001: {means: bad_request", "{means: bad_request",
         "code 2001 needs a 'class'"},
        {"pp_class", "{class: transient, means: busy", "{class: retry, means: busy", "retry", "needs a 'class'"},
        {"pp_means2", "means: too_large", "means: bad_request", "bad_request,   advice: \"file too large",
         "already means bad_request"},
        {"pp_meansclass", "{class: transient, means: busy", "{class: permanent, means: busy",
         "permanent, means: busy", "a code that means busy has class transient"},
        {"pp_nomeans", "{class: archived,  means: archived,", "{class: archived,", "0:    {class: ok",
         "no code means archived"},
        {"pp_codename", "    5000: {class:", "    busy: {class:", "busy: {class", "expected a whole number"},
        {"pp_states", "    partial: PARTIAL", "    partial: PASSED", "pending: PENDING", "two states are both 'PASSED'"},
        {"pp_dupval", "    duplicate_false: \"false\"", "    duplicate_false: \"true\"", "content_type: \"application",
         "duplicate_true and duplicate_false are both"},
        {"ps_method", "  algorithm: rsa-sha256\n", "  algorithm: rsa-sha512\n", "http://www.w3.org/2001/04/xmldsig-more#",
         "libxmlsec1 (and stock xmlsec1 --verify) knows it as 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512'"},
        {"ps_digest", "xmlenc#sha256", "xmlenc#sha257", "http://www.w3.org/2001/04/xmlenc#sha257",
         "is not the URI of sha256"},
        {"ps_c14n", "REC-xml-c14n-20010315", "REC-xml-c14n-2001031", "http://www.w3.org/TR/2001/REC-xml-c14n-2001031",
         "none of the canonicalizations"},
        {"ps_ns", "  namespace: http://www.w3.org/2000/09/xmldsig#\n", "  namespace: urn:example:dsig\n",
         "urn:example:dsig", "XML-DSig namespace"},
        {"ps_alg", "  algorithm: rsa-sha256\n", "  algorithm: dsa-sha1\n", "dsa-sha1", "'algorithm' is rsa-sha256"},
        {"ps_sm3", "  digest: sha256\n", "  digest: sm3\n", "sm3\n  namespace", "goes with algorithm sm2-sm3 only"},
        {"ps_keyinfo", "  key_info: certificate", "  key_info: zzall", "zzall", "'key_info' is certificate"},
        {"ps_sm2opt", "  key_info: certificate", "  key_info: certificate\n  sm2_id: \"1\"", "\"1\"",
         "apply to algorithm sm2-sm3 only"},
        {"ps_sm2uri", "  algorithm: rsa-sha256\n  digest: sha256\n",
         "  algorithm: sm2-sm3\n  digest: sm3\n  sm2_id: \"1234567812345678\"\n  sm2_value: der\n",
         "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "is libxmlsec1's URI of"},
        {"ps_uri", "  enveloped_transform: http://www.w3.org/2000/09/xmldsig#enveloped-signature",
         "  enveloped_transform: \"enveloped signature\"", "\"enveloped signature\"", "not an absolute URI"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ld_profile_case(cases[i].name, cases[i].from, cases[i].to, cases[i].at, cases[i].what);
    /* From the SM2 profile: its own options and URIs. */
    ld_source = "../../samples/profile/gd-v1-sm2.yaml";
    ld_profile_case("ps_sm2val", "  sm2_value: der", "  sm2_value: hex", "hex", "'sm2_value': der");
    ld_profile_case("ps_sm2id", "  sm2_id: \"1234567812345678\"\n", "", "algorithm: sm2-sm3", "needs 'sm2_id'");
    ld_profile_case("ps_sm2digest", "urn:drugflow:xmldsig:sm3", "http://www.w3.org/2001/04/xmlenc#sha256",
                    "http://www.w3.org/2001/04/xmlenc#sha256", "is libxmlsec1's URI of");
    ld_source = LD_SAMPLE_PROFILE;
}

/* The shipped profile's protocol and signature, as INTERFACE.md describes them. */
Test(loaders, shipped_protocol_tables)
{
    const df_protocol *pr = &ld_profile.protocol;
    cr_expect_str_eq(df_an(pr, DF_AN_ROOT), "Response");
    cr_expect_str_eq(pr->results_file_id, "fileId");
    cr_expect_eq(pr->results_max_ids, 100);
    cr_expect_eq(pr->ncodes, 7);
    cr_expect_eq(df_protocol_means(pr, DF_MEANS_BUSY), 5000);
    cr_expect_eq(df_protocol_means(pr, DF_MEANS_ARCHIVED), 2004);
    cr_expect_eq(df_protocol_state(pr, "PROCESSING"), DF_STATE_PROCESSING);
    cr_expect_eq(df_protocol_op(pr, "DELETE"), DF_CATOP_DELETE);
    const df_signature_def *s = &ld_profile.signature;
    cr_expect_eq(s->algorithm, DF_SIG_RSA_SHA256);
    cr_expect_eq(s->digest, DF_DIGEST_SHA256);
    cr_expect_eq(s->c14n, DF_C14N_10);
    cr_expect_eq(s->key_info, DF_KEYINFO_CERTIFICATE);
    static df_profile sm2;
    df_error err;
    cr_assert_eq(df_profile_load(&sm2, "../../samples/profile/gd-v1-sm2.yaml", &err), 0, "%s", err.msg);
    cr_expect_eq(sm2.signature.algorithm, DF_SIG_SM2_SM3);
    cr_expect_eq(sm2.signature.digest, DF_DIGEST_SM3);
    cr_expect_str_eq(sm2.signature.sm2_id, "1234567812345678");
}

/* ---- rows that are not data: skip_footer, skip_if ---------------------- */

typedef struct ld_at_case {
    const char *name, *csv, *at, *what; /* at: where the complaint points, found in the text */
} ld_at_case;

Test(loaders, mapping_skip_footer_and_skip_if_mistakes)
{
    static const ld_at_case cases[] = {
        {"footer_range", "  skip_footer: 1001\n", "1001", "out of range (0 to 1000)"},
        {"footer_text", "  skip_footer: two\n", "two", "whole number"},
        {"footer_negative", "  skip_footer: -1\n", "-1", "out of range"},
        {"bad_regex", "  skip_if: {column: 单据编号, matches: \"(合计\"}\n", "\"(合计", "not a valid regular expression"},
        {"bad_regex_list", "  skip_if:\n    - {column: a, matches: ok}\n    - {column: b, matches: \"x{2,1}\"}\n",
         "\"x{2", "not a valid regular expression"},
        {"matches_no_column", "  skip_if: {matches: 合计}\n", "合计", "add 'column: NAME'"},
        {"both", "  skip_if: {column: a, matches: 合计, empty: true}\n", "true", "not both"},
        {"neither", "  skip_if: {column: a}\n", "{column", "needs 'matches' or 'empty'"},
        {"empty_false", "  skip_if: {empty: false}\n", "false", "only ever true"},
        {"empty_not_bool", "  skip_if: {empty: maybe}\n", "maybe", "true or false"},
        {"unknown_key", "  skip_if: {column: a, match: 合计}\n", "match:", "unknown key 'match'"},
        {"not_a_map", "  skip_if: [合计]\n", "合计", "a skip_if filter is"},
        {"empty_list", "  skip_if: []\n", "[]", "lists no filter"},
        {"empty_column", "  skip_if: {column: \"\", empty: true}\n", "\"\"", "names a header column"},
        {"regex_empty", "  skip_if: {column: a, matches: \"\"}\n", "\"\"", "regular expression"},
        {"no_header_name", "  header: false\n  skip_if: {column: 单据编号, empty: true}\n", "单据编号",
         "column number from 1"},
        {"no_header_zero", "  skip_if: [{empty: true}, {column: \"0\", matches: x}]\n  header: false\n",
         "\"0\"", "not '0'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        snprintf(text, sizeof text, "doc_type: SALE\ncsv:\n%sfields:\n  BillNo: \"1\"\n", cases[i].csv);
        int line, col;
        ld_position(text, cases[i].at, &line, &col);
        ld_mapping_case(cases[i].name, text, line, col, cases[i].what);
    }
}

Test(loaders, mapping_too_many_filters)
{
    char text[4096] = "doc_type: SALE\ncsv:\n  skip_if:\n";
    for (int i = 0; i < DF_MAX_ROW_FILTERS + 1; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "    - {column: c%d, empty: true}\n", i);
    strcat(text, "fields:\n  BillNo: a\n");
    char at[32];
    snprintf(at, sizeof at, "{column: c%d,", DF_MAX_ROW_FILTERS);
    int line, col;
    ld_position(text, at, &line, &col);
    ld_mapping_case("many", text, line, col, "more than 16 skip_if filters");
}

/* A mapping or profile saved in GBK (Notepad's ANSI on a Chinese Windows). */
Test(loaders, yaml_saved_as_gbk_is_named)
{
    static const struct {
        const char *name, *text, *want;
    } cases[] = {
        {"gbk_comment", "doc_type: SALE\n# \xcb\xb5\xc3\xf7\nfields:\n  BillNo: a\n",
         ": line 2: the mapping is not UTF-8 (it looks saved as GBK): save the mapping as UTF-8"},
        {"gbk_column", "doc_type: SALE\nfields:\n  BillNo: \xb5\xa5\xbe\xdd\xb1\xe0\xba\xc5\n",
         ": line 3: the mapping is not UTF-8 (it looks saved as GBK)"},
        {"latin1", "doc_type: SALE\nfields:\n  BillNo: caf\xe9\xff\n", ": line 3: the mapping is not UTF-8 (byte "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[128];
        df_error err = {{0}};
        cr_expect_neq(ld_load_mapping_text(cases[i].name, cases[i].text, &err, path, sizeof path), 0);
        char want[256];
        snprintf(want, sizeof want, "%s%s", path, cases[i].want);
        cr_expect(strstr(err.msg, want) != NULL, "%s: expected '%s' in: %s", cases[i].name, want, err.msg);
    }
    /* The profile goes through the same reader: the shipped one, saved as GBK. */
    char path[128], cmd[512];
    snprintf(path, sizeof path, "%s/gbk-profile.yaml", ld_dir);
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GBK %s > %s", LD_SAMPLE_PROFILE, path);
    cr_assert_eq(system(cmd), 0);
    df_error err = {{0}};
    cr_expect_neq(df_profile_load(&ld_broken, path, &err), 0);
    cr_expect(strstr(err.msg, "the profile is not UTF-8 (it looks saved as GBK): save the profile as UTF-8") != NULL,
              "%s", err.msg);
}
