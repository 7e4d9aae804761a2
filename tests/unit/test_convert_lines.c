/* tests/unit/test_convert_lines.c — where each record came from (issue 14):
 * the delta-encoded provenance lists of converter/lines.h round-trip,
 * malformed ones are refused, and df_convert gives every chunk the
 * (input, line) of each of its records, with ranges cut small and
 * several workers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/convert.h"
#include "converter/lines.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

static long encode(const df_record_origin *in, size_t n, unsigned char **blob, size_t *len)
{
    df_lines_enc e;
    df_lines_enc_init(&e);
    for (size_t i = 0; i < n; i++)
        df_lines_enc_add(&e, in[i].input, in[i].line);
    df_lines_enc_finish(&e, blob, len);
    return (long)n;
}

static void round_trip(const df_record_origin *in, size_t n)
{
    unsigned char *blob;
    size_t len;
    encode(in, n, &blob, &len);
    df_record_origin *out = calloc(n + 1, sizeof *out);
    cr_assert_eq(df_chunk_lines_decode(blob, len, NULL, 0), (long)n, "count");
    cr_assert_eq(df_chunk_lines_decode(blob, len, out, n + 1), (long)n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(out[i].input, in[i].input, "record %zu: input", i);
        cr_assert_eq(out[i].line, in[i].line, "record %zu: line %ld, expected %ld", i, out[i].line, in[i].line);
    }
    /* A short output array gets the first records, the count stays. */
    if (n > 2) {
        memset(out, 0, (n + 1) * sizeof *out);
        cr_assert_eq(df_chunk_lines_decode(blob, len, out, 2), (long)n);
        cr_assert_eq(out[1].line, in[1].line);
        cr_assert_eq(out[2].line, 0);
    }
    free(out);
    free(blob);
}

TestSuite(convert_lines);

Test(convert_lines, consecutive_lines_take_a_few_bytes)
{
    enum { N = 20000 };
    df_record_origin *in = calloc(N, sizeof *in);
    for (int i = 0; i < N; i++)
        in[i] = (df_record_origin){0, 123456 + i};
    unsigned char *blob;
    size_t len;
    encode(in, N, &blob, &len);
    cr_assert_leq(len, 8, "%zu bytes for a run of %d lines", len, N);
    free(blob);
    round_trip(in, N);
    free(in);
}

Test(convert_lines, gaps_inputs_and_the_first_line)
{
    df_record_origin in[] = {{0, 1}, {0, 2}, {0, 5}, {0, 6}, {0, 7}, {0, 1000000}, {2, 1}, {2, 2}, {2, 40},
                             {3, 7}, {3, 8}, {3, 9}, {3, 10}};
    round_trip(in, sizeof in / sizeof *in);
    df_record_origin late[] = {{5, 3000000000L}, {5, 3000000001L}};
    round_trip(late, 2);
    round_trip(in, 0);
}

Test(convert_lines, random_lists_round_trip)
{
    srand(14);
    for (int t = 0; t < 200; t++) {
        size_t n = (size_t)(rand() % 3000);
        df_record_origin *in = calloc(n + 1, sizeof *in);
        int input = rand() % 3;
        long line = rand() % 50;
        for (size_t i = 0; i < n; i++) {
            int r = rand() % 100;
            if (r < 2) {
                input += 1 + rand() % 2;
                line = rand() % 5;
            }
            line += r < 80 ? 1 : 1 + rand() % (r < 98 ? 4 : 100000);
            in[i] = (df_record_origin){input, line};
        }
        round_trip(in, n);
        free(in);
    }
}

