/* tests/unit/test_row_filter.c — skip_if: mappings with filters load and
 * bind, and df_row_filter_skip says which rows are not data, for a table
 * of rows, without NUL-terminated fields, from many threads at once. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/mapping.h"
#include "mapping/profile.h"
#include "mapping/row_filter.h"

static df_profile rf_profile;
static df_mapping rf_mapping;
static char rf_path[64];

/* A mapping for INVENTORY (columns by number, no header) with csv: extra. */
static int rf_load(const char *csv, df_error *err)
{
    strcpy(rf_path, "/tmp/df-rowfilter-XXXXXX");
    int fd = mkstemp(rf_path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "doc_type: INVENTORY\n"
               "csv:\n%s"
               "fields:\n"
               "  StockDate: {column: \"1\", date: \"%%Y-%%m-%%d\"}\n"
               "  DrugCode: \"2\"\n"
               "  DrugName: \"3\"\n"
               "  Manufacturer: {constant: M}\n"
               "  ApprovalNo: {constant: A}\n"
               "  BatchNo: {constant: B}\n"
               "  ExpiryDate: {constant: \"2028-01-01\"}\n"
               "  Quantity: \"4\"\n"
               "  PackSpec: {constant: P}\n"
               "  Unit: {constant: 盒}\n", csv);
    fclose(f);
    int rc = df_mapping_load(&rf_mapping, &rf_profile, rf_path, err);
    unlink(rf_path);
    return rc;
}

static void rf_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&rf_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    cr_assert_eq(rf_load("  header: false\n"
                         "  skip_footer: 2\n"
                         "  skip_if:\n"
                         "    - {column: \"2\", matches: \"^(合计|小计)\"}\n"
                         "    - {column: \"1\", matches: \"^制表人[：:]\"}\n"
                         "    - {column: \"3\", matches: \"^[合小]计.$\"}\n"
                         "    - {column: \"4\", empty: true}\n"
                         "    - {empty: true}\n",
                         &err),
                 0, "%s", err.msg);
}

static void rf_teardown(void) { df_mapping_free(&rf_mapping); }

TestSuite(row_filter, .init = rf_setup, .fini = rf_teardown);

Test(row_filter, loads_the_filters)
{
    cr_expect_eq(rf_mapping.skip_footer, 2);
    cr_assert_eq(rf_mapping.nfilters, 5);
    cr_expect_eq(rf_mapping.filters[0].kind, DF_RF_MATCHES);
    cr_expect_eq(rf_mapping.filters[0].column, 1);
    cr_expect_eq(rf_mapping.filters[3].kind, DF_RF_EMPTY_COLUMN);
    cr_expect_eq(rf_mapping.filters[3].column, 3);
    cr_expect_eq(rf_mapping.filters[4].kind, DF_RF_EMPTY_ROW);
    cr_expect_eq(rf_mapping.filters[4].column, -1);
    cr_expect_eq(rf_mapping.filters[0].line, 6);
    char d[256];
    df_row_filter_describe(&rf_mapping, 0, d, sizeof d);
    cr_expect(strstr(d, "^(合计|小计)") && strstr(d, ":6:7"), "%s", d);
}

/* A row as "a|b|c": fields split on '|', copied into one buffer without
 * NULs between them, so that a filter reading past a field would see the
 * next one. */
typedef struct rf_row {
    char buf[512];
    const char *f[16];
    size_t len[16];
    int n;
} rf_row;

static void rf_split(rf_row *r, const char *spec)
{
    size_t at = 0;
    r->n = 0;
    const char *p = spec;
    for (;;) {
        const char *e = strchr(p, '|');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        memcpy(r->buf + at, p, l);
        r->f[r->n] = r->buf + at;
        r->len[r->n++] = l;
        at += l;
        if (!e)
            break;
        p = e + 1;
    }
    memset(r->buf + at, 'Z', 8); /* no NUL after the last field either */
}

typedef struct rf_case {
    const char *row;
    int skip, which;
} rf_case;

static const rf_case rf_cases[] = {
    {"2026-10-31|86900000000028|氨氯地平片|12", 0, -1},
    {"|合计|合计|100", 1, 0},
    {"|  小计：广州仓| |5", 1, 0},               /* trimmed before matching */
    {"|　合计|x|5", 1, 0},                       /* U+3000 trimmed too */
    {"|共合计|x|5", 0, -1},                      /* anchored */
    {"制表人：张三|||", 1, 1},
    {"制表人:张三|x|y|1", 1, 1},
    {"制表|x|y|1", 0, -1},
    {"x|y|合计额|1", 1, 2},                      /* "." is one character, not one byte */
    {"x|y|合计|1", 0, -1},
    {"x|y|z|", 1, 3},                            /* column 4 empty */
    {"x|y|z|  \t", 1, 3},                        /* blank */
    {"x|y|z", 1, 3},                             /* a column the row lacks reads as empty */
    {"||| ", 1, 3},
    {"x|y|z|1|  ", 0, -1},
    {"x|合|计|1", 0, -1},                         /* a match may not run into the next field */
};

