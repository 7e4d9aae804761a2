/* converter/sniff.c — guessing an export's encoding and delimiter and
 * reading its first rows; see sniff.h. */
#include "converter/sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "converter/xlsx.h"
#include "mapping/encoding.h"

#define SNIFF_BYTES (1u << 20)
#define DELIM_LINES 30
#define CELL_MAX 1024

static int guess_encoding(const char *path, const char *b, size_t n, int full, df_sample *s, df_error *err)
{
    size_t bad = 0;
    if (n >= 2 && ((b[0] == '\xFF' && b[1] == '\xFE') || (b[0] == '\xFE' && b[1] == '\xFF')))
        return df_errorf(err, "%s is UTF-16 (its first bytes are a UTF-16 byte order mark): save it as UTF-8 "
                         "or GBK CSV (Excel: 另存为 \"CSV UTF-8\")", path);
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) {
        s->encoding = DF_ENC_UTF8;
        snprintf(s->encoding_why, sizeof s->encoding_why, "the file starts with a UTF-8 byte order mark");
    } else if (n >= 4 && !memcmp(b, "\x84\x31\x95\x33", 4)) {
        s->encoding = DF_ENC_GB18030;
        snprintf(s->encoding_why, sizeof s->encoding_why, "the file starts with a GB18030 byte order mark");
    } else if ((bad = df_utf8_valid_prefix(b, n)) == n || (full && n - bad < 4)) {
        s->encoding = DF_ENC_UTF8;
        int ascii = 1;
        for (size_t i = 0; i < n && ascii; i++)
            ascii = (unsigned char)b[i] < 0x80;
        snprintf(s->encoding_why, sizeof s->encoding_why, "%s", ascii ? "only ASCII in the first bytes: UTF-8 "
                 "and GBK read them alike" : "every byte read is valid UTF-8");
    } else if (df_text_valid(DF_ENC_GBK, b, n, 1, &bad)) {
        s->encoding = DF_ENC_GBK;
        snprintf(s->encoding_why, sizeof s->encoding_why, "not UTF-8 (byte %zu), but valid GBK",
                 df_utf8_valid_prefix(b, n) + 1);
    } else if (df_text_valid(DF_ENC_GB18030, b, n, 1, &bad)) {
        s->encoding = DF_ENC_GB18030;
        snprintf(s->encoding_why, sizeof s->encoding_why, "neither UTF-8 nor GBK, but valid GB18030");
    } else {
        return df_errorf(err, "%s is neither UTF-8, GBK nor GB18030 (byte %zu): export it as UTF-8 or GBK CSV",
                         path, bad + 1);
    }
    return 0;
}

/* The delimiter that splits the first lines alike (quotes respected). */
static void guess_delimiter(const char *text, size_t n, df_sample *s)
{
    static const char cands[] = {',', '\t', ';', '|'};
    static const char *const names[] = {"commas", "tabs", "semicolons", "bars"};
    int counts[4][DELIM_LINES] = {{0}}, lines = 0, quoted = 0, open_line = 0;
    for (size_t i = 0; i < n && lines < DELIM_LINES; i++) {
        char c = text[i];
        open_line = c != '\n';
        if (c == '"')
            quoted = !quoted;
        else if (c == '\n' && !quoted)
            lines++;
        else if (!quoted)
            for (int k = 0; k < 4; k++)
                counts[k][lines] += c == cands[k];
    }
    int nl = lines < DELIM_LINES && open_line ? lines + 1 : lines; /* the last line may lack its newline */
    int best = 0, best_lines = 0, best_mode = 0;
    for (int k = 0; k < 4; k++) {
        /* The most frequent non-zero count of this candidate over the lines. */
        int mode = 0, at_mode = 0;
        for (int l = 0; l < nl; l++) {
            int same = 0;
            for (int m = 0; m < nl && counts[k][l]; m++)
                same += counts[k][m] == counts[k][l];
            if (same > at_mode || (same == at_mode && counts[k][l] > mode))
                at_mode = same, mode = counts[k][l];
        }
        if (at_mode > best_lines || (at_mode == best_lines && mode > best_mode))
            best = k, best_lines = at_mode, best_mode = mode;
    }
    lines = nl;
    s->delimiter = best_mode ? cands[best] : ',';
    if (best_mode)
        snprintf(s->delimiter_why, sizeof s->delimiter_why, "%d of the first %d lines have %d %s", best_lines,
                 lines ? lines : 1, best_mode, names[best]);
    else
        snprintf(s->delimiter_why, sizeof s->delimiter_why, "no delimiter found in the first lines: one column?");
}

typedef struct reader {
    df_sample *s;
    df_decoder dec;
    int max;
    char *scratch;
} reader;

