/* tests/unit/test_mapping.c — the mapping loader (mapping/mapping.c): every
 * shipped mapping loads, each option is read, the header binds to columns,
 * and each kind of broken mapping fails with a message that names the file
 * and the line and column (in characters) of the offending node. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/mapping.h"
#include "mapping/profile.h"
#include "load_errors.h"

static df_profile mp_profile; /* the shipped profile */
static df_mapping mp_mapping;
static char mp_dir[32];

static void mp_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&mp_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    le_mkdtemp(mp_dir, "mapping");
}

static void mp_teardown(void) { le_rmdir(mp_dir); }

TestSuite(mapping, .init = mp_setup, .fini = mp_teardown);

static int mp_load_text(const char *name, const char *text, df_error *err, char *path, size_t n)
{
    snprintf(path, n, "%s/%s.yaml", mp_dir, name);
    le_write(path, text);
    return df_mapping_load(&mp_mapping, &mp_profile, path, err);
}

/* ---- the shipped files and the options -------------------------------- */

Test(mapping, every_shipped_mapping_loads)
{
    static const char *names[] = {"sale", "sale_gb18030", "sale_return", "purchase", "purchase_return",
                                  "inventory", "unqualified", "damage"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[256];
        df_error err;
        snprintf(path, sizeof path, "../../samples/mappings/%s.yaml", names[i]);
        cr_expect_eq(df_mapping_load(&mp_mapping, &mp_profile, path, &err), 0, "%s: %s", names[i], err.msg);
        df_mapping_free(&mp_mapping);
    }
}

Test(mapping, options_are_read)
{
    char path[128];
    df_error err;
    int rc = mp_load_text("opts",
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
    const df_doctype *dt = mp_mapping.dt;
    cr_expect_str_eq(dt->code, "INVENTORY");
    cr_expect_eq(mp_mapping.encoding, DF_ENC_GB18030);
    cr_expect_eq(mp_mapping.delimiter, '\t');
    cr_expect_eq(mp_mapping.quote, '\'');
    cr_expect_eq(mp_mapping.header, 0);
    cr_expect_eq(mp_mapping.skip_rows, 2);
    const df_field_source *s = &mp_mapping.src[df_doctype_field_index(dt, "StockDate")];
    cr_expect_eq(s->column, 2, "column numbers count from 1");
    cr_expect_eq(s->ndate_formats, 1);
    s = &mp_mapping.src[df_doctype_field_index(dt, "ExpiryDate")];
    cr_expect_eq(s->ndate_formats, 2);
    cr_expect_str_eq(s->date_formats[1], "%d/%m/%Y %H:%M");
    s = &mp_mapping.src[df_doctype_field_index(dt, "DrugName")];
    cr_expect(s->has_constant);
    cr_expect_str_eq(s->constant, "阿莫西林");
    s = &mp_mapping.src[df_doctype_field_index(dt, "PackSpec")];
    cr_expect_eq(s->trim, 0);
    s = &mp_mapping.src[df_doctype_field_index(dt, "DrugCode")];
    cr_expect_eq(s->trim, 1, "trim is on by default");
    s = &mp_mapping.src[df_doctype_field_index(dt, "BatchNo")];
    cr_expect(s->has_default);
    cr_expect_str_eq(s->def, "B0");
    s = &mp_mapping.src[df_doctype_field_index(dt, "Quantity")];
    cr_expect(s->decimal);
    s = &mp_mapping.src[df_doctype_field_index(dt, "Unit")];
    cr_expect_eq(s->map.n, 2);
    cr_expect(s->map_strict);
    s = &mp_mapping.src[df_doctype_field_index(dt, "Warehouse")];
    cr_expect_not(s->mapped, "an optional field may stay unmapped");
    cr_expect_eq(df_mapping_columns_needed(&mp_mapping), 7);
    df_mapping_free(&mp_mapping);
}

Test(mapping, bind_header_resolves_and_names_missing_columns)
{
    df_error err;
    cr_assert_eq(df_mapping_load(&mp_mapping, &mp_profile, "../../samples/mappings/inventory.yaml", &err), 0, "%s",
                 err.msg);
    /* The export's columns, reordered, with spaces around one name. */
    const char *names[] = {"单位", "数量", "有效期至", "生产日期", "批号", "批准文号", "生产企业", "剂型",
                           "包装规格", "规格", " 通用名称 ", "药品本位码", "仓库", "库存日期"};
    size_t lens[14];
    for (int i = 0; i < 14; i++)
        lens[i] = strlen(names[i]);
    cr_assert_eq(df_mapping_bind_header(&mp_mapping, "in.csv", 1, names, lens, 14, &err), 0, "%s", err.msg);
    const df_doctype *dt = mp_mapping.dt;
    cr_expect_eq(mp_mapping.src[df_doctype_field_index(dt, "StockDate")].column, 13);
    cr_expect_eq(mp_mapping.src[df_doctype_field_index(dt, "DrugName")].column, 10);
    cr_expect_eq(mp_mapping.src[df_doctype_field_index(dt, "Unit")].column, 0);
    cr_expect_eq(df_mapping_columns_needed(&mp_mapping), 14);

    /* Without 仓库: the message names the input, the mapping's line and the column. */
    names[12] = "库房";
    lens[12] = strlen(names[12]);
    cr_expect_neq(df_mapping_bind_header(&mp_mapping, "in.csv", 3, names, lens, 14, &err), 0);
    int line, col;
    le_position(le_slurp("../../samples/mappings/inventory.yaml"), "  Warehouse:", &line, &col);
    char want[256];
    snprintf(want, sizeof want, "../../samples/mappings/inventory.yaml:%d", line);
    cr_expect(strstr(err.msg, "in.csv:3:") != NULL, "the header's own line: %s", err.msg);
    cr_expect(strstr(err.msg, "'仓库'") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, want) != NULL, "expected %s in: %s", want, err.msg);
    cr_expect(strstr(err.msg, "Warehouse") != NULL, "%s", err.msg);
    df_mapping_free(&mp_mapping);
}

