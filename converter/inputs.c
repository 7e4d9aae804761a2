/* converter/inputs.c — what the converter learns of its inputs before any
 * worker starts: which can be cut into byte ranges, where their data rows
 * begin (after the BOM, the skipped rows and the header row, which binds
 * the input's own copy of the mapping), and the ranges; see pipeline.h. */
#include "converter/pipeline.h"

#include "converter/footer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Which inputs are split into byte ranges parsed in parallel.
 *
 * A range's rows are found from bytes alone: a row starts after an LF, a
 * CRLF or a lone CR that libcsv did not read inside a quoted field, and
 * the sequencer confirms every range start against where the range before
 * it really stopped (convert.h). Two things must hold for that to give the
 * sequential parse's rows exactly:
 *  - the input can be read at any offset: a regular file (pread). A FIFO,
 *    a terminal or a socket (stdin, mostly) cannot: those are streamed.
 *  - a row start never falls inside a character, and no decoder state
 *    crosses rows. UTF-8: LF, CR and every ASCII byte (the quote and the
 *    delimiter, which the mapping limits to one ASCII character) only
 *    ever stand for themselves; multi-byte sequences use 0x80–0xFF. GBK and
 *    GB18030: lead bytes are 0x81–0xFE and trail bytes 0x40–0xFE (GBK) or,
 *    in GB18030's four-byte form, 0x30–0x39 and 0x81–0xFE; so LF, CR, '"',
 *    ',', ';' and tab never occur inside a character, and every field is
 *    decoded on its own (iconv is reset per field, decode.c). Both are
 *    therefore split. A GBK or GB18030 dialect whose quote or delimiter is
 *    a byte that can be a trail byte (0x40–0x7E: '|', '~', letters…; for
 *    GB18030 also the digits) would make libcsv's byte-level view of a
 *    field depend on bytes inside characters: such inputs are streamed, as
 *    the sequential parser reads them, rather than trusted to ranges. */
int df_input_splittable(const df_mapping *m, int regular_file)
{
    if (!regular_file)
        return 0;
    if (m->encoding == DF_ENC_UTF8)
        return 1;
    unsigned char dq[2] = {(unsigned char)m->quote, (unsigned char)m->delimiter};
    for (int i = 0; i < 2; i++) {
        if (dq[i] >= 0x40 && dq[i] <= 0x7E)
            return 0;
        if (m->encoding == DF_ENC_GB18030 && dq[i] >= 0x30 && dq[i] <= 0x39)
            return 0;
    }
    return 1;
}

typedef struct prescan {
    df_input *in;
    df_rows *rows;
    int skip_left, need_header;
    int stop_after;        /* the header row ended: data starts after it */
    int stop_before;       /* a data row (no header): data starts before it */
    int input_error;
} prescan;

static int prescan_row(void *ctx, const df_csv_row *row, df_error *err)
{
    prescan *ps = ctx;
    if (ps->skip_left > 0) {
        ps->skip_left--;
        return 0;
    }
    if (ps->need_header) {
        ps->need_header = 0;
        ps->stop_after = 1;
        if (df_rows_header(ps->rows, ps->in, row, row->line, err) != 0) {
            ps->input_error = 1;
            return -1;
        }
        return 0;
    }
    /* No header: the first data row fixes the column count; rows before
     * it that skip_if says are not data are counted and passed. */
    int nd = df_rows_not_data(ps->rows, ps->in, row, err);
    if (nd < 0)
        return -1;
    if (nd) {
        ps->in->not_data++;
        return 0;
    }
    ps->in->ncols = row->nfields;
    ps->in->hdr_event = 2;
    ps->in->hdr_n = row->nfields < DF_CSV_MAX_FIELDS ? row->nfields : DF_CSV_MAX_FIELDS;
    ps->stop_before = 1;
    return 0;
}

static size_t bom_length(int fd)
{
    unsigned char b[4];
    ssize_t n = pread(fd, b, sizeof b, 0);
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
        return 3;
    if (n >= 4 && !memcmp(b, "\x84\x31\x95\x33", 4))
        return 4;
    return 0;
}

/* Feeds the file to the cursor piece by piece until the prescan knows
 * where data starts. */