static int on_row(void *ctx, const df_csv_row *row, df_error *err)
{
    reader *r = ctx;
    df_sample *s = r->s;
    if (s->nrows >= r->max) {
        s->more = 1;
        return -1; /* enough: the read stops here */
    }
    df_sample_row *out = &s->rows[s->nrows];
    out->line = row->line;
    out->cells = calloc((size_t)row->kept + 1, sizeof *out->cells);
    if (!out->cells)
        return df_errorf(err, "out of memory");
    s->nrows++;
    for (int i = 0; i < row->kept; i++) {
        /* A sample cell is for reading headers and formats: its first bytes do. */
        size_t in = row->len[i] < CELL_MAX ? row->len[i] : CELL_MAX, cap = in * 3 + 1;
        if (!(out->cells[i] = malloc(cap)))
            return df_errorf(err, "out of memory");
        size_t l = df_decode_lossy(&r->dec, row->field[i], in, out->cells[i], cap - 1);
        out->cells[i][l] = 0;
        out->n++;
    }
    return 0;
}

int df_sniff_file(const char *path, int max_rows, df_sample *s, df_error *err)
{
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "cannot open the export %s", path);
    char *buf = malloc(SNIFF_BYTES);
    ssize_t n = buf ? read(fd, buf, SNIFF_BYTES) : -1;
    close(fd);
    if (n < 0) {
        free(buf);
        return df_error_errno(err, "cannot read the export %s", path);
    }
    if (n == 0) {
        free(buf);
        return df_errorf(err, "%s is empty: export the data again, with its header row", path);
    }
    int rc = guess_encoding(path, buf, (size_t)n, n == SNIFF_BYTES, s, err);
    reader r = {.s = s, .max = max_rows > 0 && max_rows < DF_SAMPLE_MAX_ROWS ? max_rows : DF_SAMPLE_MAX_ROWS};
    if (rc == 0 && (rc = df_decoder_open(&r.dec, s->encoding, err)) == 0) {
        size_t tl = (size_t)n < 65536 ? (size_t)n : 65536;
        char *text = malloc(tl * 3 + 1);
        if (!text)
            rc = df_errorf(err, "out of memory");
        else
            guess_delimiter(text, df_decode_lossy(&r.dec, buf, tl, text, tl * 3), s);
        free(text);
        df_csv_dialect d = {s->delimiter, '"'};
        df_error rerr;
        if (rc == 0 && df_csv_read(path, &d, on_row, &r, NULL, &rerr) != 0 && !s->more) {
            *err = rerr;
            rc = -1;
        }
        df_decoder_close(&r.dec);
    }
    free(buf);
    if (rc == 0 && s->nrows == 0)
        rc = df_errorf(err, "%s holds no rows: export the data again, with its header row", path);
    if (rc != 0)
        df_sample_free(s);
    return rc;
}

/* A workbook's first rows: its cells are already text, UTF-8. */
static int sniff_workbook(const char *path, const char *sheet, int max_rows, df_sample *s, df_error *err)
{
    memset(s, 0, sizeof *s);
    df_xlsx *x = NULL;
    df_csv_row *row = malloc(sizeof *row);
    reader r = {.s = s, .max = max_rows > 0 && max_rows < DF_SAMPLE_MAX_ROWS ? max_rows : DF_SAMPLE_MAX_ROWS};
    int rc = row ? df_decoder_open(&r.dec, DF_ENC_UTF8, err) : df_errorf(err, "out of memory"), k = 0;
    if (rc != 0) {
        free(row);
        return -1;
    }
    if ((rc = df_xlsx_open(path, sheet, &x, err)) == 0) {
        snprintf(s->sheet, sizeof s->sheet, "%s", df_xlsx_sheet_name(x));
        s->encoding = DF_ENC_UTF8;
        snprintf(s->encoding_why, sizeof s->encoding_why, "an .xlsx workbook: its cells are read as UTF-8 "
                 "whatever this says");
        s->delimiter = ',';
        snprintf(s->delimiter_why, sizeof s->delimiter_why, "an .xlsx workbook has no delimiter");
        while ((k = df_xlsx_next(x, row, err)) == 1 && (rc = on_row(&r, row, err)) == 0)
            ;
        if (k < 0 || (rc != 0 && !s->more))
            rc = -1;
        else
            rc = 0;
    }
    df_xlsx_close(x);
    df_decoder_close(&r.dec);
    free(row);
    if (rc == 0 && s->nrows == 0)
        rc = df_errorf(err, "%s: sheet %s holds no rows: export the data again, with its header row", path,
                       s->sheet);
    if (rc != 0)
        df_sample_free(s);
    return rc;
}

int df_sniff_export(const char *path, const char *sheet, int max_rows, df_sample *s, df_error *err)
{
    if (df_xlsx_is_workbook(path))
        return sniff_workbook(path, sheet, max_rows, s, err);
    if (sheet) {
        memset(s, 0, sizeof *s);
        return df_errorf(err, "%s: --sheet is for an .xlsx workbook, and this is no workbook", path);
    }
    return df_sniff_file(path, max_rows, s, err);
}