Test(convert_lines, malformed_lists_are_refused)
{
    const unsigned char truncated[] = {0x00, 0x01};             /* input, no line */
    const unsigned char open_varint[] = {0x03, 0x80};           /* continuation never ends */
    /* line 5, then a run that would pass the largest line */
    const unsigned char huge_run[] = {0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    const unsigned char overlong[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    cr_assert_eq(df_chunk_lines_decode(truncated, sizeof truncated, NULL, 0), -1);
    cr_assert_eq(df_chunk_lines_decode(open_varint, sizeof open_varint, NULL, 0), -1);
    cr_assert_eq(df_chunk_lines_decode(huge_run, sizeof huge_run, NULL, 0), -1);
    cr_assert_eq(df_chunk_lines_decode(overlong, sizeof overlong, NULL, 0), -1);
    cr_assert_eq(df_chunk_lines_decode(NULL, 0, NULL, 0), 0);
}

/* ---- through df_convert ------------------------------------------------ */

static df_profile cl_profile;
static df_mapping cl_mapping;
static df_catalog_set cl_cats;
static char cl_dir[256];

static void cl_setup(void)
{
    df_error err;
    cr_assert(df_profile_load(&cl_profile, "../../samples/profile/gd-v1.yaml", &err) == 0, "%s", err.msg);
    cr_assert(df_mapping_load(&cl_mapping, &cl_profile, "../../samples/mappings/sale.yaml", &err) == 0, "%s",
              err.msg);
    df_catalog_set_init(&cl_cats, &cl_profile);
    for (int i = 0; i < cl_profile.ncatalogs; i++) {
        const char *f = !strcmp(cl_profile.catalogs[i].name, "commodity") ? "../../samples/catalogs/commodities.csv"
                                                                           : "../../samples/catalogs/partners.csv";
        cr_assert(df_catalog_load_csv(&cl_cats.cat[i], f, &err) == 0, "%s", err.msg);
    }
    snprintf(cl_dir, sizeof cl_dir, "%s/df-lines-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert(mkdtemp(cl_dir));
}

static void cl_teardown(void)
{
    df_catalog_set_free(&cl_cats);
    df_mapping_free(&cl_mapping);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cl_dir);
    (void)!system(cmd);
}

/* The sample export's lines (1 = header; 2..14 good; 15, 16 bad). */
static char *sample_line(int n)
{
    FILE *f = fopen("../../samples/exports/sale.csv", "rb");
    cr_assert(f);
    static char buf[8192];
    char *r = NULL;
    for (int i = 1; i <= n && (r = fgets(buf, sizeof buf, f)); i++)
        ;
    fclose(f);
    cr_assert(r, "no line %d", n);
    return strdup(buf);
}

TestSuite(convert_provenance, .init = cl_setup, .fini = cl_teardown);

/* Records carry their input and line through ranges of 37 bytes parsed by
 * three workers: a rejected row, a blank line and a row over two lines
 * move the lines on; a second input starts again at its own lines. */
Test(convert_provenance, every_record_knows_its_input_and_line)
{
    char path[400];
    snprintf(path, sizeof path, "%s/in.csv", cl_dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    int order[] = {1, 2, 3, 15, 4, 0, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        if (!order[i]) {
            fputs("\r\n", f);
            continue;
        }
        char *l = sample_line(order[i]);
        char *name = order[i] == 5 ? strstr(l, ",注射用头孢曲松钠,") : NULL;
        if (name) { /* line 5 of the sample: its DrugName over two lines */
            fwrite(l, 1, (size_t)(name - l), f);
            fputs(",\"注射用\n头孢曲松钠\",", f);
            fputs(name + strlen(",注射用头孢曲松钠,"), f);
        } else {
            fputs(l, f);
        }
        free(l);
    }
    fclose(f);
    /* Expected: lines 2, 3, 5, 7 (7-8), 10..18; line 4 and 9 rejected. */
    long want_lines[] = {2, 3, 5, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    size_t nwant = sizeof want_lines / sizeof *want_lines;

    char out[400];
    snprintf(out, sizeof out, "%s/out", cl_dir);
    mkdir(out, 0700);
    const char *inputs[2] = {path, path};
    df_convert_options o = {
        .profile = &cl_profile,
        .mapping = &cl_mapping,
        .catalogs = &cl_cats,
        .inputs = inputs,
        .ninputs = 2,
        .out_dir = out,
        .meta = {"91440101MA59TEST0A", "测试医药有限公司", cl_mapping.dt->code, "2026-10", "2026-10-SALE-01",
                 "2026-11-01T02:00:00+08:00"},
        .chunk_records = 4,
        .threads = 3,
        .force = 1,
        .range_bytes = 37,
    };
    df_convert_summary s;
    df_error err = {{0}};
    cr_assert_eq(df_convert(&o, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.accepted, 2 * nwant, "accepted %llu", (unsigned long long)s.accepted);
    cr_assert_eq(s.rejected, 4);
    size_t k = 0;
    for (size_t c = 0; c < s.nchunks; c++) {
        const df_chunk_result *r = &s.chunks[c];
        cr_assert(r->lines, "chunk %zu has no provenance", c + 1);
        df_record_origin got[8];
        long n = df_chunk_lines_decode(r->lines, r->lines_len, got, 8);
        cr_assert_eq(n, (long)r->records, "chunk %zu: %ld origins for %llu records", c + 1, n,
                     (unsigned long long)r->records);
        for (long i = 0; i < n; i++, k++) {
            cr_assert_eq(got[i].input, (int)(k / nwant), "record %zu: input", k);
            cr_assert_eq(got[i].line, want_lines[k % nwant], "record %zu: line %ld, expected %ld", k, got[i].line,
                         want_lines[k % nwant]);
        }
    }
    cr_assert_eq(k, 2 * nwant);
    df_summary_free(&s);
}
