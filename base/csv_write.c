/* base/csv_write.c — CSV files for spreadsheet users; see csv_write.h. */
#include "base/csv_write.h"

#include <errno.h>
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

int df_csv_out_open(df_csv_out *c, const char *path, df_error *err)
{
    memset(c, 0, sizeof *c);
    if (df_atomic_open(&c->file, path, err) != 0)
        return -1;
    c->f = fdopen(c->file.fd, "w");
    if (!c->f) {
        df_atomic_abort(&c->file);
        return df_error_errno(err, "%s: cannot open for writing", path);
    }
    setvbuf(c->f, NULL, _IOFBF, 256 * 1024);
    fputs("\xEF\xBB\xBF", c->f);
    return 0;
}

void df_csv_out_field(df_csv_out *c, const char *s, size_t len)
{
    if (c->fields++)
        fputc(',', c->f);
    df_csv_put_field(c->f, s, len);
}

void df_csv_out_str(df_csv_out *c, const char *s)
{
    df_csv_out_field(c, s ? s : "", s ? strlen(s) : 0);
}

void df_csv_out_end_row(df_csv_out *c)
{
    fputs("\r\n", c->f);
    c->fields = 0;
}

int df_csv_out_commit(df_csv_out *c, df_error *err)
{
    /* Flush the stream into the fd, then let the atomic file do the rest
     * (fsync, close, rename); the FILE is freed without closing the fd twice. */
    int bad = fflush(c->f) != 0 || ferror(c->f);
    int e = errno;
    int fd = dup(c->file.fd);
    fclose(c->f);
    c->f = NULL;
    if (fd < 0) {
        df_atomic_abort(&c->file);
        return df_error_errno(err, "%s: cannot finish the file", c->file.final_path);
    }
    c->file.fd = fd;
    if (bad) {
        errno = e;
        df_error_errno(err, "cannot write %s (disk full?)", c->file.tmp_path);
        df_atomic_abort(&c->file);
        return -1;
    }
    return df_atomic_commit(&c->file, err);
}

void df_csv_out_abort(df_csv_out *c)
{
    if (c->f) {
        int fd = dup(c->file.fd);
        fclose(c->f);
        c->f = NULL;
        c->file.fd = fd;
    }
    df_atomic_abort(&c->file);
}
