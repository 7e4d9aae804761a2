/* tests/fuzz/fuzz_footer.c — libFuzzer harness: arbitrary bytes as an
 * export with skip_footer. The first byte picks n (1..16) and the quote;
 * the rest is the file. Every row the reader delivers goes through a
 * df_footer_ring of n; when df_footer_find says its answer is exact, the
 * rows from its data_end to the end of the file, read alone, must be the
 * rows left in the ring, field for field. */
#include "tests/fuzz/fuzz_common.h"

#include "converter/csv_reader.h"
#include "converter/footer.h"

typedef struct fz_rows {
    df_footer_ring *ring;
    int rows;
    const df_footer_ring *check; /* the tail pass compares with this ring */
    int bad;
} fz_rows;

static int into_ring(void *ctx, const df_csv_row *row, df_error *err)
{
    fz_rows *r = ctx;
    const df_csv_row *out;
    r->rows++;
    return df_footer_ring_push(r->ring, row->line, row->nfields, row->kept, row->field, row->len, &out, err);
}

static int against_ring(void *ctx, const df_csv_row *row, df_error *err)
{
    (void)err;
    fz_rows *r = ctx;
    const df_csv_row *h = df_footer_ring_at(r->check, r->rows++);
    if (!h || h->kept != row->kept)
        r->bad = 1;
    for (int i = 0; h && !r->bad && i < row->kept; i++)
        r->bad = h->len[i] != row->len[i] || memcmp(h->field[i], row->field[i], row->len[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int n = 1 + (data[0] & 15);
    char quote = data[0] & 16 ? '\'' : '"';
    fz_file f;
    if (fz_file_open(&f, data + 1, size - 1) != 0)
        return 0;
    df_error err = {{0}};
    uint64_t end, start = 0;
    int exact;
    /* The data starts after a byte order mark, as the reader has it. */
    if (size - 1 >= 3 && !memcmp(data + 1, "\xEF\xBB\xBF", 3))
        start = 3;
    else if (size - 1 >= 4 && !memcmp(data + 1, "\x84\x31\x95\x33", 4))
        start = 4;
    if (df_footer_find(f.fd, start, size - 1, n, quote, &end, &exact, NULL, &err) != 0 || end > size - 1 ||
        end < start || (!exact && end != size - 1)) {
        fprintf(stderr, "df_footer_find: %s (end %llu)\n", err.msg, (unsigned long long)end);
        abort();
    }
    fz_rows r = {.ring = df_footer_ring_new(n, &err)};
    if (!r.ring)
        abort();
    df_csv_dialect d = {',', quote};
    if (df_csv_read(f.path, &d, into_ring, &r, NULL, &err) == 0 && exact) {
        /* The reader and the finder agree on where the footer starts. The
         * tail read alone goes after a blank line (no row), so that bytes
         * at its start are not taken for a byte order mark. */
        fz_file tail;
        uint8_t *t_bytes = malloc(size - end);
        if (!t_bytes)
            abort();
        t_bytes[0] = '\n';
        memcpy(t_bytes + 1, data + 1 + end, size - 1 - end);
        if (fz_file_open(&tail, t_bytes, size - end) == 0) {
            fz_rows t = {.check = r.ring};
            if (df_csv_read(tail.path, &d, against_ring, &t, NULL, &err) != 0 || t.bad ||
                t.rows != df_footer_ring_count(r.ring) || t.rows != (r.rows < n ? r.rows : n)) {
                fprintf(stderr, "exact footer at %llu: %d tail rows, ring %d of %d rows, bad %d: %s\n",
                        (unsigned long long)end, t.rows, df_footer_ring_count(r.ring), r.rows, t.bad, err.msg);
                abort();
            }
            fz_file_close(&tail);
        }
        free(t_bytes);
    }
    df_footer_ring_free(r.ring);
    fz_file_close(&f);
    return 0;
}
