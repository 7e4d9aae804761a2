/* converter/lines.c — records' origins as varint deltas; see lines.h. */
#include "converter/lines.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "converter/convert.h"

void df_lines_enc_init(df_lines_enc *e)
{
    memset(e, 0, sizeof *e);
}

static void put_varint(df_lines_enc *e, uint64_t v)
{
    if (e->failed)
        return;
    if (e->len + 10 > e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 64;
        unsigned char *n = realloc(e->buf, ncap);
        if (!n) {
            e->failed = 1;
            return;
        }
        e->buf = n;
        e->cap = ncap;
    }
    do {
        unsigned char b = v & 0x7f;
        v >>= 7;
        e->buf[e->len++] = (unsigned char)(b | (v ? 0x80 : 0));
    } while (v);
}

static void flush_run(df_lines_enc *e)
{
    if (e->run) {
        put_varint(e, e->run * 2 + 1);
        e->run = 0;
    }
}

void df_lines_enc_add(df_lines_enc *e, int input, long line)
{
    if (input == e->input && line == e->line + 1) {
        e->run++;
    } else if (input == e->input && line > e->line) {
        flush_run(e);
        put_varint(e, (uint64_t)(line - e->line) * 2);
    } else {
        flush_run(e);
        put_varint(e, 0);
        put_varint(e, (uint64_t)input);
        put_varint(e, (uint64_t)line);
    }
    e->input = input;
    e->line = line;
}

void df_lines_enc_finish(df_lines_enc *e, unsigned char **blob, size_t *len)
{
    flush_run(e);
    if (e->failed) {
        free(e->buf);
        *blob = NULL;
        *len = 0;
    } else {
        *blob = e->buf;
        *len = e->len;
    }
    df_lines_enc_init(e);
}

void df_lines_enc_free(df_lines_enc *e)
{
    free(e->buf);
    df_lines_enc_init(e);
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        unsigned char b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

long df_chunk_lines_decode(const unsigned char *lines, size_t len, df_record_origin *out, size_t cap)
{
    const unsigned char *p = lines, *end = lines + len;
    uint64_t n = 0, v, a, b;
    int input = 0;
    long line = 0;
    while (p < end) {
        if (get_varint(&p, end, &v) != 0)
            return -1;
        uint64_t count = 1, step = 0;
        if (v == 0) {
            if (get_varint(&p, end, &a) != 0 || get_varint(&p, end, &b) != 0 || a > INT32_MAX ||
                b > (uint64_t)LONG_MAX)
                return -1;
            input = (int)a;
            line = (long)b;
        } else if (v & 1) {
            count = v >> 1;
            step = 1;
            if (count > (uint64_t)(LONG_MAX - line))
                return -1;
        } else {
            if ((v >> 1) > (uint64_t)(LONG_MAX - line))
                return -1;
            line += (long)(v >> 1);
        }
        if (count > (uint64_t)LONG_MAX - n)
            return -1;
        for (uint64_t k = 0; out && k < count && n + k < cap; k++) {
            out[n + k].input = input;
            out[n + k].line = line + (long)((k + 1) * step);
        }
        line += (long)(count * step);
        n += count;
    }
    return (long)n;
}
