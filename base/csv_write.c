/* base/csv_write.c — CSV files for spreadsheet users; see csv_write.h. */
#include "base/csv_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One field, quoted when it must be, after an optional prefix character
 * that is part of the value (inside the quotes), at out. */
static size_t put_field(char *out, char prefix, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    char *o = out;
    if (quote)
        *o++ = '"';
    if (prefix)
        *o++ = prefix;
    if (!quote) {
        memcpy(o, s, len);
        return (size_t)(o - out) + len;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    return (size_t)(o - out);
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

size_t df_csv_cell(char *out, const char *s, size_t len, df_csv_format format)
{
    if (format == DF_CSV_RAW)
        return put_field(out, 0, s, len);
    if (formula_like(s, len))
        return put_field(out, '\'', s, len);
    if (damaged_as_number(s, len)) {
        memcpy(out, "\"=\"\"", 4);
        memcpy(out + 4, s, len);
        memcpy(out + 4 + len, "\"\"\"", 3);
        return len + 7;
    }
    return put_field(out, 0, s, len);
}

/* A cell to f, through a stack buffer when it is small. -1 out of memory. */
static int put_cell(FILE *f, const char *s, size_t len, df_csv_format format)
{
    char stack[1024];
    size_t need = DF_CSV_CELL_MAX(len);
    char *buf = need <= sizeof stack ? stack : malloc(need);
    if (!buf)
        return -1;
    fwrite(buf, 1, df_csv_cell(buf, s, len, format), f);
    if (buf != stack)
        free(buf);
    return 0;
}

int df_csv_put_field(FILE *f, const char *s, size_t len)
{
    return put_cell(f, s, len, DF_CSV_RAW);
}

int df_csv_put_excel_field(FILE *f, const char *s, size_t len)
{
    return put_cell(f, s, len, DF_CSV_EXCEL);
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
    if (put_cell(c->f, s, len, c->format) != 0)
        c->oom = 1;
}

void df_csv_out_verbatim(df_csv_out *c, const char *s, size_t len)
{
    if (c->fields++)
        fputc(',', c->f);
    if (put_cell(c->f, s, len, DF_CSV_RAW) != 0)
        c->oom = 1;
}

void df_csv_out_str(df_csv_out *c, const char *s)
{
    df_csv_out_field(c, s ? s : "", s ? strlen(s) : 0);
}

void df_csv_out_encoded(df_csv_out *c, const char *cells, size_t len)
{
    if (c->fields++)
        fputc(',', c->f);
    fwrite(cells, 1, len, c->f);
}

void df_csv_out_end_row(df_csv_out *c)
{
    fputs("\r\n", c->f);
    c->fields = 0;
}

int df_csv_out_commit(df_csv_out *c, df_error *err)
{
    if (c->oom) {
        df_csv_out_abort(c);
        return df_errorf(err, "out of memory writing %s", c->to_stdout ? "to standard output" : c->file.final_path);
    }
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
