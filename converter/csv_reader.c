/* converter/csv_reader.c — libcsv with line tracking and bounded buffers; see csv_reader.h. */
#include "converter/csv_reader.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/encoding.h"

typedef struct reader_state {
    df_csv_row row;
    char *rowbuf;          /* fields of the current row, back to back */
    size_t rowlen, rowcap;
    long line;             /* physical line being parsed (row terminators seen + 1) */
    long row_start;        /* line the current row started on, 0 = no row yet */
    int last_term_cr;      /* the previous row ended with CR: a following LF is its tail */
    int failed;
    int too_big;
    df_csv_row_fn fn;
    void *ctx;
    df_error *err;
    const char *path;
} reader_state;

static int no_space(unsigned char c) { (void)c; return 0; }

/* libcsv grows its field buffer with this; refusing past the cap turns a
 * runaway field (unterminated quote) into an error instead of eating memory. */
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
    reader_state *st = vctx;
    if (st->failed)
        return;
    const char *s = data ? data : "";
    if (st->row_start == 0)
        st->row_start = st->line;
    st->last_term_cr = 0;
    /* Newlines inside a quoted field move the physical line on. */
    if (len && memchr(s, '\n', len))
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
            df_errorf(st->err, "%s:%ld: out of memory", st->path, st->row_start);
            return;
        }
        /* Fields already kept point into the old buffer: rebase them. */
        for (int i = 0; i < r->kept; i++)
            r->field[i] = nb + (r->field[i] - st->rowbuf);
        st->rowbuf = nb;
        st->rowcap = ncap;
    }
    memcpy(st->rowbuf + st->rowlen, s, len);
    st->rowbuf[st->rowlen + len] = 0;
    r->field[r->kept] = st->rowbuf + st->rowlen;
    r->len[r->kept] = len;
    r->kept++;
    st->rowlen += len + 1;
}

static void on_row(int term, void *vctx)
{
    reader_state *st = vctx;
    if (st->failed)
        return;
    df_csv_row *r = &st->row;
    int blank = r->nfields == 0;
    if (blank && term == '\n' && st->last_term_cr) {
        /* The LF of a CRLF: the CR already ended the row and the line. */
        st->last_term_cr = 0;
        return;
    }
    if (!blank) {
        if (st->too_big) {
            st->failed = 1;
            df_errorf(st->err, "%s:%ld: the row is larger than %u MiB; is a quote left open?", st->path,
                      st->row_start, DF_CSV_MAX_ROW >> 20);
            return;
        }
        r->line = st->row_start;
        if (st->fn(st->ctx, r, st->err) != 0) {
            st->failed = 1;
            return;
        }
    }
    st->last_term_cr = term == '\r';
    if (term == '\r' || term == '\n')
        st->line++;
    st->row_start = 0;
    r->nfields = r->kept = 0;
    st->rowlen = 0;
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
    struct csv_parser p;
    if (csv_init(&p, CSV_REPALL_NL) != 0) {
        close(fd);
        return df_errorf(err, "%s: out of memory", path);
    }
    csv_set_space_func(&p, no_space);
    csv_set_delim(&p, (unsigned char)d->delimiter);
    csv_set_quote(&p, (unsigned char)d->quote);
    csv_set_realloc_func(&p, bounded_realloc);
    csv_set_blk_size(&p, 4096);
    reader_state st = {.line = 1, .fn = fn, .ctx = ctx, .err = err, .path = path};
    st.rowcap = 64 * 1024;
    st.rowbuf = malloc(st.rowcap);
    char *buf = malloc(DF_CSV_READ_BUF);
    int rc = 0;
    if (!st.rowbuf || !buf) {
        rc = df_errorf(err, "%s: out of memory", path);
        goto out;
    }
    realloc_refused = 0;
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
        if (csv_parse(&p, data, dlen, on_field, on_row, &st) != dlen) {
            if (realloc_refused)
                rc = df_errorf(err, "%s:%ld: a field is longer than %u MiB; is a quote left open?", path,
                               st.row_start ? st.row_start : st.line, DF_CSV_MAX_FIELD >> 20);
            else
                rc = df_errorf(err, "%s:%ld: CSV error: %s", path, st.line, csv_strerror(csv_error(&p)));
            goto out;
        }
        if (st.failed) {
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
    /* A quote still open at the end of the file is an error, not a last
     * field that silently swallowed every row after it. libcsv checks that
     * in csv_fini only in strict mode, which is set here and not for the
     * parse: strict parsing would refuse stray quotes inside fields. */
    csv_set_opts(&p, (unsigned char)(csv_get_opts(&p) | CSV_STRICT | CSV_STRICT_FINI));
    if (csv_fini(&p, on_field, on_row, &st) != 0 && !st.failed) {
        if (csv_error(&p) == CSV_EPARSE)
            rc = df_errorf(err, "%s:%ld: a quoted field starting on this row is never closed (a stray quote?)",
                           path, st.row_start ? st.row_start : st.line);
        else
            rc = df_errorf(err, "%s:%ld: CSV error at end of file: %s", path, st.line,
                           csv_strerror(csv_error(&p)));
        goto out;
    }
    if (st.failed)
        rc = -1;
out:
    csv_free(&p);
    free(buf);
    free(st.rowbuf);
    close(fd);
    return rc;
}