static int prescan_feed(df_input *in, df_csv_cursor *c, prescan *ps, char *buf, size_t cap, df_error *err)
{
    uint64_t off = bom_length(in->fd), fresh = off;
    long fresh_line = 1;
    for (;;) {
        ssize_t n = pread(in->fd, buf, cap, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return df_error_errno(err, "%s: read error", in->path);
        if (n == 0) {
            if (df_csv_cursor_finish(c) != 0) {
                if (!c->failed)
                    df_csv_cursor_prefix(c, in->path, 1);
                return -1;
            }
            if (ps->need_header)
                return ps->input_error = 1,
                       df_errorf(err, "%s: no header row (the file holds only %d skipped rows)", in->path,
                                 in->mapping.skip_rows);
            in->data_start = ps->stop_before ? fresh : off;
            in->data_line = ps->stop_before ? fresh_line : c->line;
            return 0;
        }
        int eof = (size_t)n < cap;
        size_t pos = 0;
        while (pos < (size_t)n) {
            int complete;
            size_t k = df_csv_piece(buf + pos, (size_t)n - pos, eof, &complete);
            if (k == 0)
                break; /* a CR last: read again from it */
            if (df_csv_cursor_feed(c, buf + pos, k) != 0) {
                if (!c->failed)
                    df_csv_cursor_prefix(c, in->path, 1);
                return -1;
            }
            pos += k;
            if (ps->stop_before) {
                in->data_start = fresh;
                in->data_line = fresh_line;
                return 0;
            }
            if (complete && c->row_ended) {
                fresh = off + pos;
                fresh_line = c->line;
                if (ps->stop_after) {
                    in->data_start = fresh;
                    in->data_line = fresh_line;
                    return 0;
                }
            }
        }
        off += pos;
    }
}

/* skip_footer on a regular file: where the data ends, when the tail tells
 * it exactly; else the input is streamed with the last rows held back. */
static int find_footer(df_input *in, df_error *err)
{
    int exact, rows;
    uint64_t end;
    if (df_footer_find(in->fd, in->data_start, in->size, in->mapping.skip_footer, in->mapping.quote, &end, &exact,
                       &rows, err) != 0)
        return df_error_prefix(err, "%s", in->path);
    if (!exact) {
        in->footer_ring = 1;
        return 0;
    }
    in->data_end = end;
    in->not_data += (uint64_t)rows;
    return 0;
}

int df_input_prescan(df_input *in, df_rows *rows, int *input_error, df_error *err)
{
    in->fd = open(in->path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return *input_error = 1, df_error_errno(err, "%s: cannot open", in->path);
    struct stat st;
    if (fstat(in->fd, &st) != 0)
        return df_error_errno(err, "%s: cannot read the input", in->path);
    in->size = (uint64_t)st.st_size;
    df_csv_dialect d = {in->mapping.delimiter, in->mapping.quote};
    prescan ps = {.in = in, .rows = rows, .skip_left = in->mapping.skip_rows, .need_header = in->mapping.header};
    df_csv_cursor c;
    if (df_csv_cursor_init(&c, &d, prescan_row, &ps, err) != 0)
        return df_error_prefix(err, "%s", in->path);
    df_csv_cursor_pieces(&c);
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    int rc = buf ? prescan_feed(in, &c, &ps, buf, cap, err) : df_errorf(err, "%s: out of memory", in->path);
    free(buf);
    df_csv_cursor_free(&c);
    if (rc != 0) {
        *input_error = ps.input_error;
        return -1;
    }
    if (in->data_start > in->size)
        in->data_start = in->size;
    in->data_end = in->size;
    return in->mapping.skip_footer ? find_footer(in, err) : 0;
}

void df_input_range(const df_input *in, size_t range_bytes, uint32_t r, uint64_t *first, uint64_t *end)
{
    *first = in->data_start + (uint64_t)r * range_bytes;
    *end = r + 1 >= in->nranges ? in->data_end : *first + range_bytes;
}

void df_input_free(df_input *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    for (int i = 0; in->hdr_names && i < in->hdr_n; i++)
        free(in->hdr_names[i]);
    free(in->hdr_names);
    free(in->hdr_lens);
    in->hdr_names = NULL;
    in->hdr_lens = NULL;
}
