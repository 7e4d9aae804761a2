/* converter/footer.c — finding an export's footer rows from its tail, and
 * holding the last rows back while streaming; see footer.h. */
#include "converter/footer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/mapping.h"

static int pread_full(int fd, unsigned char *buf, size_t len, uint64_t at, df_error *err)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return df_error_errno(err, "cannot read the end of the export (byte %llu)",
                                  (unsigned long long)(at + got));
        if (r == 0)
            return df_errorf(err, "the export got shorter while its end was read (byte %llu): is it still being "
                             "written? Convert it once the export is complete", (unsigned long long)(at + got));
        got += (size_t)r;
    }
    return 0;
}

int df_footer_find(int fd, uint64_t data_start, uint64_t size, int n, char quote, uint64_t *data_end, int *exact,
                   int *footer_rows, df_error *err)
{
    if (data_start > size)
        return df_errorf(err, "the data starts at byte %llu, after the end of the export (%llu bytes)",
                         (unsigned long long)data_start, (unsigned long long)size);
    *exact = 1;
    *data_end = size;
    if (footer_rows)
        *footer_rows = 0;
    if (n <= 0)
        return 0;
    unsigned char *buf = malloc(DF_FOOTER_BLOCK);
    if (!buf)
        return df_errorf(err, "out of memory");
    uint64_t pos = size;
    int rows = 0, in_row = 0, rc = 0;
    while (pos > data_start) {
        size_t len = pos - data_start < DF_FOOTER_BLOCK ? (size_t)(pos - data_start) : DF_FOOTER_BLOCK;
        uint64_t at = pos - len;
        if ((rc = pread_full(fd, buf, len, at, err)) != 0)
            goto out;
        for (size_t i = len; i-- > 0;) {
            unsigned char c = buf[i];
            if (c == '\n' || c == '\r') {
                /* A break after row bytes: a row begins just past it. */
                if (in_row && ++rows == n) {
                    *data_end = at + i + 1;
                    goto found;
                }
                in_row = 0;
            } else if (c == (unsigned char)quote) {
                /* A line break before here may be inside a quoted field. */
                *exact = 0;
                *data_end = size;
                goto out;
            } else {
                in_row = 1;
            }
        }
        pos = at;
    }
    *data_end = data_start; /* the n-th last row begins at data_start, or there are fewer than n */
    rows += in_row;
found:
    if (footer_rows)
        *footer_rows = rows;
out:
    free(buf);
    return rc;
}

typedef struct ring_slot {
    df_csv_row row;
    char *arena;
    size_t cap;
} ring_slot;

struct df_footer_ring {
    int n;
    int held;           /* rows held, ≤ n */
    int head;           /* slot of the oldest */
    size_t total;       /* arena bytes of all slots */
    ring_slot *slot;    /* n + 1: the row that fell out stays intact until the next push */
};

df_footer_ring *df_footer_ring_new(int n, df_error *err)
{
    if (n < 1 || n > DF_MAX_SKIP_FOOTER) {
        df_errorf(err, "skip_footer holds back 1 to %d rows, not %d", DF_MAX_SKIP_FOOTER, n);
        return NULL;
    }
    df_footer_ring *r = calloc(1, sizeof *r);
    if (r)
        r->slot = calloc((size_t)n + 1, sizeof *r->slot);
    if (!r || !r->slot) {
        free(r);
        df_errorf(err, "out of memory");
        return NULL;
    }
    r->n = n;
    return r;
}

void df_footer_ring_free(df_footer_ring *r)
{
    if (!r)
        return;
    for (int i = 0; i <= r->n; i++)
        free(r->slot[i].arena);
    free(r->slot);
    free(r);
}

/* Grows s's arena to hold need bytes, within the ring's bound. */
static int reserve(df_footer_ring *r, ring_slot *s, size_t need, long line, df_error *err)
{
    if (need <= s->cap)
        return 0;
    if (need > DF_CSV_MAX_ROW)
        return df_errorf(err, "line %ld: the row is larger than %u MiB; is a quote left open?", line,
                         DF_CSV_MAX_ROW >> 20);
    size_t cap = s->cap ? s->cap : 256;
    while (cap < need)
        cap *= 2;
    if (r->total - s->cap + cap > DF_FOOTER_RING_MAX_BYTES)
        return df_errorf(err, "line %ld: the last %d rows, held back for skip_footer, take more than %u MiB: "
                         "lower skip_footer, or drop the footer from the export", line, r->n,
                         DF_FOOTER_RING_MAX_BYTES >> 20);
    char *a = realloc(s->arena, cap);
    if (!a)
        return df_errorf(err, "out of memory");
    r->total = r->total - s->cap + cap;
    s->arena = a;
    s->cap = cap;
    return 0;
}

int df_footer_ring_push(df_footer_ring *r, long line, int nfields, int kept, const char *const *fields,
                        const size_t *lens, const df_csv_row **out, df_error *err)
{
    *out = NULL;
    if (kept > DF_CSV_MAX_FIELDS)
        kept = DF_CSV_MAX_FIELDS;
    if (kept < 0)
        kept = 0;
    ring_slot *s = &r->slot[(r->head + r->held) % (r->n + 1)];
    size_t need = 1;
    for (int i = 0; i < kept; i++)
        need += lens[i] + 1;
    if (reserve(r, s, need, line, err) != 0)
        return -1;
    size_t at = 0;
    for (int i = 0; i < kept; i++) {
        if (lens[i])
            memcpy(s->arena + at, fields[i], lens[i]);
        s->arena[at + lens[i]] = 0;
        s->row.field[i] = s->arena + at;
        s->row.len[i] = lens[i];
        at += lens[i] + 1;
    }
    s->row.line = line;
    s->row.nfields = nfields;
    s->row.kept = kept;
    if (r->held < r->n) {
        r->held++;
        return 0;
    }
    *out = &r->slot[r->head].row;
    r->head = (r->head + 1) % (r->n + 1);
    return 0;
}

int df_footer_ring_count(const df_footer_ring *r) { return r->held; }

const df_csv_row *df_footer_ring_at(const df_footer_ring *r, int i)
{
    if (i < 0 || i >= r->held)
        return NULL;
    return &r->slot[(r->head + i) % (r->n + 1)].row;
}