Test(row_filter, table)
{
    for (size_t i = 0; i < sizeof rf_cases / sizeof *rf_cases; i++) {
        rf_row r;
        rf_split(&r, rf_cases[i].row);
        int which = -1;
        int got = df_row_filter_skip(&rf_mapping, r.f, r.len, r.n, &which);
        cr_expect_eq(got, rf_cases[i].skip, "'%s': skip %d", rf_cases[i].row, got);
        if (got)
            cr_expect_eq(which, rf_cases[i].which, "'%s': filter %d", rf_cases[i].row, which);
    }
}

Test(row_filter, empty_row_filter_alone)
{
    df_mapping_free(&rf_mapping);
    df_error err;
    cr_assert_eq(rf_load("  header: false\n  skip_if: {empty: true}\n", &err), 0, "%s", err.msg);
    static const rf_case cases[] = {
        {",,,", 1, 0}, {" | |\t|　", 1, 0}, {"", 1, 0}, {"||x|", 0, -1}, {"a", 0, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rf_row r;
        rf_split(&r, cases[i].row);
        if (!strcmp(cases[i].row, ",,,"))
            r.n = 4, r.len[0] = r.len[1] = r.len[2] = r.len[3] = 0;
        cr_expect_eq(df_row_filter_skip(&rf_mapping, r.f, r.len, r.n, NULL), cases[i].skip, "'%s'", cases[i].row);
    }
    cr_expect_eq(df_row_filter_skip(&rf_mapping, NULL, NULL, 0, NULL), 1, "a row of no fields is empty");
}

Test(row_filter, no_filters_no_skip)
{
    df_mapping_free(&rf_mapping);
    df_error err;
    cr_assert_eq(rf_load("  header: false\n", &err), 0, "%s", err.msg);
    rf_row r;
    rf_split(&r, "|||");
    cr_expect_eq(df_row_filter_skip(&rf_mapping, r.f, r.len, r.n, NULL), 0);
    cr_expect_eq(rf_mapping.skip_footer, 0);
}

Test(row_filter, columns_by_header_name)
{
    df_mapping m;
    df_error err;
    cr_assert_eq(df_mapping_load(&m, &rf_profile, "../../samples/mappings/inventory.yaml", &err), 0, "%s", err.msg);
    /* The same mapping with filters, as a user adds them. */
    df_mapping_free(&m);
    strcpy(rf_path, "/tmp/df-rowfilter-XXXXXX");
    int fd = mkstemp(rf_path);
    FILE *in = fopen("../../samples/mappings/inventory.yaml", "r"), *out = fdopen(fd, "w");
    char line[512];
    while (fgets(line, sizeof line, in)) {
        fputs(line, out);
        if (!strncmp(line, "  skip_rows:", 12))
            fputs("  skip_if: [{column: 仓库, matches: \"^(合计|小计)\"}, {column: 批号, empty: true}, {column: 备注, matches: 合计}]\n", out);
    }
    fclose(in);
    fclose(out);
    cr_assert_eq(df_mapping_load(&m, &rf_profile, rf_path, &err), 0, "%s", err.msg);
    /* A filter may test a column no field maps (备注). */
    const char *names[] = {"库存日期", "仓库", "药品本位码", "通用名称", "规格", "包装规格", "剂型", "生产企业",
                           "批准文号", " 批号 ", "生产日期", "有效期至", "数量", "单位", "备注", "备注"};
    size_t lens[16];
    for (int i = 0; i < 16; i++)
        lens[i] = strlen(names[i]);
    cr_assert_eq(df_mapping_bind_header(&m, "in.csv", 1, names, lens, 15, &err), 0, "%s", err.msg);
    cr_expect_eq(m.filters[0].column, 1);
    cr_expect_eq(m.filters[1].column, 9);
    cr_expect_eq(m.filters[2].column, 14);
    /* 备注 twice: which one the filter tests is not guessed. */
    cr_expect_neq(df_mapping_bind_header(&m, "in.csv", 2, names, lens, 16, &err), 0);
    cr_expect(strstr(err.msg, "'备注' twice") && strstr(err.msg, "skip_if"), "%s", err.msg);
    /* Without 备注 the filter cannot be bound: said, naming the filter's place. */
    cr_expect_neq(df_mapping_bind_header(&m, "in.csv", 2, names, lens, 14, &err), 0);
    cr_expect(strstr(err.msg, "in.csv:2:") && strstr(err.msg, "'备注'") && strstr(err.msg, "skip_if") &&
                  strstr(err.msg, rf_path),
              "%s", err.msg);
    unlink(rf_path);
    df_mapping_free(&m);
}

/* Many threads over the same filters: the same answers as one thread. */
static void *rf_worker(void *arg)
{
    long bad = 0;
    (void)arg;
    for (int k = 0; k < 2000; k++) {
        const rf_case *c = &rf_cases[k % (sizeof rf_cases / sizeof *rf_cases)];
        rf_row r;
        rf_split(&r, c->row);
        int which = -1;
        int got = df_row_filter_skip(&rf_mapping, r.f, r.len, r.n, &which);
        bad += got != c->skip || (got && which != c->which);
    }
    return (void *)bad;
}

Test(row_filter, concurrent_calls)
{
    pthread_t t[12];
    for (int i = 0; i < 12; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, rf_worker, NULL), 0);
    for (int i = 0; i < 12; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        cr_expect_eq((long)bad, 0, "thread %d: %ld wrong answers", i, (long)bad);
    }
}
