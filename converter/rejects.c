/* converter/rejects.c — writing rejects.csv; see rejects.h. */
#include "converter/rejects.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void df_csv_put_field(FILE *f, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

int df_rejects_open(df_rejects *r, const char *path, df_error *err)
{
    memset(r, 0, sizeof *r);
    if (df_atomic_open(&r->file, path, err) != 0)
        return -1;
    r->f = fdopen(r->file.fd, "w");
    if (!r->f) {
        df_atomic_abort(&r->file);
        return df_error_errno(err, "%s: cannot open for writing", path);
    }
    setvbuf(r->f, NULL, _IOFBF, 256 * 1024);
    fputs("\xEF\xBB\xBF", r->f);
    return 0;
}

int df_rejects_header(df_rejects *r, const char *const *names, const size_t *lens, int n, df_error *err)
{
    (void)err;
    if (r->header_written)
        return 0;
    r->header_written = 1;
    fputs("file,line,reasons,message", r->f);
    for (int i = 0; i < n; i++) {
        fputc(',', r->f);
        if (names)
            df_csv_put_field(r->f, names[i], lens[i]);
        else
            fprintf(r->f, "column %d", i + 1);
    }
    fputs("\r\n", r->f);
    return 0;
}

int df_rejects_add(df_rejects *r, const char *input, const df_csv_row *row, df_decoder *dec,
                   const df_check_result *res, const char *message, df_error *err)
{
    df_csv_put_field(r->f, input, strlen(input));
    fprintf(r->f, ",%ld,", row->line);
    int first = 1;
    for (int k = 0; k < DF_R_COUNT; k++) {
        if (res->reasons & (1u << k)) {
            fprintf(r->f, "%s%s", first ? "" : " ", df_reason_code((df_reason)k));
            first = 0;
        }
    }
    fputc(',', r->f);
    df_csv_put_field(r->f, message, strlen(message));
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
        fputc(',', r->f);
        df_csv_put_field(r->f, r->scratch, l);
    }
    fputs("\r\n", r->f);
    if (ferror(r->f))
        return df_error_errno(err, "%s: cannot write (disk full?)", r->file.tmp_path);
    return 0;
}

int df_rejects_commit(df_rejects *r, df_error *err)
{
    free(r->scratch);
    r->scratch = NULL;
    if (fflush(r->f) != 0 || ferror(r->f)) {
        df_error_errno(err, "%s: cannot write (disk full?)", r->file.tmp_path);
        df_rejects_abort(r);
        return -1;
    }
    /* fclose would close the fd the atomic file still owns: commit first
     * (fsync, close, rename), then free the FILE without closing twice. */
    int fd = dup(r->file.fd);
    fclose(r->f);
    r->f = NULL;
    r->file.fd = fd;
    return df_atomic_commit(&r->file, err);
}

void df_rejects_abort(df_rejects *r)
{
    free(r->scratch);
    r->scratch = NULL;
    if (r->f) {
        int fd = dup(r->file.fd);
        fclose(r->f);
        r->f = NULL;
        r->file.fd = fd;
    }
    df_atomic_abort(&r->file);
}
