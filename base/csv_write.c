/* base/csv_write.c — CSV files for spreadsheet users; see csv_write.h. */
#include "base/csv_write.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* One field, quoted when it must be, after an optional prefix character
 * that is part of the value (inside the quotes). */
static void put_field(FILE *f, char prefix, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (quote)
        fputc('"', f);
    if (prefix)
        fputc(prefix, f);
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

void df_csv_put_field(FILE *f, const char *s, size_t len)
{
    put_field(f, 0, s, len);
}

int df_csv_format_parse(const char *name, df_csv_format *out)
{
    if (name && !strcmp(name, "excel"))
        *out = DF_CSV_EXCEL;
    else if (name && !strcmp(name, "raw"))
        *out = DF_CSV_RAW;
    else
        return -1;
    return 0;
}

/* A plain number after a sign: digits with at most one '.', some digit. */
static int plain_number(const char *s, size_t len)
{
    int digits = 0, dots = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && !dots++)
            continue;
        else
            return 0;
    }
    return digits > 0;
}

/* Excel would run the cell as a formula (or DDE) when it starts so. */
static int formula_like(const char *s, size_t len)
{
    if (len == 0 || !s[0] || !strchr("=+-@\t\r", s[0]))
        return 0;
    return !((s[0] == '+' || s[0] == '-') && plain_number(s + 1, len - 1));
}

/* Excel would read the cell as a number and damage it: 12 digits or more
 * (shown as 8.69E+13, digits after the 15th lost) or a leading zero. */
static int damaged_as_number(const char *s, size_t len)
{
    if (len < 2)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return len >= 12 || s[0] == '0';
}

void df_csv_put_excel_field(FILE *f, const char *s, size_t len)
{
    if (formula_like(s, len)) {
        put_field(f, '\'', s, len);
    } else if (damaged_as_number(s, len)) {
        fputs("\"=\"\"", f);
        fwrite(s, 1, len, f);
        fputs("\"\"\"", f);
    } else {
        put_field(f, 0, s, len);
    }
}

int df_csv_out_open(df_csv_out *c, const char *path, df_error *err)
{
    return df_csv_out_open_format(c, path, DF_CSV_EXCEL, err);
}

int df_csv_out_open_format(df_csv_out *c, const char *path, df_csv_format format, df_error *err)
{
    memset(c, 0, sizeof *c);
    c->format = format;
    c->file.fd = -1;
    if (!strcmp(path, "-")) {
        c->f = stdout;
        c->to_stdout = 1;
        return 0;
    }
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
    if (c->format == DF_CSV_RAW)
        df_csv_put_field(c->f, s, len);
    else
        df_csv_put_excel_field(c->f, s, len);
}

void df_csv_out_verbatim(df_csv_out *c, const char *s, size_t len)
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
    if (c->to_stdout) {
        c->f = NULL;
        if (fflush(stdout) != 0 || ferror(stdout))
            return df_error_errno(err, "cannot write the rows to standard output");
        return 0;
    }
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
    if (c->to_stdout) {
        if (c->f)
            fflush(stdout);
        c->f = NULL;
        return;
    }
    if (c->f) {
        int fd = dup(c->file.fd);
        fclose(c->f);
        c->f = NULL;
        c->file.fd = fd;
    }
    df_atomic_abort(&c->file);
}
