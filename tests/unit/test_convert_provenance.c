/* tests/unit/test_convert_provenance.c — where each record came from
 * (issues 12 and 14): df_convert gives every chunk the (input, line) of
 * each of its records (converter/provenance.h), with ranges cut small and
 * several workers. The codec itself: test_provenance.c. */
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
#include "mapping/profile.h"

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
        df_lines_cursor cur;
        df_lines_cursor_init(&cur, r->lines, r->lines_len);
        int input;
        long line, n = 0;
        for (; df_lines_cursor_next(&cur, &input, &line) == 1; n++, k++) {
            cr_assert_eq(input, (int)(k / nwant), "record %zu: input", k);
            cr_assert_eq(line, want_lines[k % nwant], "record %zu: line %ld, expected %ld", k, line,
                         want_lines[k % nwant]);
        }
        cr_assert_eq(n, (long)r->records, "chunk %zu: %ld origins for %llu records", c + 1, n,
                     (unsigned long long)r->records);
    }
    cr_assert_eq(k, 2 * nwant);
    df_summary_free(&s);
}
