/* tests/unit/test_csv_reader.c — converter/csv_reader.c: quoting, newlines
 * inside and between rows, physical line numbers, BOMs, blank lines, big
 * fields, runaway quotes, other dialects. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "converter/csv_reader.h"

#define CR_MAX_ROWS 64
#define CR_MAX_FIELDS 8

/* Rows as read: copies of the first CR_MAX_FIELDS fields of each row. */
typedef struct cr_rows {
    int n;
    long line[CR_MAX_ROWS];
    int nfields[CR_MAX_ROWS];
    char *field[CR_MAX_ROWS][CR_MAX_FIELDS];
    size_t len[CR_MAX_ROWS][CR_MAX_FIELDS];
    int stop_after; /* callback fails after this many rows (0: never) */
} cr_rows;

static char cr_dir[64];
static cr_rows cr_got;

static void cr_setup(void)
{
    strcpy(cr_dir, "/tmp/df-csv-XXXXXX");
    cr_assert_not_null(mkdtemp(cr_dir));
    memset(&cr_got, 0, sizeof cr_got);
}

static void cr_teardown(void)
{
    for (int r = 0; r < cr_got.n && r < CR_MAX_ROWS; r++)
        for (int f = 0; f < CR_MAX_FIELDS; f++)
            free(cr_got.field[r][f]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cr_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cr_dir);
}

TestSuite(csv_reader, .init = cr_setup, .fini = cr_teardown);

static int cr_collect(void *ctx, const df_csv_row *row, df_error *err)
{
    cr_rows *g = ctx;
    if (g->stop_after && g->n >= g->stop_after)
        return df_errorf(err, "stop at line %ld", row->line);
    if (g->n < CR_MAX_ROWS) {
        g->line[g->n] = row->line;
        g->nfields[g->n] = row->nfields;
        for (int f = 0; f < row->kept && f < CR_MAX_FIELDS; f++) {
            g->field[g->n][f] = malloc(row->len[f] + 1);
            memcpy(g->field[g->n][f], row->field[f], row->len[f]);
            g->field[g->n][f][row->len[f]] = 0;
            g->len[g->n][f] = row->len[f];
        }
    }
    g->n++;
    return 0;
}

