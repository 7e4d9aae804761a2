/* tests/unit/test_footer.c — skip_footer: df_footer_find against a table
 * of files and against a forward parse of many generated ones (quoted
 * fields with line breaks, CRLF, blank lines), and the df_footer_ring. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "converter/footer.h"

/* A memfd holding text: the file df_footer_find reads. */
static int ft_file(const char *text, size_t len)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    int fd = dup(fileno(f));
    fclose(f);
    cr_assert(write(fd, text, len) == (ssize_t)len);
    return fd;
}

typedef struct ft_case {
    const char *name, *text;
    int start, n;
    long end;   /* expected data_end; -1: size (inexact) */
    int exact;
} ft_case;

Test(footer, find_table)
{
    static const ft_case cases[] = {
        {"lf", "h\na\nb\n合计,3\n", 2, 1, 6, 1},
        {"crlf", "h\r\na\r\nb\r\n合计\r\n", 3, 1, 9, 1},
        {"no final newline", "h\na\nb\n合计", 2, 1, 6, 1},
        {"trailing blank lines", "h\na\nb\n合计\n\n\r\n\n", 2, 1, 6, 1},
        {"two footer rows", "h\na\nb\n合计\n制表人：张三\n", 2, 2, 6, 1},
        {"blank line inside footer", "h\na\n合计\n\n制表人\n", 2, 2, 4, 1},
        {"lone CR ends a row", "h\ra\rb\r合计\r", 2, 1, 6, 1},
        {"all rows", "h\na\nb\n", 2, 2, 2, 1},
        {"fewer rows than n", "h\na\nb\n", 2, 5, 2, 1},
        {"nothing after the header", "h\n", 2, 1, 2, 1},
        {"empty file", "", 0, 1, 0, 1},
        {"n is 0", "h\na\n", 2, 0, 4, 1},
        {"quote in the footer", "h\na\n\"合计\"\n", 2, 1, -1, 0},
        {"quote only before the footer", "h\n\"a\nb\"\n合计\n", 2, 1, 8, 1},
        {"spaces are a row", "h\na\n  \n", 2, 1, 4, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const ft_case *c = &cases[i];
        size_t len = strlen(c->text);
        int fd = ft_file(c->text, len);
        uint64_t end = 12345;
        int exact = -1;
        df_error err = {{0}};
        cr_assert_eq(df_footer_find(fd, (uint64_t)c->start, len, c->n, '"', &end, &exact, NULL, &err), 0, "%s: %s",
                     c->name, err.msg);
        close(fd);
        cr_expect_eq(exact, c->exact, "%s: exact %d", c->name, exact);
        cr_expect_eq(end, c->end < 0 ? len : (uint64_t)c->end, "%s: data_end %llu", c->name,
                     (unsigned long long)end);
    }
}

Test(footer, find_refuses_start_past_end)
{
    int fd = ft_file("abc\n", 4);
    uint64_t end;
    int exact;
    df_error err = {{0}};
    cr_expect_neq(df_footer_find(fd, 9, 4, 1, '"', &end, &exact, NULL, &err), 0);
    cr_expect(strstr(err.msg, "after the end") != NULL, "%s", err.msg);
    close(fd);
}

/* ---- brute force: a forward CSV parse of generated files ---------------- */

static unsigned ft_seed;
static unsigned ft_rand(unsigned n)
{
    ft_seed = ft_seed * 1103515245u + 12345u;
    return (ft_seed >> 8) % n;
}

/* Appends a random file: rows of fields, some quoted with breaks and
 * doubled quotes inside, CRLF or LF or CR, blank lines between. */
static size_t ft_generate(char *b, size_t cap, int quotes, int rows)
{
    static const char *const plain[] = {"a", "合计", "12.5", "", " ", "制表人：张三", "x y"};
    static const char *const quoted[] = {"\"a\nb\"", "\"合\r\n计\"", "\"say \"\"hi\"\"\"", "\"\"", "\"\n\n\""};
    size_t n = 0;
    for (int r = 0; r < rows && n + 200 < cap; r++) {
        int nf = 1 + (int)ft_rand(4);
        for (int f = 0; f < nf; f++) {
            const char *v = quotes && ft_rand(4) == 0 ? quoted[ft_rand(5)] : plain[ft_rand(7)];
            n += (size_t)snprintf(b + n, cap - n, "%s%s", f ? "," : "", v);
        }
        if (r + 1 == rows && ft_rand(3) == 0)
            break; /* no final newline */
        static const char *const ends[] = {"\n", "\r\n", "\r"};
        n += (size_t)snprintf(b + n, cap - n, "%s", ends[ft_rand(3)]);
        while (ft_rand(5) == 0)
            n += (size_t)snprintf(b + n, cap - n, "%s", ft_rand(2) ? "\n" : "\r\n");
    }
    return n;
}

/* Start offsets of the non-blank rows of b[start..len), as libcsv splits
 * them (quotes open only at a field's start). Returns the count. */
static int ft_row_starts(const char *b, size_t start, size_t len, size_t *starts, int cap)
{
    int rows = 0, inq = 0, field_start = 1, row_has = 0;
    size_t row_at = start;
    for (size_t i = start; i < len; i++) {
        char c = b[i];
        if (inq) {
            if (c == '"' && i + 1 < len && b[i + 1] == '"')
                i++;
            else if (c == '"')
                inq = 0;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (row_has && rows < cap)
                starts[rows++] = row_at;
            row_has = 0;
            field_start = 1;
            continue;
        }
        if (!row_has)
            row_at = i;
        row_has = 1;
        if (c == '"' && field_start)
            inq = 1;
        field_start = c == ',';
    }
    if (row_has && rows < cap)
        starts[rows++] = row_at;
    return rows;
}

static int ft_count_row(void *ctx, const df_csv_row *row, df_error *err)
{
    (void)row;
    (void)err;
    ++*(int *)ctx;
    return 0;
}

/* The oracle splits rows as the project's reader (libcsv) does. */
static void ft_check_oracle(const char *b, size_t len, int rows, int t)
{
    char path[] = "/tmp/df-footer-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(write(fd, b, len) == (ssize_t)len);
    close(fd);
    df_csv_dialect d = {',', '"'};
    int n = 0;
    df_error err = {{0}};
    cr_assert_eq(df_csv_read(path, &d, ft_count_row, &n, NULL, &err), 0, "case %d: %s", t, err.msg);
    unlink(path);
    cr_assert_eq(n, rows, "case %d: the reader sees %d rows, the oracle %d", t, n, rows);
}

Test(footer, find_matches_a_forward_parse)
{
    static char buf[1 << 16];
    static size_t starts[4096];
    int exact_seen = 0, inexact_seen = 0;
    for (int t = 0; t < 3000; t++) {
        ft_seed = (unsigned)t * 7919u + 1;
        int quotes = t % 3 != 0;
        size_t len = ft_generate(buf, sizeof buf, quotes, 1 + (int)ft_rand(60));
        int total = ft_row_starts(buf, 0, len, starts, 4096);
        if (t % 10 == 0)
            ft_check_oracle(buf, len, total, t);
        /* data starts after the first row (the header), as the reader would have it. */
        size_t data_start = total > 1 ? starts[1] : len;
        int rows = ft_row_starts(buf, data_start, len, starts, 4096);
        int n = 1 + (int)ft_rand(8);
        int fd = ft_file(buf, len);
        uint64_t end;
        int exact, footer;
        df_error err = {{0}};
        cr_assert_eq(df_footer_find(fd, data_start, len, n, '"', &end, &exact, &footer, &err), 0, "%s", err.msg);
        close(fd);
        uint64_t want = rows >= n ? starts[rows - n] : data_start;
        if (exact) {
            exact_seen++;
            cr_assert_eq(footer, rows < n ? rows : n, "case %d (n %d, %d rows): %d footer rows", t, n, rows, footer);
            cr_assert_eq(end, want, "case %d (n %d, %d rows): data_end %llu, the parse says %llu", t, n, rows,
                         (unsigned long long)end, (unsigned long long)want);
            cr_assert_null(memchr(buf + end, '"', len - end), "case %d: exact with a quote in the tail", t);
        } else {
            inexact_seen++;
            cr_assert_eq(end, len, "case %d: inexact data_end is the size", t);
            cr_assert_not_null(memchr(buf + want, '"', len - want), "case %d: inexact without a quote", t);
        }
    }
    cr_expect_gt(exact_seen, 1000);
    cr_expect_gt(inexact_seen, 100);
}

Test(footer, find_reads_tails_longer_than_a_block)
{
    size_t len = 3 * DF_FOOTER_BLOCK + 17;
    char *b = malloc(len);
    cr_assert_not_null(b);
    memset(b, 'x', len);
    b[0] = '\n';                       /* data starts at 1: one long row, then a short one */
    b[len - 3] = '\n';
    b[len - 1] = '\n';
    int fd = ft_file(b, len);
    uint64_t end;
    int exact;
    df_error err = {{0}};
    cr_assert_eq(df_footer_find(fd, 1, len, 2, '"', &end, &exact, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(end, 1);
    cr_expect_eq(exact, 1);
    cr_assert_eq(df_footer_find(fd, 1, len, 1, '"', &end, &exact, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(end, len - 2);
    close(fd);
    free(b);
}

/* ---- the ring ------------------------------------------------------------ */

static void ft_push(df_footer_ring *r, long line, const char *a, const char *b, const df_csv_row **out)
{
    const char *f[2] = {a, b};
    size_t l[2] = {strlen(a), strlen(b)};
    df_error err = {{0}};
    cr_assert_eq(df_footer_ring_push(r, line, 2, 2, f, l, out, &err), 0, "%s", err.msg);
}

Test(footer, ring_holds_back_the_last_n_rows)
{
    for (int n = 1; n <= 5; n++) {
        df_error err;
        df_footer_ring *r = df_footer_ring_new(n, &err);
        cr_assert_not_null(r, "%s", err.msg);
        int rows = 12, out_seen = 0;
        for (int i = 1; i <= rows; i++) {
            char a[16], b[64];
            snprintf(a, sizeof a, "r%d", i);
            snprintf(b, sizeof b, "%.*s", i * 3, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
            const df_csv_row *out;
            ft_push(r, i * 10, a, b, &out);
            if (i <= n) {
                cr_expect_null(out, "n %d row %d: nothing falls out yet", n, i);
                continue;
            }
            cr_assert_not_null(out);
            int want = i - n;
            char wa[16];
            snprintf(wa, sizeof wa, "r%d", want);
            cr_expect_str_eq(out->field[0], wa, "n %d: row %d out", n, want);
            cr_expect_eq(out->line, want * 10);
            cr_expect_eq(out->len[1], (size_t)want * 3);
            cr_expect_eq(out->field[1][out->len[1]], 0, "NUL-terminated");
            out_seen++;
        }
        cr_expect_eq(out_seen, rows - n);
        cr_assert_eq(df_footer_ring_count(r), n);
        for (int i = 0; i < n; i++) {
            char wa[16];
            snprintf(wa, sizeof wa, "r%d", rows - n + 1 + i);
            cr_expect_str_eq(df_footer_ring_at(r, i)->field[0], wa, "n %d: footer row %d", n, i);
        }
        cr_expect_null(df_footer_ring_at(r, n));
        df_footer_ring_free(r);
    }
}

Test(footer, ring_bounds)
{
    df_error err = {{0}};
    cr_expect_null(df_footer_ring_new(0, &err));
    cr_expect_null(df_footer_ring_new(1001, &err));
    cr_expect(strstr(err.msg, "1 to 1000") != NULL, "%s", err.msg);
    df_footer_ring *r = df_footer_ring_new(1000, &err);
    cr_assert_not_null(r, "%s", err.msg);
    /* 1000 rows of 256 KiB are over the ring's 64 MiB: said, not eaten. */
    size_t big = 256 * 1024;
    char *b = malloc(big);
    memset(b, 'x', big);
    const char *f[1] = {b};
    size_t l[1] = {big};
    const df_csv_row *out;
    int rc = 0, i;
    for (i = 0; i < 1000 && rc == 0; i++)
        rc = df_footer_ring_push(r, i + 1, 1, 1, f, l, &out, &err);
    cr_expect_neq(rc, 0);
    cr_expect(strstr(err.msg, "skip_footer") != NULL, "%s", err.msg);
    df_footer_ring_free(r);
    free(b);
    /* More fields than the reader keeps: the first DF_CSV_MAX_FIELDS. */
    r = df_footer_ring_new(1, &err);
    static const char *many[DF_CSV_MAX_FIELDS + 5];
    static size_t ml[DF_CSV_MAX_FIELDS + 5];
    for (int k = 0; k < DF_CSV_MAX_FIELDS + 5; k++)
        many[k] = "v", ml[k] = 1;
    cr_assert_eq(df_footer_ring_push(r, 1, DF_CSV_MAX_FIELDS + 5, DF_CSV_MAX_FIELDS + 5, many, ml, &out, &err), 0);
    cr_expect_eq(df_footer_ring_at(r, 0)->kept, DF_CSV_MAX_FIELDS);
    cr_expect_eq(df_footer_ring_at(r, 0)->nfields, DF_CSV_MAX_FIELDS + 5);
    df_footer_ring_free(r);
}
