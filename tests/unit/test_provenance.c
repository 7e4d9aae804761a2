/* tests/unit/test_provenance.c — the chunk line blob (converter/provenance.h):
 * round trips of the codec, its size on long runs, malformed blobs, and a
 * real conversion whose every record's provenance names the input line
 * that holds it (two inputs, a multi-line quoted field, rejected rows,
 * several chunks). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/convert.h"
#include "converter/provenance.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"

typedef struct rec {
    int input;
    long line;
} rec;

static void roundtrip(const rec *recs, size_t n, size_t *blob_len)
{
    df_lines_enc e = {0};
    df_error err;
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(df_lines_enc_add(&e, recs[i].input, recs[i].line, &err), 0, "%s", err.msg);
    unsigned char *blob;
    size_t len;
    cr_assert_eq(df_lines_enc_finish(&e, &blob, &len, &err), 0);
    df_lines_cursor c;
    df_lines_cursor_init(&c, blob, len);
    int in;
    long line;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(df_lines_cursor_next(&c, &in, &line), 1, "record %zu", i + 1);
        cr_assert_eq(in, recs[i].input, "record %zu input", i + 1);
        cr_assert_eq(line, recs[i].line, "record %zu line", i + 1);
        cr_assert_eq(c.record, i + 1);
    }
    cr_assert_eq(df_lines_cursor_next(&c, &in, &line), 0, "nothing after the last record");
    if (blob_len)
        *blob_len = len;
    free(blob);
}

Test(provenance, roundtrips)
{
    static const rec a[] = {{0, 2}, {0, 3}, {0, 4}, {0, 7}, {0, 9}, {0, 10}, {1, 2}, {1, 3}, {3, 1}, {3, 1000000}};
    roundtrip(a, sizeof a / sizeof *a, NULL);
    static const rec b[] = {{2, 5}};
    roundtrip(b, 1, NULL);
    static const rec c[] = {{0, 1}, {1, 1}, {0, 2}}; /* back to an earlier input: still exact */
    roundtrip(c, 3, NULL);
    roundtrip(NULL, 0, NULL);
}

Test(provenance, long_runs_are_a_few_bytes)
{
    size_t n = 20000, len;
    rec *r = calloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = (rec){0, (long)i + 2};
    roundtrip(r, n, &len);
    cr_assert_leq(len, 4, "one run of 20000 records: %zu bytes", len);
    /* One row in 50 rejected: about two bytes per run of 49. */
    size_t k = 0;
    for (long line = 2; k < n; line++)
        if (line % 50)
            r[k++] = (rec){0, line};
    roundtrip(r, n, &len);
    cr_assert_leq(len, 2 * (n / 49 + 1), "2%% gaps: %zu bytes for %zu records", len, n);
    free(r);
}

Test(provenance, order_is_checked)
{
    df_lines_enc e = {0};
    df_error err;
    cr_assert_eq(df_lines_enc_add(&e, 0, 5, &err), 0);
    cr_assert_eq(df_lines_enc_add(&e, 0, 5, &err), -1, "the same line twice");
    cr_assert_eq(df_lines_enc_add(&e, 0, 3, &err), -1, "going back");
    cr_assert(strstr(err.msg, "out of order"));
    df_lines_enc_free(&e);
}

static int count_cb(void *arg, uint64_t seq, int input, long line)
{
    (void)seq, (void)input, (void)line;
    (*(int *)arg)++;
    return 0;
}