static const char *cr_write(const char *name, const void *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", cr_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

/* Reads text with the dialect; returns df_csv_read's result. */
static int cr_read_dialect(const char *text, size_t len, char delim, char quote, df_error *err)
{
    const char *path = cr_write("in.csv", text, len);
    df_csv_dialect d = {delim, quote};
    uint64_t done = 0;
    int rc = df_csv_read(path, &d, cr_collect, &cr_got, &done, err);
    if (rc == 0)
        cr_expect_eq(done, len, "bytes_done counts the whole file");
    return rc;
}

static void cr_read_ok(const char *text)
{
    df_error err;
    int rc = cr_read_dialect(text, strlen(text), ',', '"', &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
}

static void cr_expect_row(int r, long line, int nfields, const char *const *fields)
{
    cr_assert_lt(r, cr_got.n, "row %d missing (%d rows read)", r, cr_got.n);
    cr_expect_eq(cr_got.line[r], line, "row %d: line %ld, want %ld", r, cr_got.line[r], line);
    cr_expect_eq(cr_got.nfields[r], nfields, "row %d: %d fields, want %d", r, cr_got.nfields[r], nfields);
    for (int f = 0; f < nfields && f < CR_MAX_FIELDS; f++)
        cr_expect(cr_got.field[r][f] && strcmp(cr_got.field[r][f], fields[f]) == 0,
                  "row %d field %d: '%s', want '%s'", r, f, cr_got.field[r][f] ? cr_got.field[r][f] : "(null)",
                  fields[f]);
}

#define CR_ROW(r, line, ...)                                                                                       \
    do {                                                                                                           \
        const char *const cr_f_[] = {__VA_ARGS__};                                                                 \
        cr_expect_row((r), (line), (int)(sizeof cr_f_ / sizeof *cr_f_), cr_f_);                                    \
    } while (0)

/* ---- quoting ---------------------------------------------------------- */

Test(csv_reader, plain_rows_lf)
{
    cr_read_ok("a,b,c\n1,2,3\n");
    cr_expect_eq(cr_got.n, 2);
    CR_ROW(0, 1, "a", "b", "c");
    CR_ROW(1, 2, "1", "2", "3");
}

Test(csv_reader, plain_rows_crlf)
{
    cr_read_ok("a,b,c\r\n1,2,3\r\n4,5,6\r\n");
    cr_expect_eq(cr_got.n, 3);
    CR_ROW(0, 1, "a", "b", "c");
    CR_ROW(1, 2, "1", "2", "3");
    CR_ROW(2, 3, "4", "5", "6");
}

Test(csv_reader, mixed_line_ends_count_lines)
{
    /* CRLF, LF and a bare CR each end one line. */
    cr_read_ok("a,b\r\n1,2\n3,4\r5,6\r\n\r\n7,8\n");
    cr_expect_eq(cr_got.n, 5);
    CR_ROW(1, 2, "1", "2");
    CR_ROW(2, 3, "3", "4");
    CR_ROW(3, 4, "5", "6");
    CR_ROW(4, 6, "7", "8");
}

Test(csv_reader, last_row_without_newline)
{
    cr_read_ok("a,b\r\n1,2");
    cr_expect_eq(cr_got.n, 2);
    CR_ROW(1, 2, "1", "2");
}

Test(csv_reader, quoted_last_field_without_newline)
{
    cr_read_ok("a,b\r\n\"1\",\"2 \"\"x\"\"\"");
    cr_expect_eq(cr_got.n, 2);
    CR_ROW(1, 2, "1", "2 \"x\"");
}

Test(csv_reader, stray_quote_inside_an_unquoted_field_is_data)
{
    /* Only a quote at the start of a field opens a quoted field. */
    cr_read_ok("12\" tablet,5\nnext,6\n");
    cr_expect_eq(cr_got.n, 2);
    CR_ROW(0, 1, "12\" tablet", "5");
    CR_ROW(1, 2, "next", "6");
}

Test(csv_reader, empty_fields)
{
    cr_read_ok(",,\n\"\",x,\n");
    CR_ROW(0, 1, "", "", "");
    CR_ROW(1, 2, "", "x", "");
}

Test(csv_reader, quotes_and_doubled_quotes)
{
    cr_read_ok("\"a\",\"b \"\"c\"\" d\",\"\"\"\"\n");
    CR_ROW(0, 1, "a", "b \"c\" d", "\"");
}

Test(csv_reader, spaces_are_kept)
{
    /* Trimming is the mapping's job, not the reader's. */
    cr_read_ok(" a , b \n");
    CR_ROW(0, 1, " a ", " b ");
}

Test(csv_reader, delimiters_inside_quotes)
{
    cr_read_ok("\"1,200\",\"a,b,c\",x\n");
    CR_ROW(0, 1, "1,200", "a,b,c", "x");
}

Test(csv_reader, newlines_inside_quotes_and_line_numbers_after)
{
    cr_read_ok("h1,h2\n"              /* line 1 */
               "\"two\nlines\",x\n"   /* lines 2-3 */
               "next,y\n"             /* line 4 */
               "\"three\r\nline\r\nfield\",z\r\n" /* lines 5-7, CRLF inside */
               "last,w\r\n");         /* line 8 */
    cr_expect_eq(cr_got.n, 5);
    CR_ROW(0, 1, "h1", "h2");
    CR_ROW(1, 2, "two\nlines", "x");
    CR_ROW(2, 4, "next", "y");
    CR_ROW(3, 5, "three\r\nline\r\nfield", "z");
    CR_ROW(4, 8, "last", "w");
}

Test(csv_reader, newline_in_a_later_field_of_the_row)
{
    cr_read_ok("a,\"b\nc\",\"d\n\ne\"\n"  /* lines 1-4 */
               "f,g,h\n");              /* line 5 */
    CR_ROW(0, 1, "a", "b\nc", "d\n\ne");
    CR_ROW(1, 5, "f", "g", "h");
}

/* ---- blank lines and BOMs --------------------------------------------- */

Test(csv_reader, blank_lines_are_skipped_and_counted)
{
    cr_read_ok("a,b\n\n1,2\n\n\n3,4\n\n");
    cr_expect_eq(cr_got.n, 3);
    CR_ROW(0, 1, "a", "b");
    CR_ROW(1, 3, "1", "2");
    CR_ROW(2, 6, "3", "4");
}

Test(csv_reader, blank_crlf_lines_are_skipped_and_counted)
{
    cr_read_ok("a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n");
    cr_expect_eq(cr_got.n, 3);
    CR_ROW(1, 3, "1", "2");
    CR_ROW(2, 6, "3", "4");
}

Test(csv_reader, utf8_bom_is_stripped)
{
    cr_read_ok("\xEF\xBB\xBF单据编号,数量\r\nXS1,5\r\n");
    CR_ROW(0, 1, "单据编号", "数量");
    CR_ROW(1, 2, "XS1", "5");
}

Test(csv_reader, bom_before_a_quoted_first_field)
{
    /* Excel and many ERPs write a BOM and quote every field. */
    cr_read_ok("\xEF\xBB\xBF\"单据编号\",\"数量\"\r\n\"XS1\",\"1,200\"\r\n");
    cr_expect_eq(cr_got.n, 2);
    CR_ROW(0, 1, "单据编号", "数量");
    CR_ROW(1, 2, "XS1", "1,200");
}

Test(csv_reader, bom_split_across_pipe_reads)
{
    /* From a pipe the first read may return one byte of the BOM. */
    char path[128];
    snprintf(path, sizeof path, "%s/fifo", cr_dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(path, "wb");
        if (!f)
            _exit(1);
        fputs("\xEF", f);
        fflush(f);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        fputs("\xBB\xBF\"a\",b\n1,2\n", f);
        fclose(f);
        _exit(0);
    }
    df_csv_dialect d = {',', '"'};
    df_error err;
    int rc = df_csv_read(path, &d, cr_collect, &cr_got, NULL, &err);
    int status;
    waitpid(pid, &status, 0);
    cr_assert_eq(rc, 0, "%s", err.msg);
    CR_ROW(0, 1, "a", "b");
    CR_ROW(1, 2, "1", "2");
}

Test(csv_reader, gb18030_bom_is_stripped)
{
    cr_read_ok("\x84\x31\x95\x33" "a,b\n1,2\n");
    CR_ROW(0, 1, "a", "b");
}

Test(csv_reader, bom_only_at_the_start)
{
    /* A BOM later in the file is data (the rules reject it, if anywhere). */
    cr_read_ok("a,b\n\xEF\xBB\xBFx,y\n");
    CR_ROW(1, 2, "\xEF\xBB\xBFx", "y");
}

/* ---- dialects --------------------------------------------------------- */

Test(csv_reader, semicolon_delimiter)
{
    df_error err;
    const char *t = "a;\"b;c\";d,e\n1;2;3\n";
    cr_assert_eq(cr_read_dialect(t, strlen(t), ';', '"', &err), 0, "%s", err.msg);
    CR_ROW(0, 1, "a", "b;c", "d,e");
    CR_ROW(1, 2, "1", "2", "3");
}

Test(csv_reader, tab_delimiter)
{
    df_error err;
    const char *t = "a\tb c\t\"d\te\"\n";
    cr_assert_eq(cr_read_dialect(t, strlen(t), '\t', '"', &err), 0, "%s", err.msg);
    CR_ROW(0, 1, "a", "b c", "d\te");
}

Test(csv_reader, single_quote_char)
{
    df_error err;
    const char *t = "'a,b','it''s',\"x\"\n";
    cr_assert_eq(cr_read_dialect(t, strlen(t), ',', '\'', &err), 0, "%s", err.msg);
    CR_ROW(0, 1, "a,b", "it's", "\"x\"");
}

Test(csv_reader, pipe_delimiter_with_newline_in_quotes)
{
    df_error err;
    const char *t = "a|'b\nc'\nd|e\n";
    cr_assert_eq(cr_read_dialect(t, strlen(t), '|', '\'', &err), 0, "%s", err.msg);
    CR_ROW(0, 1, "a", "b\nc");
    CR_ROW(1, 3, "d", "e");
}

/* ---- sizes and failures ----------------------------------------------- */

Test(csv_reader, one_mib_field)
{
    size_t big = 1u << 20;
    size_t len = big + 64;
    char *t = malloc(len);
    size_t o = 0;
    o += (size_t)sprintf(t + o, "h,\"");
    for (size_t i = 0; i < big; i++)
        t[o++] = (char)('a' + i % 26);
    o += (size_t)sprintf(t + o, "\",t\nnext,x,y\n");
    df_error err;
    int rc = cr_read_dialect(t, o, ',', '"', &err);
    free(t);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(cr_got.n, 2);
    cr_expect_eq(cr_got.len[0][1], big);
    cr_expect_eq(cr_got.field[0][1][0], 'a');
    cr_expect_eq(cr_got.field[0][1][big - 1], (char)('a' + (big - 1) % 26));
    CR_ROW(1, 2, "next", "x", "y");
}

Test(csv_reader, runaway_quote_beyond_the_field_cap)
{
    /* An unterminated quote on line 3 swallows the rest of a big file. */
    size_t body = DF_CSV_MAX_FIELD + (1u << 20);
    char *t = malloc(body + 128);
    size_t o = (size_t)sprintf(t, "h1,h2\nok,1\nbad,\"oops\n");
    for (size_t i = 0; i < body; i++)
        t[o++] = (i % 80 == 79) ? '\n' : 'x';
    df_error err = {{0}};
    int rc = cr_read_dialect(t, o, ',', '"', &err);
    free(t);
    cr_expect_neq(rc, 0, "a runaway field is an error");
    cr_expect(strstr(err.msg, "in.csv:3:") != NULL, "names the file and the line the quote opened: %s", err.msg);
    cr_expect(strstr(err.msg, "quote") != NULL, "%s", err.msg);
}

Test(csv_reader, unterminated_quote_at_end_of_file)
{
    /* A stray opening quote must not silently swallow the rows after it. */
    df_error err = {{0}};
    const char *t = "h1,h2\nok,1\nbad,\"oops\nlost,2\nlost,3\n";
    int rc = cr_read_dialect(t, strlen(t), ',', '"', &err);
    cr_expect_neq(rc, 0, "rows after an unterminated quote were swallowed into one field");
    cr_expect(strstr(err.msg, "in.csv:3") != NULL, "names the line the quote opened: %s", err.msg);
}

Test(csv_reader, many_fields_are_counted_beyond_those_kept)
{
    size_t n = DF_CSV_MAX_FIELDS + 10;
    char *t = malloc(n * 2 + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        t[o++] = 'x';
        t[o++] = i + 1 < n ? ',' : '\n';
    }
    df_error err;
    int rc = cr_read_dialect(t, o, ',', '"', &err);
    free(t);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_expect_eq(cr_got.nfields[0], (int)n);
}

Test(csv_reader, callback_error_stops_the_read)
{
    df_error err = {{0}};
    cr_got.stop_after = 2;
    const char *t = "a\nb\nc\nd\n";
    cr_expect_neq(cr_read_dialect(t, strlen(t), ',', '"', &err), 0);
    cr_expect_eq(cr_got.n, 2);
    cr_expect(strstr(err.msg, "stop at line 3") != NULL, "%s", err.msg);
}

Test(csv_reader, missing_file)
{
    df_error err = {{0}};
    df_csv_dialect d = {',', '"'};
    cr_expect_neq(df_csv_read("/nonexistent/x.csv", &d, cr_collect, &cr_got, NULL, &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/x.csv") != NULL, "%s", err.msg);
}

Test(csv_reader, empty_file_has_no_rows)
{
    cr_read_ok("");
    cr_expect_eq(cr_got.n, 0);
}
