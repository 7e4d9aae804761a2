/* converter/rejects.c — writing rejects.csv; see rejects.h. */
#include "converter/rejects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int df_rejects_open(df_rejects *r, const char *path, df_error *err)
{
    return df_rejects_open_format(r, path, DF_CSV_EXCEL, err);
}

int df_rejects_open_format(df_rejects *r, const char *path, df_csv_format format, df_error *err)
{
    memset(r, 0, sizeof *r);
    return df_csv_out_open_format(&r->out, path, format, err);
}

int df_rejects_header(df_rejects *r, const char *const *names, const size_t *lens, int n, df_error *err)
{
    (void)err;
    if (r->header_written)
        return 0;
    r->header_written = 1;
    static const char *const fixed[] = {"file", "line", "reasons", "message", "suggestion"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        df_csv_out_str(&r->out, fixed[i]);
    for (int i = 0; i < n; i++) {
        char col[32];
        if (names)
            df_csv_out_field(&r->out, names[i], lens[i]);
        else {
            snprintf(col, sizeof col, "column %d", i + 1);
            df_csv_out_str(&r->out, col);
        }
    }
    df_csv_out_end_row(&r->out);
    return 0;
}

/* One encoded cell at the end of out, after a comma unless first. */
static int append_cell(df_buf *out, int first, const char *s, size_t len, df_csv_format format)
{
    if (df_buf_reserve(out, DF_CSV_CELL_MAX(len) + 1) != 0)
        return -1;
    if (!first)
        out->data[out->len++] = ',';
    out->len += df_csv_cell(out->data + out->len, s, len, format);
    return 0;
}

int df_rejects_format(df_buf *out, size_t *split, const df_csv_row *row, df_decoder *dec,
                      const df_check_result *res, const char *message, df_csv_format format, char **scratch,
                      size_t *scratch_cap)
{
    size_t at = out->len;
    char codes[DF_R_COUNT * 24];
    size_t cl = 0;
    codes[0] = 0;
    for (int k = 0; k < DF_R_COUNT; k++)
        if (res->reasons & (1u << k))
            cl += (size_t)snprintf(codes + cl, sizeof codes - cl, "%s%s", cl ? " " : "", df_reason_code((df_reason)k));
    if (append_cell(out, 1, codes, cl, format) != 0 || append_cell(out, 0, message, strlen(message), format) != 0)
        return -1;
    *split = out->len - at;
    for (int i = 0; i < row->kept; i++) {
        size_t need = row->len[i] * 3 + 16;
        if (need > *scratch_cap) {
            char *n = realloc(*scratch, need);
            if (!n)
                return -1;
            *scratch = n;
            *scratch_cap = need;
        }
        size_t l = df_decode_lossy(dec, row->field[i], row->len[i], *scratch, *scratch_cap);
        if (append_cell(out, 0, *scratch, l, format) != 0)
            return -1;
    }
    return 0;
}

int df_rejects_put(df_rejects *r, const char *input, long line, const char *text, size_t split, size_t len,
                   const char *suggestion, df_error *err)
{
    char ln[32];
    snprintf(ln, sizeof ln, "%ld", line);
    df_csv_out_str(&r->out, input);
    df_csv_out_str(&r->out, ln);
    df_csv_out_encoded(&r->out, text, split);
    df_csv_out_str(&r->out, suggestion);
    if (len > split) /* the fields, each after its comma */
        df_csv_out_encoded(&r->out, text + split + 1, len - split - 1);
    df_csv_out_end_row(&r->out);
    if (ferror(r->out.f))
        return df_error_errno(err, "%s: cannot write (disk full?)",
                              r->out.to_stdout ? "standard output" : r->out.file.tmp_path);
    return 0;
}

int df_rejects_commit(df_rejects *r, df_error *err)
{
    return df_csv_out_commit(&r->out, err);
}

void df_rejects_abort(df_rejects *r)
{
    df_csv_out_abort(&r->out);
}
