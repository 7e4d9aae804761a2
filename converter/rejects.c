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

int df_csv_append_field(df_buf *b, const char *s, size_t len)
{
    int quote = 0;
    size_t quotes = 0;
    for (size_t i = 0; i < len; i++) {
        quote |= s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
        quotes += s[i] == '"';
    }
    if (!quote)
        return df_buf_append(b, s, len);
    size_t need = b->len + len + quotes + 3;
    if (need > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *nd = realloc(b->data, ncap);
        if (!nd)
            return -1;
        b->data = nd;
        b->cap = ncap;
    }
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = 0;
    return 0;
}

int df_rejects_format(df_buf *out, const df_csv_row *row, df_decoder *dec, const df_check_result *res,
                      const char *message, char **scratch, size_t *scratch_cap)
{
    int first = 1;
    for (int k = 0; k < DF_R_COUNT; k++) {
        if (!(res->reasons & (1u << k)))
            continue;
        const char *code = df_reason_code((df_reason)k);
        if ((!first && df_buf_append(out, " ", 1) != 0) || df_buf_append(out, code, strlen(code)) != 0)
            return -1;
        first = 0;
    }
    if (df_buf_append(out, ",", 1) != 0 || df_csv_append_field(out, message, strlen(message)) != 0)
        return -1;
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
        if (df_buf_append(out, ",", 1) != 0 || df_csv_append_field(out, *scratch, l) != 0)
            return -1;
    }
    return df_buf_append(out, "\r\n", 2);
}

int df_rejects_put(df_rejects *r, const char *input, long line, const char *text, size_t len, df_error *err)
{
    df_csv_put_field(r->f, input, strlen(input));
    fprintf(r->f, ",%ld,", line);
    fwrite(text, 1, len, r->f);
    if (ferror(r->f))
        return df_error_errno(err, "%s: cannot write (disk full?)", r->file.tmp_path);
    return 0;
}

int df_rejects_commit(df_rejects *r, df_error *err)
{
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
    if (r->f) {
        int fd = dup(r->file.fd);
        fclose(r->f);
        r->f = NULL;
        r->file.fd = fd;
    }
    df_atomic_abort(&r->file);
}
