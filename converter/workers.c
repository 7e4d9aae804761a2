/* converter/workers.c — the worker threads and the committer thread of the
 * conversion pipeline (convert.h, pipeline.h).
 *
 * A worker takes items from its inbox in order: range tasks (parse a byte
 * range into a block, guessing its first row start unless told it), the
 * stream task of an input that cannot be split (fed by a parser thread,
 * parse_stage.h), and slices of the chunks it owns (write, digest, sign).
 * The committer fsyncs and renames finished chunks and records them. */
#include "converter/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/digest.h"
#include "converter/footer.h"
#include "converter/parse_stage.h"
#include "converter/xlsx.h"

double df_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void df_pipeline_fail(df_pipeline *p, const df_error *e)
{
    pthread_mutex_lock(&p->mu);
    int first = !atomic_load(&p->failed);
    if (first) {
        p->first_err = *e;
        atomic_store(&p->failed, 1);
    }
    pthread_mutex_unlock(&p->mu);
    df_msg m = {.kind = DF_MSG_WAKE, .worker = -1, .block = NULL};
    if (first && p->seq_q.items) /* wakes the sequencer; never waits: the queue has room for it */
        df_queue_push(&p->seq_q, &m);
}

static void send_msg(df_pipeline *p, int kind, int worker, df_block *b)
{
    df_msg m = {.kind = kind, .worker = worker, .block = b};
    df_queue_push(&p->seq_q, &m);
}

void df_block_reset(df_block *b)
{
    b->start = b->end = 0;
    b->lines = b->abs_base = 0;
    b->stream = b->cut = b->eof = 0;
    b->failed = b->input_error = b->err_has_line = 0;
    b->err_line = 0;
    b->err.msg[0] = 0;
    b->rows = b->accepted = b->rejected = b->skipped = 0;
    memset(b->by_reason, 0, sizeof b->by_reason);
    b->xml_len = b->nrec = 0;
    b->rej.len = 0;
    atomic_store(&b->refs, 0);
}

/* ---- ranges ---------------------------------------------------------- */

static void handle_slice(df_worker *wk, df_slice *sl);

/* While a range is parsed, chunk slices are written as they come, so that
 * their blocks go back to the pool soon; tasks that arrive meanwhile wait
 * in the worker's own list, in order. */
static void poll_slices(df_worker *wk)
{
    df_inbox_item it;
    while (wk->nstash < DF_STASH && df_queue_try_pop(&wk->inbox, &it) == 1) {
        if (it.kind == DF_IN_SLICE)
            handle_slice(wk, &it.u.slice);
        else
            wk->stash[(wk->stash_head + wk->nstash++) % DF_STASH] = it;
    }
}

typedef struct range_ctx {
    df_worker *wk;
    const df_input *in;
    df_block *b;
    int full;
} range_ctx;

static int range_row(void *ctx, const df_csv_row *row, df_error *err)
{
    range_ctx *rc = ctx;
    if (rc->full)
        return 0;
    int r = df_rows_process(&rc->wk->rows, rc->in, row, (uint32_t)row->line, rc->b, err);
    if (r < 0)
        return -1;
    rc->full = r == DF_ROW_FULL;
    return 0;
}

/* Reads want bytes (at most the buffer) of the input from off into the
 * worker's buffer; *eof when the input ended there. */