Test(provenance, malformed_blobs_are_refused)
{
    static const unsigned char truncated[] = {0x02, 0x80};  /* a varint cut short */
    static const unsigned char zero_run[] = {0x00, 0x00};   /* a run of no records */
    static const unsigned char endless[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const struct {
        const unsigned char *b;
        size_t n;
    } cases[] = {{truncated, sizeof truncated}, {zero_run, sizeof zero_run}, {endless, sizeof endless}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        df_error err = {{0}};
        int n = 0;
        cr_assert_eq(df_chunk_lines_decode(cases[i].b, cases[i].n, count_cb, &n, &err), -1, "case %zu", i);
        cr_assert(strstr(err.msg, "damaged"), "case %zu: %s", i, err.msg);
    }
}

/* ---- a real conversion ---- */

static const char head[] = "单据编号,单据日期,往来单位,药品本位码,通用名称,规格,包装规格,剂型,生产企业,批准文号,批号,"
                           "生产日期,有效期至,数量,单位,单价,金额\n";

/* A row whose BillNo names its input and physical line; spec may hold a newline. */
static void put_row(FILE *f, int input, long line, const char *spec, const char *qty)
{
    fprintf(f, "F%dL%ld,2026-10-04,东莞市第一人民医院,86900000000042,板蓝根颗粒,%s,10g*10袋/盒,颗粒剂,"
               "广州白云山和记黄埔中药有限公司,国药准字Z44024444,B20260003,2026-04-15,2028-04-14,%s,盒,12.50,125.00\n",
            input, line, spec, qty);
}

typedef struct check_ctx {
    const char *xml;    /* the chunk file's text */
    const char *at;
    int failures;
} check_ctx;

static int check_record(void *arg, uint64_t seq, int input, long line)
{
    check_ctx *c = arg;
    const char *b = strstr(c->at, "<BillNo>");
    cr_assert(b, "record %llu missing in the chunk", (unsigned long long)seq);
    char want[64];
    int n = snprintf(want, sizeof want, "<BillNo>F%dL%ld</BillNo>", input, line);
    cr_expect(strncmp(b, want, (size_t)n) == 0, "record %llu: provenance says %s, the chunk has %.30s",
              (unsigned long long)seq, want, b);
    c->at = b + 8;
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

Test(provenance, conversion_names_every_records_line)
{
    static df_profile prof;
    static df_mapping map;
    df_error err;
    cr_assert(df_profile_load(&prof, "../../samples/profile/gd-v1.yaml", &err) == 0, "%s", err.msg);
    cr_assert(df_mapping_load(&map, &prof, "../../samples/mappings/sale.yaml", &err) == 0, "%s", err.msg);
    df_catalog_set cats;
    df_catalog_set_init(&cats, &prof);
    cr_assert(df_catalog_load_csv(&cats.cat[df_profile_catalog_index(&prof, "commodity")],
                                  "../../samples/catalogs/commodities.csv", &err) == 0, "%s", err.msg);
    char dir[] = "/tmp/df-prov-XXXXXX";
    cr_assert(mkdtemp(dir));
    char in[2][300], out[300];
    for (int i = 0; i < 2; i++) {
        snprintf(in[i], sizeof in[i], "%s/in%d.csv", dir, i);
        FILE *f = fopen(in[i], "w");
        fputs(head, f);
        long line = 2;
        for (int r = 0; r < 17; r++) {
            int multiline = r == 4 || r == 11;
            put_row(f, i, line, multiline ? "\"10g\n（多行）\"" : "10g", r % 6 == 5 ? "-1" : "3");
            line += multiline ? 2 : 1;
        }
        fclose(f);
    }
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    const char *inputs[2] = {in[0], in[1]};
    df_convert_options o = {
        .profile = &prof, .mapping = &map, .catalogs = &cats, .inputs = inputs, .ninputs = 2, .out_dir = out,
        .meta = {"91440101MA59TEST0A", "测试", "SALE", "2026-10", "B1", "2026-11-01T02:00:00+08:00"},
        .chunk_records = 4, .threads = 2,
    };
    df_convert_summary s;
    cr_assert_eq(df_convert(&o, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.rejected, 4, "%llu rejected", (unsigned long long)s.rejected);
    uint64_t total = 0;
    for (size_t k = 0; k < s.nchunks; k++) {
        char *xml = slurp(s.chunks[k].path);
        check_ctx c = {xml, xml, 0};
        int n = 0;
        cr_assert_eq(df_chunk_lines_decode(s.chunks[k].lines, s.chunks[k].lines_len, count_cb, &n, &err), 0);
        cr_assert_eq((uint64_t)n, s.chunks[k].records, "chunk %zu: %d lines for %llu records", k + 1, n,
                     (unsigned long long)s.chunks[k].records);
        cr_assert_eq(df_chunk_lines_decode(s.chunks[k].lines, s.chunks[k].lines_len, check_record, &c, &err), 0);
        total += (uint64_t)n;
        free(xml);
    }
    cr_assert_eq(total, s.accepted);
    df_summary_free(&s);
    df_catalog_set_free(&cats);
    df_mapping_free(&map);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
}
