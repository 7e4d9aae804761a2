/* converter/csv_reader.c — libcsv with line tracking and bounded buffers; see csv_reader.h. */
#include "converter/csv_reader.h"

#include "converter/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/encoding.h"

static int no_space(unsigned char c) { (void)c; return 0; }

/* libcsv grows its field buffer with this; refusing past the cap turns a
 * runaway field (unterminated quote) into an error instead of eating memory.
 * Per thread: every converter thread runs its own parser. */
static __thread int realloc_refused;
static void *bounded_realloc(void *p, size_t n)
{
    if (n > DF_CSV_MAX_FIELD + 4096) {
        realloc_refused = 1;
        return NULL;
    }
    return realloc(p, n);
}

static long count_newlines(const char *s, size_t n)
{
    long c = 0;
    const char *e = s + n;
    while ((s = memchr(s, '\n', (size_t)(e - s)))) {
        c++;
        s++;
    }
    return c;
}

static void on_field(void *data, size_t len, void *vctx)
{
    df_csv_cursor *st = vctx;
    if (st->failed)
        return;
    const char *s = data ? data : "";
    if (st->row_start == 0)
        st->row_start = st->pieces ? st->fresh_line : st->line;
    st->last_term_cr = 0;
    /* Newlines inside a quoted field move the physical line on (pieces:
     * counted when the piece ends). */
    if (!st->pieces && len && memchr(s, '\n', len))
        st->line += count_newlines(s, len);
    df_csv_row *r = &st->row;
    r->nfields++;
    if (r->kept >= DF_CSV_MAX_FIELDS)
        return;
    if (st->rowlen + len + 1 > st->rowcap) {
        if (st->rowlen + len + 1 > DF_CSV_MAX_ROW) {
            st->too_big = 1;
            return;
        }
        size_t ncap = st->rowcap * 2;
        while (ncap < st->rowlen + len + 1)
            ncap *= 2;
        if (ncap > DF_CSV_MAX_ROW)
            ncap = DF_CSV_MAX_ROW;
        char *nb = realloc(st->rowbuf, ncap);
        if (!nb) {
            st->failed = 1;
            df_errorf(st->err, "out of memory");
            st->err_line = st->row_start;
            st->failed = 2; /* a CSV-level error: prefixed with file and line */
            return;
        }
        /* Fields already kept point into the old buffer: rebase them. */
        for (int i = 0; i < r->kept; i++)
            r->field[i] = nb + (r->field[i] - st->rowbuf);
        st->rowbuf = nb;
        st->rowcap = ncap;
    }
    df_copy_bytes(st->rowbuf + st->rowlen, s, len);
    st->rowbuf[st->rowlen + len] = 0;
    r->field[r->kept] = st->rowbuf + st->rowlen;
    r->len[r->kept] = len;
    r->kept++;
    st->rowlen += len + 1;
}

static void on_row(int term, void *vctx)
{
    df_csv_cursor *st = vctx;
    if (st->failed)
        return;
    df_csv_row *r = &st->row;
    int blank = r->nfields == 0;
    st->row_ended = 1;
    if (blank && term == '\n' && st->last_term_cr) {
        /* The LF of a CRLF: the CR already ended the row and the line. */
        st->last_term_cr = 0;
        return;
    }
    if (!blank) {
        if (st->too_big) {
            df_errorf(st->err, "the row is larger than %u MiB; is a quote left open?", DF_CSV_MAX_ROW >> 20);
            st->err_line = st->row_start;
            st->failed = 2;
            return;
        }
        r->line = st->row_start;
        if (st->fn(st->ctx, r, st->err) != 0) {
            st->failed = 1;
            return;
        }
    }
    st->last_term_cr = term == '\r';
    if (!st->pieces && (term == '\r' || term == '\n'))
        st->line++;
    st->row_start = 0;
    r->nfields = r->kept = 0;
    st->rowlen = 0;
}

int df_csv_cursor_init(df_csv_cursor *c, const df_csv_dialect *d, df_csv_row_fn fn, void *ctx, df_error *err)
{
    memset(c, 0, sizeof *c);
    c->line = c->fresh_line = 1;
    c->fn = fn;
    c->ctx = ctx;
    c->err = err;
    if (csv_init(&c->parser, CSV_REPALL_NL) != 0)
        return df_errorf(err, "out of memory");
    csv_set_space_func(&c->parser, no_space);
    csv_set_delim(&c->parser, (unsigned char)d->delimiter);
    csv_set_quote(&c->parser, (unsigned char)d->quote);
    csv_set_realloc_func(&c->parser, bounded_realloc);
    csv_set_blk_size(&c->parser, 4096);
    c->inited = 1;
    c->rowcap = 64 * 1024;
    c->rowbuf = malloc(c->rowcap);
    if (!c->rowbuf) {
        df_csv_cursor_free(c);
        return df_errorf(err, "out of memory");
    }
    realloc_refused = 0;
    return 0;
}

void df_csv_cursor_free(df_csv_cursor *c)
{
    if (c->inited)
        csv_free(&c->parser);
    c->inited = 0;
    free(c->rowbuf);
    c->rowbuf = NULL;
}

/* failed == 1: the callback's own error; 2: a CSV error to prefix. */
static int cursor_status(df_csv_cursor *c)
{
    if (!c->failed)
        return 0;
    if (c->failed == 2)
        c->failed = 0;
    return -1;
}

void df_csv_cursor_pieces(df_csv_cursor *c)
{
    c->pieces = 1;
}

/* The line a row not yet begun (or begun on no field) starts on. */
static long open_row_line(const df_csv_cursor *c)
{
    return c->row_start ? c->row_start : c->pieces ? c->fresh_line : c->line;
}