static ssize_t read_at(df_worker *wk, const df_input *in, uint64_t off, size_t want, int *eof, df_error *err)
{
    double t0 = wk->p->timing ? df_now() : 0;
    ssize_t n;
    if (want > wk->rbuf_cap)
        want = wk->rbuf_cap;
    do
        n = pread(in->fd, wk->rbuf, want, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return df_error_errno(err, "%s: read error", in->path);
    *eof = (size_t)n < want;
    wk->st.bytes_read += (uint64_t)n;
    if (wk->p->timing)
        wk->st.read_s += df_now() - t0;
    return n;
}

/* What to read at off for a range ending at end: the rest of the range and
 * a little beyond it for the row that crosses its end, or more of that
 * row. */
static size_t want_at(uint64_t off, uint64_t end)
{
    return off < end ? (size_t)(end - off) + 4096 : 64 * 1024;
}

/* The first row start the guess allows at or after first: the byte after
 * the first LF, CRLF or lone CR from first - 1 on, if not past end. The
 * bytes read stay in the buffer for parse_range: *buf_off, *buf_len. */
static int guess_start(df_worker *wk, const df_input *in, uint64_t first, uint64_t end, uint64_t *start,
                       uint64_t *buf_off, size_t *buf_len, df_error *err)
{
    uint64_t off = first - 1;
    for (;;) {
        int eof;
        ssize_t n = read_at(wk, in, off, want_at(off, end), &eof, err);
        if (n < 0)
            return -1;
        *buf_off = off;
        *buf_len = (size_t)n;
        size_t pos = 0;
        while (pos < (size_t)n) {
            int complete;
            size_t k = df_csv_piece(wk->rbuf + pos, (size_t)n - pos, eof, &complete);
            if (k == 0)
                break;
            pos += k;
            if (complete) {
                *start = off + pos;
                return 0;
            }
        }
        off += pos;
        if (n == 0 || off > end) {
            *start = UINT64_MAX; /* no row starts in the range */
            return 0;
        }
    }
}

/* Parses from b->start (a row start, or taken to be one) until the first
 * row start at or after end, the end of the input, or a full block. The
 * buffer may hold input bytes already: [buf_off, buf_off + buf_len). */
static int parse_range(df_worker *wk, const df_input *in, df_block *b, uint64_t end, uint64_t buf_off,
                       size_t buf_len, df_error *err)
{
    range_ctx rc = {.wk = wk, .in = in, .b = b};
    df_csv_dialect d = {in->mapping.delimiter, in->mapping.quote};
    df_csv_cursor c;
    if (df_csv_cursor_init(&c, &d, range_row, &rc, err) != 0)
        return -1;
    df_csv_cursor_pieces(&c);
    uint64_t off = b->start, fresh = b->start;
    long fresh_line = 1;
    int rc_ = 0, done = off >= end;
    unsigned pieces = 0;
    while (!done && !atomic_load(&wk->p->failed)) {
        int eof = 0;
        ssize_t n;
        const char *data;
        if (off > buf_off && off < buf_off + buf_len) { /* from the guess's read */
            data = wk->rbuf + (off - buf_off);
            n = (ssize_t)(buf_off + buf_len - off);
            buf_len = 0;
        } else {
            data = wk->rbuf;
            n = read_at(wk, in, off, want_at(off, end), &eof, err);
        }
        if (n < 0) {
            rc_ = -1;
            break;
        }
        if (n == 0) {
            if (df_csv_cursor_finish(&c) != 0) {
                rc_ = -1;
                break;
            }
            if (rc.full)
                break;
            fresh = off;
            fresh_line = c.line;
            b->eof = 1;
            break;
        }
        size_t pos = 0;
        int no_cr = !memchr(data, '\r', (size_t)n); /* then a piece is a line: one memchr */
        while (pos < (size_t)n) {
            int complete;
            size_t k = no_cr ? df_csv_piece_lf(data + pos, (size_t)n - pos, &complete)
                             : df_csv_piece(data + pos, (size_t)n - pos, eof, &complete);
            if (k == 0)
                break;
            if (df_csv_cursor_feed(&c, data + pos, k) != 0) {
                rc_ = -1;
                break;
            }
            pos += k;
            if (rc.full)
                break;
            if ((++pieces & 63) == 0)
                poll_slices(wk);
            if (complete && c.row_ended) {
                fresh = off + pos;
                fresh_line = c.line;
                if (fresh >= end) {
                    done = 1;
                    break;
                }
            }
        }
        if (rc_ != 0 || rc.full)
            break;
        off += pos;
    }
    if (rc_ != 0) {
        b->failed = 1;
        b->err = *err;
        b->err_has_line = !c.failed;
        b->err_line = c.err_line;
    }
    b->cut = rc.full;
    b->end = fresh;
    b->lines = fresh_line - 1;
    df_csv_cursor_free(&c);
    return 0;
}

static void run_range(df_worker *wk, const df_task *t)
{
    df_pipeline *p = wk->p;
    const df_input *in = &p->inputs[t->input];
    df_block *b = t->block;
    df_error err;
    double t0 = p->timing ? df_now() : 0, rows0 = wk->rows.rows_s;
    double other0 = wk->st.read_s + wk->st.write_s + wk->st.sign_s + wk->st.worker_commit_wait_s;
    df_block_reset(b);
    b->input = t->input;
    b->range = t->range;
    b->part = t->part;
    b->gen = t->gen;
    b->start = t->start;
    uint64_t buf_off = 0;
    size_t buf_len = 0;
    if (!t->exact && guess_start(wk, in, t->start, t->end, &b->start, &buf_off, &buf_len, &err) != 0) {
        b->failed = 1;
        b->err = err;
    } else if (b->start == UINT64_MAX) {
        b->end = UINT64_MAX;
    } else if (parse_range(wk, in, b, t->end, buf_off, buf_len, &err) != 0) {
        b->failed = 1; /* no parser: the range cannot be read at all */
        b->err = err;
    }
    if (p->timing) /* parse: the range's time but for reading, rows and the slices written meanwhile */
        wk->st.parse_s += df_now() - t0 - (wk->rows.rows_s - rows0) -
                          (wk->st.read_s + wk->st.write_s + wk->st.sign_s + wk->st.worker_commit_wait_s - other0);
    send_msg(p, DF_MSG_DONE, wk->index, b);
}

/* ---- chunks ---------------------------------------------------------- */

static int store_result(df_pipeline *p, int seq, df_chunk_result *r, df_error *err)
{
    pthread_mutex_lock(&p->mu);
    df_convert_summary *s = p->s;
    if ((size_t)seq > p->results_cap) {
        size_t ncap = p->results_cap ? p->results_cap : 64;
        while (ncap < (size_t)seq)
            ncap *= 2;
        df_chunk_result *n = realloc(s->chunks, ncap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&p->mu);
            free(r->lines);
            r->lines = NULL;
            return df_errorf(err, "out of memory");
        }
        memset(n + p->results_cap, 0, (ncap - p->results_cap) * sizeof *n);
        s->chunks = n;
        p->results_cap = ncap;
    }
    s->chunks[seq - 1] = *r;
    if ((size_t)seq > s->nchunks)
        s->nchunks = (size_t)seq;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* The reference signer rewrote the file: its size and digest are new. */
static int signed_file_facts(const char *path, int digest, df_chunk_result *r, df_error *err)
{
    snprintf(r->path, sizeof r->path, "%s", path);
    long long size;
    if (df_sha256_file(path, r->file_sha256, &size, err) != 0)
        return df_error_prefix(err, "after signing");
    r->bytes = (uint64_t)size;
    r->has_file_sha256 = digest;
    return 0;
}

/* The last slice: trailer, signature, and the file to the committer (or,
 * with the reference signer, committed and signed here). */
static int finish_chunk(df_worker *wk, df_slice *sl, const char *path, df_error *err)
{
    df_pipeline *p = wk->p;
    const df_convert_options *o = p->o;
    df_commit cm;
    memset(&cm.res, 0, sizeof cm.res);
    cm.seq = sl->seq;
    wk->open = 0;
    double t0 = p->timing ? df_now() : 0;
    if (o->sign_file) {
        if (df_chunk_finish(&wk->w, NULL, NULL, &cm.res, err) != 0)
            return -1;
        int rc = o->sign_file(o->sign_file_ctx, wk->unsigned_path, path, cm.res.c14n_digest, err);
        unlink(wk->unsigned_path);
        if (rc != 0 || signed_file_facts(path, o->file_digests, &cm.res, err) != 0)
            return -1;
        if (p->timing)
            wk->st.sign_s += df_now() - t0;
        cm.res.lines = sl->lines;
        cm.res.lines_len = sl->lines_len;
        sl->lines = NULL;
        if (store_result(p, sl->seq, &cm.res, err) != 0)
            return -1;
        if (o->on_chunk)
            o->on_chunk(o->on_chunk_ctx, sl->seq, &cm.res);
        return 0;
    }
    if (df_chunk_finish_uncommitted(&wk->w, o->sign, o->sign_ctx, &cm.res, &cm.file, err) != 0)
        return -1;
    double t1 = p->timing ? df_now() : 0;
    if (p->timing)
        wk->st.sign_s += t1 - t0;
    cm.res.lines = sl->lines;
    cm.res.lines_len = sl->lines_len;
    sl->lines = NULL;
    if (df_queue_push(&p->commit_q, &cm) != 0) {
        df_atomic_abort(&cm.file);
        free(cm.res.lines);
        return df_errorf(err, "stopped: the committer has gone");
    }
    if (p->timing)
        wk->st.worker_commit_wait_s += df_now() - t1;
    return 0;
}

static int write_slice(df_worker *wk, df_slice *sl, df_error *err)
{
    df_pipeline *p = wk->p;
    const df_convert_options *o = p->o;
    char path[DF_PATH_MAX];
    df_chunk_path(path, sizeof path, o->out_dir, o->meta.batch_id, sl->seq);
    if (sl->first) {
        const char *target = path;
        if (o->sign_file) {
            snprintf(wk->unsigned_path, sizeof wk->unsigned_path, "%s/.%s_%05d.unsigned.xml", o->out_dir,
                     o->meta.batch_id, sl->seq);
            target = wk->unsigned_path;
        }
        int digests = (o->sign ? DF_CHUNK_C14N_DIGEST : 0) |
                      (o->file_digests && !o->sign_file ? DF_CHUNK_FILE_DIGEST : 0);
        if (df_chunk_open(&wk->w, o->profile, &o->meta, sl->seq, target, digests, err) != 0)
            return -1;
        wk->open = 1;
    }
    if (!wk->open)
        return df_errorf(err, "internal error: chunk %d was not opened", sl->seq);
    double t0 = p->timing ? df_now() : 0;
    if (sl->len && df_chunk_write_records(&wk->w, sl->block->xml + sl->off, sl->len, sl->nrec, err) != 0)
        return -1;
    if (p->timing)
        wk->st.write_s += df_now() - t0;
    return sl->last ? finish_chunk(wk, sl, path, err) : 0;
}

static void handle_slice(df_worker *wk, df_slice *sl)
{
    df_pipeline *p = wk->p;
    if (!atomic_load(&p->failed) && sl->seq != wk->broken_seq) {
        df_error err;
        if (write_slice(wk, sl, &err) != 0) {
            df_pipeline_fail(p, &err);
            wk->broken_seq = sl->seq;
            if (wk->open) {
                df_chunk_abort(&wk->w);
                wk->open = 0;
            }
        }
        wk->st.slices++;
    }
    free(sl->lines);
    sl->lines = NULL;
    if (sl->block && atomic_fetch_sub(&sl->block->refs, 1) == 1)
        send_msg(p, DF_MSG_FREED, wk->index, sl->block);
}

/* ---- the stream fallback ---------------------------------------------- */

/* Waits for the block the sequencer grants, writing slices meanwhile
 * (a task, which the sequencer does not send while a stream runs, would
 * wait its turn). */
static df_block *wait_grant(df_worker *wk)
{
    double t0 = wk->p->timing ? df_now() : 0;
    df_block *got = NULL;
    df_inbox_item it;
    while (!got && df_queue_pop(&wk->inbox, &it) == 1) {
        if (it.kind == DF_IN_GRANT)
            got = it.u.grant;
        else if (it.kind == DF_IN_SLICE)
            handle_slice(wk, &it.u.slice);
        else if (wk->nstash < DF_STASH)
            wk->stash[(wk->stash_head + wk->nstash++) % DF_STASH] = it;
    }
    if (wk->p->timing)
        wk->st.stream_block_wait_s += df_now() - t0;
    return got;
}

/* Where a stream's rows come from: the parser thread over a CSV file or
 * pipe (parse_stage.h), or a workbook's sheet (xlsx.h). */
typedef struct stream_source {
    df_parse_stage *ps;
    df_xlsx *x;
} stream_source;

static int source_open(stream_source *src, df_pipeline *p, const df_input *in, df_error *err)
{
    memset(src, 0, sizeof *src);
    if (in->xlsx)
        return df_xlsx_open(in->path, in->mapping.sheet[0] ? in->mapping.sheet : NULL, &src->x, err);
    df_csv_dialect d = {in->mapping.delimiter, in->mapping.quote};
    return df_parse_stage_start(&src->ps, &in->path, 1, &d, &p->bytes_done, err);
}

/* DF_PARSE_ROW, DF_PARSE_END or -1 with err. */
static int source_next(stream_source *src, df_pipeline *p, df_csv_row *row, df_error *err)
{
    if (!src->x) {
        int fi;
        return df_parse_stage_next(src->ps, row, &fi, err);
    }
    int r = df_xlsx_next(src->x, row, err);
    __atomic_store_n(&p->bytes_done, df_xlsx_bytes_done(src->x), __ATOMIC_RELAXED);
    return r < 0 ? -1 : r ? DF_PARSE_ROW : DF_PARSE_END;
}

static void source_close(stream_source *src)
{
    df_parse_stage_free(src->ps);
    df_xlsx_close(src->x);
}

typedef struct stream_state {
    df_worker *wk;
    df_input *in;
    df_block *b;
    int skip_left, need_header;
    df_footer_ring *ring;       /* skip_footer: the last rows, held back */
    const df_csv_row *pending;  /* the data row a full block refused */
} stream_state;

/* One data row into the block; 1 when the block was full (the row is
 * ss->pending, for the next block), 2 at --limit, 0 on, -1 failed (the
 * block says why). */
static int stream_data(stream_state *ss, const df_csv_row *row)
{
    df_block *b = ss->b;
    df_input *in = ss->in;
    if (in->ncols == 0) { /* no header: the first data row fixes the column count */
        int nd = df_rows_not_data(&ss->wk->rows, in, row, &b->err);
        if (nd != 0) {
            b->skipped += nd > 0;
            return nd > 0 ? 0 : (b->failed = 1, -1);
        }
        in->ncols = row->nfields;
        in->hdr_event = 2;
        in->hdr_n = row->nfields < DF_CSV_MAX_FIELDS ? row->nfields : DF_CSV_MAX_FIELDS;
    }
    const df_convert_options *o = ss->wk->p->o;
    if (o->limit && atomic_fetch_add(&ss->wk->p->limit_rows, 1) >= o->limit) {
        atomic_store(&ss->wk->p->limited, 1); /* a row past the limit: input is left */
        return 2;
    }
    if (b->rows == 0)
        b->abs_base = row->line;
    int r = df_rows_process(&ss->wk->rows, in, row, (uint32_t)(row->line - b->abs_base + 1), b, &b->err);
    if (r < 0)
        return b->failed = 1, -1;
    if (r == DF_ROW_FULL && o->limit)
        atomic_fetch_sub(&ss->wk->p->limit_rows, 1); /* offered again in the next block */
    ss->pending = r == DF_ROW_FULL ? row : NULL;
    return r == DF_ROW_FULL;
}

/* One row of the stream: skipped rows, the header, then data, through the
 * footer ring when skip_footer holds the last rows back. As stream_data. */
static int stream_row(stream_state *ss, const df_csv_row *row)
{
    df_block *b = ss->b;
    if (ss->skip_left > 0) {
        ss->skip_left--;
        return 0;
    }
    if (ss->need_header) {
        ss->need_header = 0;
        if (df_rows_header(&ss->wk->rows, ss->in, row, row->line, &b->err) != 0)
            return b->failed = b->input_error = 1, -1;
        return 0;
    }
    if (ss->ring) {
        const df_csv_row *out;
        if (df_footer_ring_push(ss->ring, row->line, row->nfields, row->kept, row->field, row->len, &out,
                                &b->err) != 0)
            return b->failed = 1, df_error_prefix(&b->err, "%s:%ld", ss->in->path, row->line);
        if (!out)
            return 0;
        row = out;
    }
    return stream_data(ss, row);
}

/* Opens the stream's first block; 0, or -1 with the block failed. */
static int stream_begin(stream_state *ss, const df_task *t, df_csv_row **row, stream_source *src)
{
    df_pipeline *p = ss->wk->p;
    df_block *b = ss->b;
    df_block_reset(b);
    b->input = t->input, b->range = t->range, b->part = 0, b->gen = t->gen, b->stream = 1;
    ss->skip_left = ss->in->mapping.skip_rows;
    ss->need_header = ss->in->mapping.header;
    if (!(*row = malloc(sizeof **row)))
        return b->failed = 1, df_errorf(&b->err, "out of memory");
    if (ss->in->footer_ring && !(ss->ring = df_footer_ring_new(ss->in->mapping.skip_footer, &b->err)))
        return b->failed = 1, -1;
    if (source_open(src, p, ss->in, &b->err) != 0)
        return b->failed = 1, b->input_error = ss->in->xlsx, -1;
    return 0;
}

static void run_stream(df_worker *wk, const df_task *t)
{
    df_pipeline *p = wk->p;
    stream_state ss = {.wk = wk, .in = &p->inputs[t->input], .b = t->block};
    df_csv_row *row = NULL;
    stream_source src = {0};
    uint32_t part = 0;
    df_block *b = ss.b;
    const char *path = ss.in->path;
    stream_begin(&ss, t, &row, &src);
    while (!b->failed && !atomic_load(&p->failed)) {
        int kind = source_next(&src, p, row, &b->err);
        if (kind < 0) {
            b->failed = 1;
            b->input_error = ss.in->xlsx; /* a broken workbook is the input's fault, as its opening is */
        } else if (kind == DF_PARSE_END) {
            if (ss.need_header)
                b->failed = b->input_error = 1,
                df_errorf(&b->err, "%s: no header row (the file holds only %d skipped rows)", path,
                          ss.in->mapping.skip_rows);
            else if (ss.ring)
                b->skipped += (uint64_t)df_footer_ring_count(ss.ring); /* the footer */
            b->eof = 1;
            break;
        } else if (kind == DF_PARSE_ROW) {
            int r = stream_row(&ss, row);
            if (r == 2)
                break; /* --limit: the rest is not read */
            if (r == 1) { /* full: hand the part over, go on in a new block */
                b->cut = 1;
                send_msg(p, DF_MSG_DONE, wk->index, b);
                send_msg(p, DF_MSG_NEED_BLOCK, wk->index, NULL);
                if (!(b = ss.b = wait_grant(wk)))
                    break;
                df_block_reset(b);
                b->input = t->input, b->range = t->range, b->part = ++part, b->gen = t->gen, b->stream = 1;
                if (stream_data(&ss, ss.pending) != 0 && !b->failed)
                    b->failed = 1, df_errorf(&b->err, "internal error: a row does not fit an empty block");
            }
        }
    }
    source_close(&src);
    df_footer_ring_free(ss.ring);
    free(row);
    if (b) {
        b->eof = 1;
        b->cut = 0;
        send_msg(p, DF_MSG_DONE, wk->index, b);
    }
}

/* ---- threads --------------------------------------------------------- */

static void *worker_main(void *arg)
{
    df_worker *wk = arg;
    df_pipeline *p = wk->p;
    df_inbox_item it;
    for (;;) {
        if (wk->nstash) { /* tasks put aside while slices were written */
            it = wk->stash[wk->stash_head];
            wk->stash_head = (wk->stash_head + 1) % DF_STASH;
            wk->nstash--;
        } else {
            double t0 = p->timing ? df_now() : 0;
            int rc = df_queue_pop(&wk->inbox, &it);
            if (p->timing)
                wk->st.worker_idle_s += df_now() - t0;
            if (rc != 1)
                break;
        }
        if (it.kind == DF_IN_SLICE) {
            handle_slice(wk, &it.u.slice);
        } else if (it.kind == DF_IN_TASK) {
            if (atomic_load(&p->failed))
                send_msg(p, DF_MSG_DONE, wk->index, it.u.task.block);
            else if (it.u.task.stream)
                run_stream(wk, &it.u.task);
            else
                run_range(wk, &it.u.task);
        }
    }
    if (wk->open) {
        df_chunk_abort(&wk->w);
        wk->open = 0;
    }
    wk->st.rows_s = wk->rows.rows_s;
    return NULL;
}

static void *committer_main(void *arg)
{
    df_pipeline *p = arg;
    const df_convert_options *o = p->o;
    df_commit cm;
    for (;;) {
        double t0 = p->timing ? df_now() : 0;
        int rc = df_queue_pop(&p->commit_q, &cm);
        double t1 = p->timing ? df_now() : 0;
        if (p->timing)
            p->committer_st.committer_idle_s += t1 - t0;
        if (rc != 1)
            break;
        df_error err;
        if (atomic_load(&p->failed)) {
            df_atomic_abort(&cm.file);
            free(cm.res.lines);
            continue;
        }
        if (df_atomic_commit(&cm.file, &err) != 0) {
            free(cm.res.lines);
            df_pipeline_fail(p, &err);
            continue;
        }
        if (store_result(p, cm.seq, &cm.res, &err) != 0) {
            df_pipeline_fail(p, &err);
            continue;
        }
        if (o->on_chunk)
            o->on_chunk(o->on_chunk_ctx, cm.seq, &cm.res);
        if (p->timing)
            p->committer_st.commit_s += df_now() - t1;
    }
    return NULL;
}

int df_worker_send(df_worker *wk, const df_inbox_item *it)
{
    return df_queue_push(&wk->inbox, it);
}

int df_workers_start(df_pipeline *p, df_error *err)
{
    if (df_queue_init(&p->commit_q, (size_t)p->threads + 2, sizeof(df_commit), err) != 0)
        return -1;
    if (pthread_create(&p->committer, NULL, committer_main, p) != 0)
        return df_errorf(err, "cannot start the committer thread");
    p->committer_started = 1;
    for (int t = 0; t < p->threads; t++) {
        df_worker *wk = &p->workers[t];
        wk->p = p;
        wk->index = t;
        wk->broken_seq = -1;
        wk->rbuf_cap = p->range_bytes + 64 * 1024;
        if (!(wk->rbuf = malloc(wk->rbuf_cap)))
            return df_errorf(err, "out of memory");
        if (df_rows_init(&wk->rows, p->o, err) != 0)
            return -1;
        wk->rows.timing = p->timing;
        wk->rows.unmatched = p->unmatched;
        if (df_queue_init(&wk->inbox, 256, sizeof(df_inbox_item), err) != 0)
            return -1;
        if (pthread_create(&wk->thread, NULL, worker_main, wk) != 0)
            return df_errorf(err, "cannot start worker thread %d", t);
        wk->started = 1;
    }
    return 0;
}

void df_workers_stop(df_pipeline *p)
{
    for (int t = 0; t < p->threads; t++)
        if (p->workers[t].inbox.items)
            df_queue_close(&p->workers[t].inbox);
    for (int t = 0; t < p->threads; t++) {
        df_worker *wk = &p->workers[t];
        if (wk->started)
            pthread_join(wk->thread, NULL);
        wk->started = 0;
    }
    if (p->commit_q.items)
        df_queue_close(&p->commit_q);
    if (p->committer_started)
        pthread_join(p->committer, NULL);
    p->committer_started = 0;
    for (int t = 0; t < p->threads; t++) {
        df_worker *wk = &p->workers[t];
        if (wk->rows.o)
            df_rows_free(&wk->rows);
        free(wk->rbuf);
        wk->rbuf = NULL;
        df_queue_destroy(&wk->inbox);
    }
    df_queue_destroy(&p->commit_q);
}