/* ---- broken mappings -------------------------------------------------- */

/* Each broken mapping: its text, and where (line, column) and what the
 * complaint is. */
static const struct {
    const char *name, *text;
    int line, col;
    const char *what;
} mp_broken[] = {
    {"yaml_syntax_error",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: b: c\n",
     4, 14, "YAML syntax error"},
    {"tab_indentation",
     "doc_type: SALE\n"
     "fields:\n"
     "\tBillNo: a\n",
     3, 1, "YAML syntax error"},
    {"unknown_top_level_key",
     "# the sale export\n"
     "doc_type: SALE\n"
     "field:\n"
     "  BillNo: a\n",
     3, 1, "unknown key 'field'"},
    {"unknown_csv_key",
     "doc_type: SALE\n"
     "csv:\n"
     "  delimiter: \",\"\n"
     "  quoting: x\n"
     "fields:\n"
     "  BillNo: a\n",
     4, 3, "unknown key 'quoting'"},
    {"unknown_source_key",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: {column: b, formats: x}\n",
     4, 25, "unknown key 'formats'"},
    {"unknown_field",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  StockDate: b\n",
     4, 3, "'StockDate' is not a field of document type SALE"},
    {"field_mapped_twice",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillNo: b\n",
     4, 3, "mapped twice"},
    /* YAML lookups find the first: a repeat must not be silently dropped. */
    {"repeated_csv_key",
     "doc_type: SALE\n"
     "csv:\n"
     "  delimiter: \";\"\n"
     "  header: true\n"
     "  delimiter: \",\"\n",
     5, 3, "key 'delimiter' appears twice in 'csv' (first on line 3)"},
    {"repeated_source_key",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: {column: a, trim: false, column: b}\n",
     3, 36, "key 'column' appears twice"},
    {"repeated_top_level_key",
     "doc_type: SALE\n"
     "encoding: GBK\n"
     "encoding: UTF-8\n",
     3, 1, "key 'encoding' appears twice in the mapping (first on line 2)"},
    {"unknown_doc_type",
     "# x\n"
     "\n"
     "doc_type: SALES\n"
     "fields:\n"
     "  BillNo: a\n",
     3, 11, "unknown document type 'SALES'"},
    {"unknown_encoding",
     "doc_type: SALE\n"
     "encoding: big5\n",
     2, 11, "unknown encoding 'big5'"},
    /* The complaint is about the `fields:` mapping as a whole: it points at
     * its key, not at whichever field happens to come first. */
    {"required_field_unmapped",
     "# sale\n"
     "doc_type: SALE\n"
     "\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: b\n",
     4, 1, "required field PartnerName of SALE is not mapped"},
    {"bad_date_directive",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate:\n"
     "    column: b\n"
     "    date: [\"%Y-%m-%d\", \"%Y/%m/%d/%q\"]\n",
     6, 24, "unknown directive %q"},
    {"date_format_without_year",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: {column: b, date: \"%m-%d\"}\n",
     4, 31, "needs %Y and %m"},
    {"date_format_without_month",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: {column: b, date: \"%Y-%d\"}\n",
     4, 31, "needs %Y and %m"},
    /* "%%d" is a literal "%d", not a day: no format could ever match. */
    {"date_format_literal_percent_day",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: {column: b, date: \"%m-%%d\"}\n",
     4, 31, "needs %Y and %m"},
    {"date_format_trailing_percent",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate: {column: b, date: \"%Y-%m-%d%\"}\n",
     4, 31, "unknown directive"},
    {"date_on_a_text_field",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: {column: a, date: \"%Y-%m-%d\"}\n",
     3, 29, "applies to date fields"},
    {"column_and_constant_flow",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  Unit: {column: b, constant: 盒}\n",
     4, 9, "has both 'column' and 'constant'"},
    {"column_and_constant_block",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: a\n"
     "  BillDate:\n"
     "    column: b\n"
     "    constant: \"2026-10-01\"\n",
     5, 5, "has both 'column' and 'constant'"},
    {"neither_column_nor_constant",
     "doc_type: SALE\n"
     "fields:\n"
     "  BillNo: {default: x}\n",
     3, 11, "needs 'column' or 'constant'"},
    {"bad_boolean",
     "doc_type: SALE\n"
     "fields:\n"
     "  Quantity: {column: q, decimal: sure}\n",
     3, 34, "expected true or false"},
    {"delimiter_equals_quote",
     "doc_type: SALE\n"
     "csv:\n"
     "  delimiter: \"|\"\n"
     "  quote: \"|\"\n",
     3, 3, "must differ"},
    {"column_number_without_header",
     "doc_type: INVENTORY\n"
     "csv: {header: false}\n"
     "fields:\n"
     "  StockDate: \"1\"\n"
     "  DrugCode: \"2\"\n"
     "  DrugName: 通用名称\n",
     6, 3, "column number"},
};

Test(mapping, broken_mappings_name_line_and_column)
{
    for (size_t i = 0; i < sizeof mp_broken / sizeof *mp_broken; i++) {
        char path[128];
        df_error err = {{0}};
        int rc = mp_load_text(mp_broken[i].name, mp_broken[i].text, &err, path, sizeof path);
        cr_expect_neq(rc, 0, "%s: a broken mapping loaded", mp_broken[i].name);
        if (rc == 0)
            df_mapping_free(&mp_mapping);
        le_expect_at(mp_broken[i].name, &err, path, mp_broken[i].line, mp_broken[i].col, mp_broken[i].what);
    }
}

/* No place to point at: the message names the file (and what is missing). */
Test(mapping, missing_doc_type_file_or_content)
{
    static const struct {
        const char *name, *text; /* text NULL: a file that does not exist */
        const char *what;
    } cases[] = {
        {"missing_doc_type", "fields:\n  BillNo: a\n", "doc_type"},
        {"missing_file", NULL, NULL},
        {"empty_file", "", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[128] = "/nonexistent/m.yaml";
        df_error err = {{0}};
        int rc = cases[i].text ? mp_load_text(cases[i].name, cases[i].text, &err, path, sizeof path)
                               : df_mapping_load(&mp_mapping, &mp_profile, path, &err);
        cr_expect_neq(rc, 0, "%s: loaded", cases[i].name);
        cr_expect(strstr(err.msg, path) != NULL && (!cases[i].what || strstr(err.msg, cases[i].what) != NULL),
                  "%s: want %s and '%s' in: %s", cases[i].name, path, cases[i].what ? cases[i].what : "", err.msg);
    }
}

/* ---- date formats ----------------------------------------------------- */

Test(mapping, month_formats_and_month_day)
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
        int rc = mp_load_text("monthday", text, &err, path, sizeof path);
        if (cases[i].ok) {
            cr_expect_eq(rc, 0, "%s: %s", cases[i].decl, err.msg);
            if (rc == 0) {
                int fi = df_doctype_field_index(mp_mapping.dt, "ExpiryDate");
                cr_expect_eq(mp_mapping.src[fi].month_day, cases[i].month_day, "%s", cases[i].decl);
                df_mapping_free(&mp_mapping);
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

Test(mapping, date_format_percent_literal_is_fine)
{
    char path[128];
    df_error err;
    cr_assert_eq(mp_load_text("pctok",
                                      "doc_type: INVENTORY\n"
                                      "fields:\n"
                                      "  StockDate: {column: s, date: \"%%%Y%m%d\"}\n"
                                      "  DrugCode: c\n  DrugName: n\n  PackSpec: p\n  Manufacturer: m\n"
                                      "  ApprovalNo: a\n  BatchNo: b\n  ExpiryDate: e\n  Quantity: q\n  Unit: u\n",
                                      &err, path, sizeof path),
                 0, "%s", err.msg);
    df_mapping_free(&mp_mapping);
}

/* ---- rows that are not data: skip_footer, skip_if ---------------------- */

static void mp_broken_case(const char *name, const char *text, int line, int col, const char *what)
{
    char path[128];
    df_error err = {{0}};
    int rc = mp_load_text(name, text, &err, path, sizeof path);
    cr_expect_neq(rc, 0, "%s: a broken mapping loaded", name);
    if (rc == 0)
        df_mapping_free(&mp_mapping);
    le_expect_at(name, &err, path, line, col, what);
}

Test(mapping, skip_footer_and_skip_if_mistakes)
{
    static const struct {
        const char *name, *csv, *at, *what; /* at: where the complaint points, found in the text */
    } cases[] = {
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
        {"sheet_empty", "  sheet: \"\"\n", "\"\"", "the name of a sheet"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        snprintf(text, sizeof text, "doc_type: SALE\ncsv:\n%sfields:\n  BillNo: \"1\"\n", cases[i].csv);
        int line, col;
        le_position(text, cases[i].at, &line, &col);
        mp_broken_case(cases[i].name, text, line, col, cases[i].what);
    }
}

Test(mapping, too_many_filters)
{
    char text[4096] = "doc_type: SALE\ncsv:\n  skip_if:\n";
    for (int i = 0; i < DF_MAX_ROW_FILTERS + 1; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "    - {column: c%d, empty: true}\n", i);
    strcat(text, "fields:\n  BillNo: a\n");
    char at[32];
    snprintf(at, sizeof at, "{column: c%d,", DF_MAX_ROW_FILTERS);
    int line, col;
    le_position(text, at, &line, &col);
    mp_broken_case("many", text, line, col, "more than 16 skip_if filters");
}

/* A mapping or profile saved in GBK (Notepad's ANSI on a Chinese Windows). */
Test(mapping, yaml_saved_as_gbk_is_named)
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
        cr_expect_neq(mp_load_text(cases[i].name, cases[i].text, &err, path, sizeof path), 0);
        char want[256];
        snprintf(want, sizeof want, "%s%s", path, cases[i].want);
        cr_expect(strstr(err.msg, want) != NULL, "%s: expected '%s' in: %s", cases[i].name, want, err.msg);
    }
    /* The profile goes through the same reader: the shipped one, saved as GBK. */
    static df_profile gbk;
    char path[128], cmd[512];
    snprintf(path, sizeof path, "%s/gbk-profile.yaml", mp_dir);
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t GBK ../../samples/profile/gd-v1.yaml > %s", path);
    cr_assert_eq(system(cmd), 0);
    df_error err = {{0}};
    cr_expect_neq(df_profile_load(&gbk, path, &err), 0);
    cr_expect(strstr(err.msg, "the profile is not UTF-8 (it looks saved as GBK): save the profile as UTF-8") != NULL,
              "%s", err.msg);
}