int df_csv_cursor_feed(df_csv_cursor *c, const char *data, size_t len)
{
    c->row_ended = 0;
    if (csv_parse(&c->parser, data, len, on_field, on_row, c) != len) {
        if (c->failed == 1)
            return -1;
        if (realloc_refused) {
            df_errorf(c->err, "a field is longer than %u MiB; is a quote left open?", DF_CSV_MAX_FIELD >> 20);
            c->err_line = open_row_line(c);
        } else {
            df_errorf(c->err, "CSV error: %s", csv_strerror(csv_error(&c->parser)));
            c->err_line = c->pieces ? open_row_line(c) : c->line;
        }
        return -1;
    }
    if (c->pieces && len) {
        /* A piece ends a physical line with its LF, or with a CR that
         * ended a row; a CR inside quotes is not a line end. */
        char last = data[len - 1];
        if (last == '\n' || (last == '\r' && c->row_ended))
            c->line++;
        if (c->row_ended)
            c->fresh_line = c->line;
    }
    return cursor_status(c);
}

int df_csv_cursor_finish(df_csv_cursor *c)
{
    /* A quote still open at the end of the file is an error, not a last
     * field that silently swallowed every row after it. libcsv checks that
     * in csv_fini only in strict mode, which is set here and not for the
     * parse: strict parsing would refuse stray quotes inside fields. */
    c->row_ended = 0;
    csv_set_opts(&c->parser, (unsigned char)(csv_get_opts(&c->parser) | CSV_STRICT | CSV_STRICT_FINI));
    if (csv_fini(&c->parser, on_field, on_row, c) != 0 && !c->failed) {
        if (csv_error(&c->parser) == CSV_EPARSE) {
            df_errorf(c->err, "a quoted field starting on this row is never closed (a stray quote?)");
            c->err_line = open_row_line(c);
        } else {
            df_errorf(c->err, "CSV error at end of file: %s", csv_strerror(csv_error(&c->parser)));
            c->err_line = c->line;
        }
        return -1;
    }
    return cursor_status(c);
}

void df_csv_cursor_prefix(const df_csv_cursor *c, const char *path, long first_line)
{
    df_error_prefix(c->err, "%s:%ld", path, first_line + c->err_line - 1);
}

size_t df_csv_piece(const char *data, size_t n, int at_eof, int *complete)
{
    const char *lf = memchr(data, '\n', n);
    size_t upto = lf ? (size_t)(lf - data) : n;
    const char *cr = upto ? memchr(data, '\r', upto) : NULL;
    *complete = 0;
    if (cr && cr + 1 < data + upto) {
        *complete = 1; /* a lone CR ends the row: the byte after it is not LF */
        return (size_t)(cr - data) + 1;
    }
    if (lf) {
        *complete = 1; /* LF, or CRLF when cr is just before it */
        return upto + 1;
    }
    if (cr) { /* the last byte is a CR: its LF may come in the next read */
        if (at_eof) {
            *complete = 1;
            return n;
        }
        return n - 1;
    }
    return n;
}

size_t df_csv_piece_lf(const char *data, size_t n, int *complete)
{
    const char *lf = memchr(data, '\n', n);
    *complete = lf != NULL;
    return lf ? (size_t)(lf - data) + 1 : n;
}

int df_csv_read(const char *path, const df_csv_dialect *d, df_csv_row_fn fn, void *ctx,
                uint64_t *bytes_done, df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "%s: cannot open", path);
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    df_csv_cursor c;
    if (df_csv_cursor_init(&c, d, fn, ctx, err) != 0) {
        close(fd);
        return df_error_prefix(err, "%s", path);
    }
    char *buf = malloc(DF_CSV_READ_BUF);
    int rc = 0;
    if (!buf) {
        rc = df_errorf(err, "%s: out of memory", path);
        goto out;
    }
    ssize_t n;
    int first = 1;
    for (;;) {
        n = read(fd, buf, DF_CSV_READ_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        const char *data = buf;
        size_t dlen = (size_t)n;
        if (first) {
            /* A BOM goes before libcsv sees it: left in, it would make a
             * quoted first field ("\xEF\xBB\xBF\"Name\"") unquoted text. A
             * short first read (a pipe) is topped up so as not to split it. */
            first = 0;
            while (n < 4) {
                ssize_t m = read(fd, buf + n, DF_CSV_READ_BUF - (size_t)n);
                if (m < 0 && errno == EINTR)
                    continue;
                if (m < 0) {
                    rc = df_error_errno(err, "%s: read error", path);
                    goto out;
                }
                if (m == 0)
                    break;
                n += m;
            }
            dlen = (size_t)n;
            if (df_refuse_unicode_bom(path, buf, dlen, err) != 0) {
                rc = -1;
                goto out;
            }
            if (dlen >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
                data += 3;
                dlen -= 3;
            } else if (dlen >= 4 && !memcmp(buf, "\x84\x31\x95\x33", 4)) {
                data += 4;
                dlen -= 4;
            }
        }
        if (df_csv_cursor_feed(&c, data, dlen) != 0) {
            if (!c.failed)
                df_csv_cursor_prefix(&c, path, 1);
            rc = -1;
            goto out;
        }
        if (bytes_done)
            __atomic_add_fetch(bytes_done, (uint64_t)n, __ATOMIC_RELAXED);
    }
    if (n < 0) {
        rc = df_error_errno(err, "%s: read error", path);
        goto out;
    }
    if (df_csv_cursor_finish(&c) != 0) {
        if (!c.failed)
            df_csv_cursor_prefix(&c, path, 1);
        rc = -1;
    }
out:
    df_csv_cursor_free(&c);
    free(buf);
    close(fd);
    return rc;
}
