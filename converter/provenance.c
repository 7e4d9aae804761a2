/* converter/provenance.c — the chunk line blob's encoder and decoder; see provenance.h. */
#include "converter/provenance.h"

#include <stdlib.h>
#include <string.h>

static int put_varint(df_lines_enc *e, uint64_t v)
{
    if (e->len + 10 > e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 64;
        unsigned char *n = realloc(e->buf, ncap);
        if (!n)
            return -1;
        e->buf = n;
        e->cap = ncap;
    }
    do {
        unsigned char b = v & 0x7f;
        v >>= 7;
        e->buf[e->len++] = (unsigned char)(b | (v ? 0x80 : 0));
    } while (v);
    return 0;
}

static int flush_run(df_lines_enc *e)
{
    if (!e->run_count)
        return 0;
    int switched = e->run_input != e->input;
    long long base = switched ? 0 : e->prev;
    uint64_t gap = (uint64_t)(e->run_start - base - 1);
    if (put_varint(e, gap << 1 | (uint64_t)switched) != 0 || (switched && put_varint(e, (uint64_t)e->run_input)) ||
        put_varint(e, (uint64_t)e->run_count) != 0)
        return -1;
    e->input = e->run_input;
    e->prev = e->run_start + e->run_count - 1;
    e->run_count = 0;
    return 0;
}

int df_lines_enc_add(df_lines_enc *e, int input, long line, df_error *err)
{
    if (e->run_count && input == e->run_input && line == e->run_start + e->run_count) {
        e->run_count++;
        return 0;
    }
    long long last = e->run_count && input == e->run_input ? e->run_start + e->run_count - 1
                     : !e->run_count && input == e->input ? e->prev
                                                          : 0;
    if (input < 0 || line <= last)
        return df_errorf(err, "internal error: record provenance out of order (input %d, line %ld after %lld)",
                         input, line, last);
    if (flush_run(e) != 0)
        return df_errorf(err, "out of memory");
    e->run_input = input;
    e->run_start = line;
    e->run_count = 1;
    return 0;
}

int df_lines_enc_finish(df_lines_enc *e, unsigned char **blob, size_t *len, df_error *err)
{
    if (flush_run(e) != 0)
        return df_errorf(err, "out of memory");
    *blob = e->buf;
    *len = e->len;
    if (e->buf && e->len < e->cap) { /* give back the slack: thousands of chunks stay in the summary */
        unsigned char *n = realloc(e->buf, e->len);
        if (n)
            *blob = n;
    }
    memset(e, 0, sizeof *e);
    return 0;
}

void df_lines_enc_free(df_lines_enc *e)
{
    free(e->buf);
    memset(e, 0, sizeof *e);
}

void df_lines_cursor_init(df_lines_cursor *c, const unsigned char *blob, size_t len)
{
    memset(c, 0, sizeof *c);
    c->p = blob;
    c->end = blob ? blob + len : NULL;
}

static int get_varint(df_lines_cursor *c, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end)
            return -1;
        unsigned char b = *c->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

int df_lines_cursor_next(df_lines_cursor *c, int *input, long *line)
{
    if (c->left == 0) {
        if (c->p >= c->end)
            return 0;
        uint64_t head, in = (uint64_t)c->input, count;
        if (get_varint(c, &head) != 0 || ((head & 1) && get_varint(c, &in) != 0) || get_varint(c, &count) != 0 ||
            count == 0 || in > INT32_MAX || (head >> 1) > (uint64_t)INT64_MAX / 2 || count > (uint64_t)INT64_MAX / 2)
            return -1;
        if (head & 1) {
            c->input = (int)in;
            c->line = 0;
        }
        c->line += (long long)(head >> 1); /* the next ++ lands on the run's first line */
        c->left = (long long)count;
    }
    c->left--;
    c->line++;
    c->record++;
    *input = c->input;
    *line = (long)c->line;
    return 1;
}

int df_chunk_lines_decode(const unsigned char *blob, size_t len, df_line_fn fn, void *arg, df_error *err)
{
    df_lines_cursor c;
    df_lines_cursor_init(&c, blob, len);
    int input, k;
    long line;
    while ((k = df_lines_cursor_next(&c, &input, &line)) == 1)
        if (fn(arg, c.record, input, line))
            return 0;
    return k < 0 ? df_errorf(err, "the chunk's record provenance is damaged (at record %llu)",
                             (unsigned long long)c.record + 1)
                 : 0;
}
