/* converter/rejects.c — writing rejects.csv; see rejects.h. */
#include "converter/rejects.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

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

int df_rejects_add(df_rejects *r, const char *input, const df_csv_row *row, df_decoder *dec,
                   const df_check_result *res, const char *message, const char *suggestion, df_error *err)
{
    char line[32], codes[DF_R_COUNT * 24] = "";
    snprintf(line, sizeof line, "%ld", row->line);
    size_t cl = 0;
    for (int k = 0; k < DF_R_COUNT; k++)
        if (res->reasons & (1u << k))
            cl += (size_t)snprintf(codes + cl, sizeof codes - cl, "%s%s", cl ? " " : "", df_reason_code((df_reason)k));
    df_csv_out_str(&r->out, input);
    df_csv_out_str(&r->out, line);
    df_csv_out_str(&r->out, codes);
    df_csv_out_str(&r->out, message);
    df_csv_out_str(&r->out, suggestion);
    for (int i = 0; i < row->kept; i++) {
        size_t need = row->len[i] * 3 + 16;
        if (need > r->scratch_cap) {
            char *n = realloc(r->scratch, need);
            if (!n)
                return df_errorf(err, "out of memory writing rejects");
            r->scratch = n;
            r->scratch_cap = need;
        }
        size_t l = df_decode_lossy(dec, row->field[i], row->len[i], r->scratch, r->scratch_cap);
        df_csv_out_field(&r->out, r->scratch, l);
    }
    df_csv_out_end_row(&r->out);
    if (ferror(r->out.f))
        return df_error_errno(err, "%s: cannot write (disk full?)", r->out.file.tmp_path);
    return 0;
}

int df_rejects_commit(df_rejects *r, df_error *err)
{
    free(r->scratch);
    r->scratch = NULL;
    return df_csv_out_commit(&r->out, err);
}

void df_rejects_abort(df_rejects *r)
{
    free(r->scratch);
    r->scratch = NULL;
    df_csv_out_abort(&r->out);
}
