/* converter/convert.c — df_convert: the checks before any output, setup,
 * and the sequencer, which runs on the calling thread and takes the
 * workers' blocks in input order; convert.h describes the pipeline. */
#include "converter/convert.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/pipeline.h"
#include "converter/provenance.h"
#include "converter/unmatched.h"
#include "converter/xlsx.h"
#include "mapping/encoding.h"

/* Ranges in flight: two per worker and four more, so that a worker always
 * has the next range queued and a busy machine's sequencer, scheduled late,
 * does not leave workers idle. */
#define WINDOW(threads) (2 * (threads) + 4)

typedef struct sequencer {
    df_pipeline *p;
    df_convert_summary *s;
    df_rejects rejects;
    df_unmatched unmatched;   /* unmatched keys: counts, near misses, missing entries */
    int window;               /* ranges in flight at most */
    df_block **pool;          /* free blocks */
    int npool;
    df_block **ring;          /* blocks waiting for their turn, by global range index */
    int ring_size;
    uint64_t *first_g;        /* per input: global index of its first range */
    /* issuing */
    int is_input;
    uint32_t is_range;
    int inflight;             /* ranges issued and not yet sequenced */
    int streaming;            /* a stream is in flight: it runs alone */
    int rr;                   /* round robin among equally busy workers */
    /* the head: the block to sequence next */
    int h_input, h_entered;
    uint32_t h_range, h_part, h_gen;
    uint64_t next_start;      /* where the head range must start */
    long next_line;           /* its physical line */
    uint64_t done_bytes;      /* sizes of the inputs already sequenced */
    /* waiting for a free block */
    int want_cont, want_grant;
    df_task cont;
    /* chunks */
    int seq, chunk_open;
    uint64_t seq_records, seq_bytes;
    df_lines_enc lines;
    int finished;
    double last_progress, start;
} sequencer;

void df_chunk_path(char *buf, size_t n, const char *out_dir, const char *batch_id, int seq)
{
    snprintf(buf, n, "%s/%s_%05d.xml", out_dir, batch_id, seq);
}

static void progress(sequencer *sq, int final)
{
    double now = df_now(), t = now - sq->start;
    if (!final && now - sq->last_progress < 0.25)
        return;
    sq->last_progress = now;
    uint64_t done = __atomic_load_n(&sq->p->bytes_done, __ATOMIC_RELAXED) + sq->done_bytes;
    uint64_t total = sq->s->input_bytes;
    double frac = total ? (double)done / (double)total : 1;
    if (frac > 1 || final)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    double rate = t > 0 ? (double)sq->s->rows_read / t : 0;
    double eta = frac > 0 && frac < 1 ? t / frac - t : 0;
    fprintf(stderr, "\r[%s] %3.0f%% %7.1f/%.1f MB %9.0f rows/s ETA %4.0fs %s", bar, frac * 100,
            (double)done / 1e6, (double)total / 1e6, rate, eta, final ? "\n" : "");
    fflush(stderr);
}

/* ---- blocks and workers ------------------------------------------------ */

static void release(sequencer *sq, df_block *b)
{
    sq->pool[sq->npool++] = b;
}

static df_block *take(sequencer *sq)
{
    df_block *b = sq->pool[--sq->npool];
    uint64_t out = (uint64_t)(sq->p->nblocks - sq->npool);
    if (out > sq->s->stats.max_inflight)
        sq->s->stats.max_inflight = out;
    return b;
}

/* The least busy worker, or -1 if every one has limit tasks already. */
static int pick_worker(sequencer *sq, int limit)
{
    df_pipeline *p = sq->p;
    int best = -1;
    for (int k = 0; k < p->threads; k++) {
        int w = (sq->rr + k) % p->threads;
        if (best < 0 || p->workers[w].outstanding < p->workers[best].outstanding)
            best = w;
    }
    if (p->workers[best].outstanding >= limit)
        return -1;
    sq->rr = (best + 1) % p->threads;
    return best;
}

static void send_task(sequencer *sq, int w, const df_task *t)
{
    df_inbox_item it = {.kind = DF_IN_TASK};
    it.u.task = *t;
    sq->p->workers[w].outstanding++;
    df_worker_send(&sq->p->workers[w], &it);
}

/* Starts ranges while blocks, the window and the workers allow. A stream
 * (an input that cannot be split) runs alone, when it is the head: its
 * blocks then never wait behind other ranges' for the pool. */
static void issue(sequencer *sq)
{
    df_pipeline *p = sq->p;
    while (sq->is_input < p->ninputs && !sq->streaming && !atomic_load(&p->failed) && !atomic_load(&p->limited)) {
        df_input *in = &p->inputs[sq->is_input];
        if (sq->is_range >= in->nranges) {
            sq->is_input++;
            sq->is_range = 0;
            continue;
        }
        if (sq->npool <= (sq->inflight ? 1 : 0) || sq->inflight >= sq->window)
            return;
        if (!in->splittable && (sq->inflight || sq->h_input != sq->is_input))
            return;
        int w = pick_worker(sq, (sq->window + p->threads - 1) / p->threads);
        if (w < 0)
            return;
        df_task t = {.input = sq->is_input, .range = sq->is_range, .stream = !in->splittable};
        df_input_range(in, p->range_bytes, sq->is_range, &t.start, &t.end);
        t.exact = sq->is_range == 0;
        t.block = take(sq);
        send_task(sq, w, &t);
        sq->inflight++;
        sq->is_range++;
        if (in->splittable)
            sq->s->stats.ranges++;
        else
            sq->s->stats.stream_inputs++, sq->streaming = 1;
    }
}

/* A continuation or a grant waiting for a block gets the first free one. */
static void serve_waiting(sequencer *sq)
{
    if (sq->want_cont && sq->npool) {
        sq->want_cont = 0;
        sq->cont.block = take(sq);
        send_task(sq, pick_worker(sq, 1 << 30), &sq->cont);
    }
    if (sq->want_grant && sq->npool) {
        df_inbox_item it = {.kind = DF_IN_GRANT};
        it.u.grant = take(sq);
        df_worker_send(&sq->p->workers[sq->want_grant - 1], &it);
        sq->want_grant = 0;
    }
}

/* ---- chunks ------------------------------------------------------------ */

static int emit_slice(sequencer *sq, df_block *b, size_t off, size_t len, uint64_t n, int first, int last,
                      df_error *err)
{
    df_pipeline *p = sq->p;
    df_inbox_item it = {.kind = DF_IN_SLICE};
    df_slice *sl = &it.u.slice;
    sl->block = n ? b : NULL;
    sl->off = off;
    sl->len = len;
    sl->nrec = n;
    sl->seq = sq->seq;
    sl->first = first;
    sl->last = last;
    sl->lines = NULL;
    sl->lines_len = 0;
    if (last) {
        if (df_lines_enc_finish(&sq->lines, &sl->lines, &sl->lines_len, err) != 0)
            return -1;
        sq->chunk_open = 0;
    }
    if (sl->block)
        atomic_fetch_add(&b->refs, 1);
    df_worker_send(&p->workers[(sq->seq - 1) % p->threads], &it);
    return 0;
}

/* Assigns the block's records to chunks, in order: a chunk is closed at
 * chunk_records records, or before a record that would take it past
 * chunk_bytes (a chunk's first record always goes in). */
static int assign_chunks(sequencer *sq, int input, df_block *b, long base, df_error *err)
{
    df_pipeline *p = sq->p;
    size_t off = 0, s_off = 0;
    uint64_t s_n = 0;
    int s_first = 0;
    for (size_t r = 0; r < b->nrec; r++) {
        uint64_t n = b->rec_len[r];
        if (sq->chunk_open && (sq->seq_records >= p->chunk_records ||
                               (sq->seq_records > 0 && sq->seq_bytes + n + DF_CHUNK_RESERVE > p->chunk_bytes))) {
            if (emit_slice(sq, b, s_off, off - s_off, s_n, s_first, 1, err) != 0)
                return -1;
            s_off = off;
            s_n = 0;
            s_first = 0;
        }
        if (!sq->chunk_open) {
            sq->seq++;
            sq->chunk_open = 1;
            sq->seq_records = sq->seq_bytes = 0;
            s_first = 1;
        }
        s_n++;
        sq->seq_records++;
        sq->seq_bytes += n;
        if (df_lines_enc_add(&sq->lines, input, base + (long)b->rec_line[r] - 1, err) != 0)
            return -1;
        off += n;
    }
    return s_n ? emit_slice(sq, b, s_off, off - s_off, s_n, s_first, 0, err) : 0;
}

/* ---- sequencing -------------------------------------------------------- */

/* rejects.csv's header row comes from the first input that has one. */
static int header_event(sequencer *sq, const df_input *in, df_error *err)
{
    if (sq->rejects.header_written || !in->hdr_event)
        return 0;
    if (in->hdr_event == 1)
        return df_rejects_header(&sq->rejects, (const char *const *)in->hdr_names, in->hdr_lens, in->hdr_n, err);
    return df_rejects_header(&sq->rejects, NULL, NULL, in->hdr_n, err);
}

/* A preview (--dry-run): rows go to o->preview, nothing is written. */
static int p_preview(const sequencer *sq) { return sq->p->o->preview != NULL; }

/* The block's rejected rows into rejects.csv, each with the near misses
 * of its unmatched keys, which are counted here, in input order. */
static int write_rejects(sequencer *sq, const df_input *in, const df_block *b, long base, df_error *err)
{
    df_convert_summary *s = sq->s;
    const char *d = b->rej.data;
    size_t o = 0;
    while (o < b->rej.len) {
        df_rej_head h;
        memcpy(&h, d + o, sizeof h);
        const char *text = d + o + sizeof h;
        o += sizeof h + h.len;
        char suggestion[2048] = "";
        for (uint32_t k = 0; k < h.nkeys; k++) {
            df_rej_key kh;
            memcpy(&kh, d + o, sizeof kh);
            const char *key = d + o + sizeof kh;
            if (df_unmatched_key(&sq->unmatched, s, (int)kh.catalog, key, kh.len, key + kh.len, kh.cols_len,
                                 suggestion, sizeof suggestion, err) != 0)
                return -1;
            o += sizeof kh + kh.len + kh.cols_len;
        }
        if (!p_preview(sq) && df_rejects_put(&sq->rejects, in->path, base + (long)h.line - 1, text, h.split, h.len,
                                             suggestion, err) != 0)
            return -1;
    }
    s->stats.rejects_bytes += b->rej.len;
    return 0;
}

/* A confirmed block: its failure, rejects, counts and records. */
static int sequence_block(sequencer *sq, df_input *in, df_block *b, df_error *err)
{
    df_convert_summary *s = sq->s;
    long base = b->stream ? b->abs_base : sq->next_line;
    if (b->failed) {
        *err = b->err;
        if (b->err_has_line)
            df_error_prefix(err, "%s:%ld", in->path, base + b->err_line - 1);
        s->input_error |= b->input_error;
        return -1;
    }
    if ((!p_preview(sq) && header_event(sq, in, err) != 0) || write_rejects(sq, in, b, base, err) != 0)
        return -1;
    s->rows_read += b->rows;
    s->skipped += b->skipped;
    s->accepted += b->accepted;
    s->rejected += b->rejected;
    for (int r = 0; r < DF_R_COUNT; r++)
        s->by_reason[r] += b->by_reason[r];
    s->stats.xml_bytes += b->xml_len;
    s->stats.blocks++;
    atomic_store(&b->refs, 1); /* the sequencer's own, while slices go out */
    if (!p_preview(sq) && assign_chunks(sq, in->index, b, base, err) != 0)
        return -1;
    if (!b->stream) {
        sq->next_start = b->end;
        sq->next_line += b->lines;
        __atomic_store_n(&sq->p->bytes_done, b->end, __ATOMIC_RELAXED);
    }
    return 0;
}

static void next_input(sequencer *sq)
{
    df_input *in = &sq->p->inputs[sq->h_input];
    sq->done_bytes += in->size;
    __atomic_store_n(&sq->p->bytes_done, 0, __ATOMIC_RELAXED);
    sq->h_input++;
    sq->h_range = sq->h_part = sq->h_gen = 0;
    sq->h_entered = 0;
}

static void range_done(sequencer *sq)
{
    sq->inflight--;
    sq->streaming = 0;
    sq->h_range++;
    sq->h_part = sq->h_gen = 0;
}

/* The head range's block: empty, wrong (parse it again), or sequenced.
 * Returns 1 to wait for another block, 0 to go on, -1 failed. */
static int head_block(sequencer *sq, df_input *in, df_block *b, df_error *err)
{
    df_pipeline *p = sq->p;
    uint64_t first, end;
    df_input_range(in, p->range_bytes, sq->h_range, &first, &end);
    if (b->range != sq->h_range || b->part != sq->h_part || b->gen != sq->h_gen)
        return df_errorf(err, "internal error: block of range %u.%u.%u where %u.%u.%u was due", b->range, b->part,
                         b->gen, sq->h_range, sq->h_part, sq->h_gen);
    if (in->splittable && sq->h_part == 0 && sq->next_start >= end) {
        release(sq, b); /* the row before it runs past the whole range: nothing starts in it */
        range_done(sq);
        return 0;
    }
    if (in->splittable && sq->h_part == 0 && b->start != sq->next_start) {
        /* The guess was wrong: parse the range again from where the one
         * before it really stopped. */
        df_task t = {.input = in->index, .range = sq->h_range, .gen = ++sq->h_gen, .exact = 1,
                     .start = sq->next_start, .end = end, .block = b};
        send_task(sq, pick_worker(sq, 1 << 30), &t);
        sq->s->stats.ranges_reparsed++;
        return 1;
    }
    if (sequence_block(sq, in, b, err) != 0)
        return -1;
    int cut = b->cut && !b->eof;
    if (cut && in->splittable) {
        df_task t = {.input = in->index, .range = sq->h_range, .part = ++sq->h_part, .gen = sq->h_gen,
                     .exact = 1, .start = b->end, .end = end};
        sq->cont = t;
        sq->want_cont = 1;
        sq->s->stats.ranges_continued++;
    } else if (cut) {
        sq->h_part++; /* the stream goes on in the next block */
    } else {
        range_done(sq);
    }
    if (atomic_fetch_sub(&b->refs, 1) == 1)
        release(sq, b);
    serve_waiting(sq);
    return 0;
}

/* Sequences every block that is due and here. */
static int process_ready(sequencer *sq, df_error *err)
{
    df_pipeline *p = sq->p;
    for (;;) {
        /* The end: every input sequenced, or --limit reached (by a stream,
         * which ran alone: nothing else is in flight once it is done). */
        if (sq->h_input >= p->ninputs || (atomic_load(&p->limited) && !sq->inflight)) {
            sq->finished = 1;
            return 0;
        }
        df_input *in = &p->inputs[sq->h_input];
        if (!sq->h_entered) {
            sq->h_entered = 1;
            sq->next_start = in->data_start;
            sq->next_line = in->data_line;
            sq->s->skipped += in->not_data;
            if (in->splittable && !p_preview(sq) && header_event(sq, in, err) != 0)
                return -1;
        }
        if (sq->h_range >= in->nranges) {
            next_input(sq);
            continue;
        }
        uint64_t g = sq->first_g[sq->h_input] + sq->h_range;
        df_block *b = sq->ring[g % (uint64_t)sq->ring_size];
        if (!b)
            return 0;
        sq->ring[g % (uint64_t)sq->ring_size] = NULL;
        int rc = head_block(sq, in, b, err);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
}

static void on_message(sequencer *sq, const df_msg *m)
{
    df_pipeline *p = sq->p;
    if (m->kind == DF_MSG_DONE) {
        p->workers[m->worker].outstanding--;
        df_block *b = m->block;
        if (atomic_load(&p->failed)) {
            release(sq, b);
            return;
        }
        uint64_t g = sq->first_g[b->input] + b->range;
        sq->ring[g % (uint64_t)sq->ring_size] = b;
    } else if (m->kind == DF_MSG_FREED) {
        release(sq, m->block);
    } else if (m->kind == DF_MSG_NEED_BLOCK) {
        sq->want_grant = m->worker + 1;
    }
    serve_waiting(sq);
}

static int sequence_loop(sequencer *sq, df_error *err)
{
    df_pipeline *p = sq->p;
    for (;;) {
        issue(sq);
        if (process_ready(sq, err) != 0) {
            df_pipeline_fail(p, err);
            return -1;
        }
        if (sq->finished)
            break;
        if (atomic_load(&p->failed)) {
            *err = p->first_err;
            return -1;
        }
        issue(sq);
        df_msg m;
        double t0 = df_now();
        if (df_queue_pop(&p->seq_q, &m) != 1)
            return df_errorf(err, "internal error: the sequencer's queue closed");
        sq->s->stats.sequencer_wait_s += df_now() - t0;
        on_message(sq, &m);
        if (p->o->progress)
            progress(sq, 0);
    }
    if (sq->chunk_open) /* the last chunk ends with the input */
        return emit_slice(sq, NULL, 0, 0, 0, 0, 1, err);
    return 0;
}

static int sequence(sequencer *sq, df_error *err)
{
    double t0 = df_now();
    int rc = sequence_loop(sq, err);
    sq->s->stats.sequence_s = df_now() - t0 - sq->s->stats.sequencer_wait_s;
    return rc;
}

/* ---- setup ------------------------------------------------------------- */

/* Existing chunks of the same batch in out_dir: refused, or removed with force. */
static int check_existing(const df_convert_options *o, df_error *err)
{
    DIR *d = opendir(o->out_dir);
    if (!d)
        return df_error_errno(err, "%s: cannot open the output directory", o->out_dir);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!df_chunk_name_of_batch(e->d_name, o->meta.batch_id))
            continue;
        char path[DF_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", o->out_dir, e->d_name);
        if (df_guard_replace(o, path, err) != 0) {
            rc = -1;
            break;
        }
        if (!o->force) {
            rc = df_errorf(err, "%s already holds chunks of batch %s (%s); use another --batch-id, or "
                           "--force to replace them", o->out_dir, o->meta.batch_id, e->d_name);
            break;
        }
        if (unlink(path) != 0) {
            rc = df_error_errno(err, "cannot remove %s", path);
            break;
        }
    }
    closedir(d);
    return rc;
}

/* Everything that can be checked before output is checked first: the
 * inputs exist and are not empty, the output folder is writable, nothing
 * guarded would be overwritten. */
static int check_inputs(const df_convert_options *o, df_convert_summary *s, df_error *err)
{
    for (int i = 0; i < o->ninputs; i++) {
        struct stat st;
        if (stat(o->inputs[i], &st) != 0)
            return df_error_errno(err, "%s: cannot read the input", o->inputs[i]);
        if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
            return df_errorf(err, "%s: not a regular file", o->inputs[i]);
        if (df_refuse_unicode_bom_file(o->inputs[i], err) != 0)
            return -1;
        if (S_ISREG(st.st_mode) && st.st_size == 0)
            return df_errorf(err, "%s: the file is empty (expected %s)", o->inputs[i],
                             o->mapping->header ? "a header row and data rows" : "data rows");
        s->input_bytes += (uint64_t)st.st_size;
    }
    if (o->preview)
        return 0; /* nothing is written */
    struct stat st;
    if (stat(o->out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return df_errorf(err, "%s: the output directory does not exist", o->out_dir);
    if (access(o->out_dir, W_OK) != 0)
        return df_error_errno(err, "%s: the output directory is not writable", o->out_dir);
    if (df_guard_rejects(o, s->rejects_path, err) != 0)
        return -1;
    return check_existing(o, err);
}

/* Each input: its own copy of the mapping, split or streamed, and for a
 * regular file the prescan of its header. */
static int setup_inputs(df_pipeline *p, sequencer *sq, df_error *err)
{
    const df_convert_options *o = p->o;
    p->inputs = calloc((size_t)o->ninputs, sizeof *p->inputs);
    sq->first_g = calloc((size_t)o->ninputs + 1, sizeof *sq->first_g);
    if (!p->inputs || !sq->first_g)
        return df_errorf(err, "out of memory");
    p->ninputs = o->ninputs;
    df_rows rows;
    if (df_rows_init(&rows, o, err) != 0)
        return -1;
    int rc = 0;
    uint64_t g = 0;
    for (int i = 0; i < o->ninputs && rc == 0; i++) {
        df_input *in = &p->inputs[i];
        in->path = o->inputs[i];
        in->index = i;
        in->fd = -1;
        in->mapping = *o->mapping; /* shares the loaded strings; bound per input */
        struct stat st;
        /* A preview or --limit streams: its rows go out in order, and it stops where the limit falls. */
        in->splittable = !o->preview && !o->limit &&
                         df_input_splittable(&in->mapping, stat(in->path, &st) == 0 && S_ISREG(st.st_mode));
        if ((in->xlsx = df_xlsx_is_workbook(in->path))) { /* a zip: read through, its cells UTF-8 */
            in->splittable = 0;
            in->mapping.encoding = DF_ENC_UTF8;
        }
        if (in->splittable) {
            int input_error = 0;
            if (df_input_prescan(in, &rows, &input_error, err) != 0) {
                p->s->input_error = input_error;
                rc = -1;
                break;
            }
            if (in->footer_ring) { /* the footer is not known before the end: streamed */
                df_input_free(in);
                in->mapping = *o->mapping;
                in->splittable = 0;
                in->not_data = 0;
                in->ncols = in->hdr_event = in->hdr_n = 0;
            }
        }
        if (in->splittable) {
            uint64_t data = in->data_end - in->data_start;
            in->nranges = (uint32_t)((data + p->range_bytes - 1) / p->range_bytes);
        } else {
            /* a stream holds its last skip_footer rows back (footer.h) */
            in->footer_ring = in->mapping.skip_footer > 0;
            in->nranges = 1;
            in->data_line = 1;
        }
        sq->first_g[i] = g;
        g += in->nranges;
    }
    df_rows_free(&rows);
    return rc;
}

static int setup_blocks(df_pipeline *p, sequencer *sq, df_error *err)
{
    sq->window = WINDOW(p->threads);
    sq->ring_size = sq->window + 1;
    p->nblocks = sq->window + p->threads + 2;
    p->blocks = calloc((size_t)p->nblocks, sizeof *p->blocks);
    sq->pool = calloc((size_t)p->nblocks, sizeof *sq->pool);
    sq->ring = calloc((size_t)sq->ring_size, sizeof *sq->ring);
    if (!p->blocks || !sq->pool || !sq->ring)
        return df_errorf(err, "out of memory");
    for (int i = 0; i < p->nblocks; i++) {
        df_block *b = &p->blocks[i];
        b->pool_index = i;
        b->xml = malloc(DF_BLOCK_XML);
        b->rec_len = malloc(DF_BLOCK_RECORDS * sizeof *b->rec_len);
        b->rec_line = malloc(DF_BLOCK_RECORDS * sizeof *b->rec_line);
        if (!b->xml || !b->rec_len || !b->rec_line)
            return df_errorf(err, "out of memory");
        release(sq, b);
    }
    /* Room for every message there can be: pushing never waits. */
    size_t cap = (size_t)(sq->window + p->nblocks + 2 * p->threads + 16);
    return df_queue_init(&p->seq_q, cap, sizeof(df_msg), err);
}

static size_t range_bytes(const df_convert_options *o)
{
    if (o->range_bytes)
        return o->range_bytes;
    const char *e = getenv("DRUGFLOW_RANGE_BYTES");
    char *end;
    unsigned long long v = e ? strtoull(e, &end, 10) : 0;
    return e && *e && !*end && v >= 1 && v <= (1ULL << 30) ? (size_t)v : DF_RANGE_BYTES;
}

static void collect_stats(df_pipeline *p, df_convert_summary *s)
{
    df_convert_stats *st = &s->stats;
    st->enabled = p->timing;
    st->threads = p->threads;
    st->range_bytes = p->range_bytes;
    st->block_bytes = DF_BLOCK_XML;
    st->nblocks = (size_t)p->nblocks;
    for (int t = 0; t < p->threads; t++) {
        const df_convert_stats *w = &p->workers[t].st;
        st->read_s += w->read_s;
        st->parse_s += w->parse_s;
        st->rows_s += w->rows_s;
        st->write_s += w->write_s;
        st->sign_s += w->sign_s;
        st->worker_idle_s += w->worker_idle_s;
        st->worker_commit_wait_s += w->worker_commit_wait_s;
        st->stream_block_wait_s += w->stream_block_wait_s;
        st->bytes_read += w->bytes_read;
        st->slices += w->slices;
    }
    for (size_t i = 0; i < s->nchunks; i++)
        st->lines_bytes += s->chunks[i].lines_len;
    st->commit_s = p->committer_st.commit_s;
    st->committer_idle_s = p->committer_st.committer_idle_s;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        st->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                    ru.ru_stime.tv_usec / 1e6;
}

/* Nothing lost: every row read was accepted or rejected, and every
 * accepted record is in exactly one chunk. */
static int check_accounting(const df_convert_summary *s, int seq, df_error *err)
{
    uint64_t in_chunks = 0;
    for (size_t i = 0; i < s->nchunks; i++)
        in_chunks += s->chunks[i].records;
    if (s->rows_read != s->accepted + s->rejected || (!s->dry_run && in_chunks != s->accepted) ||
        (int)s->nchunks != seq)
        return df_errorf(err, "internal error: accounting mismatch: %llu rows read, %llu accepted, %llu rejected, "
                         "%llu records in %zu chunks", (unsigned long long)s->rows_read,
                         (unsigned long long)s->accepted, (unsigned long long)s->rejected,
                         (unsigned long long)in_chunks, s->nchunks);
    return 0;
}

/* Runs the pipeline once inputs and output were checked. */
static int run(df_pipeline *p, sequencer *sq, df_error *err)
{
    const df_convert_options *o = p->o;
    if (!o->preview && df_rejects_open_format(&sq->rejects, p->s->rejects_path, (df_csv_format)o->rejects_format,
                                              err) != 0)
        return -1;
    int rc = setup_inputs(p, sq, err);
    if (rc == 0)
        rc = setup_blocks(p, sq, err);
    if (rc == 0)
        rc = df_workers_start(p, err);
    if (rc == 0)
        rc = sequence(sq, err);
    else
        df_pipeline_fail(p, err);
    df_workers_stop(p);
    if (o->progress)
        progress(sq, 1);
    if (rc == 0 && atomic_load(&p->failed)) {
        *err = p->first_err;
        rc = -1;
    }
    if (rc == 0)
        rc = check_accounting(p->s, sq->seq, err);
    p->s->limited = atomic_load(&p->limited);
    if (o->preview)
        return rc;
    if (rc == 0)
        return df_rejects_commit(&sq->rejects, err);
    df_rejects_abort(&sq->rejects);
    return -1;
}

static void cleanup(df_pipeline *p, sequencer *sq)
{
    for (int i = 0; p->blocks && i < p->nblocks; i++) {
        free(p->blocks[i].xml);
        free(p->blocks[i].rec_len);
        free(p->blocks[i].rec_line);
        df_buf_free(&p->blocks[i].rej);
    }
    free(p->blocks);
    for (int i = 0; p->inputs && i < p->ninputs; i++)
        df_input_free(&p->inputs[i]);
    free(p->inputs);
    df_queue_destroy(&p->seq_q);
    df_lines_enc_free(&sq->lines);
    df_unmatched_free(&sq->unmatched);
    free(sq->pool);
    free(sq->ring);
    free(sq->first_g);
    pthread_mutex_destroy(&p->mu);
}

/* What the summary knows before the first row: names, catalogs checked, where rejects go. */
static void summary_start(df_pipeline *p, sequencer *sq)
{
    const df_convert_options *o = p->o;
    df_convert_summary *s = p->s;
    snprintf(s->doc_type, sizeof s->doc_type, "%s", p->dt->code);
    snprintf(s->batch_id, sizeof s->batch_id, "%s", o->meta.batch_id);
    s->ncatalogs = o->profile->ncatalogs;
    for (int c = 0; c < s->ncatalogs; c++) {
        snprintf(s->catalog_names[c], DF_NAME_MAX, "%s", o->profile->catalogs[c].name);
        s->checked[c] = o->catalogs && c < o->catalogs->n && o->catalogs->cat[c].loaded && p->dt->catalog_applies[c];
    }
    df_unmatched_init(&sq->unmatched, o->profile, p->dt, o->catalogs, !o->no_suggestions);
    s->dry_run = o->preview != NULL;
    if (o->preview)
        s->rejects_path[0] = 0;
    else if (o->rejects_path)
        snprintf(s->rejects_path, sizeof s->rejects_path, "%s", o->rejects_path);
    else
        snprintf(s->rejects_path, sizeof s->rejects_path, "%s/rejects.csv", o->out_dir);
}

int df_convert(const df_convert_options *o, df_convert_summary *s, df_error *err)
{
    memset(s, 0, sizeof *s);
    df_pipeline *p = calloc(1, sizeof *p);
    sequencer *sq = calloc(1, sizeof *sq);
    if (!p || !sq) {
        free(p);
        free(sq);
        return df_errorf(err, "out of memory");
    }
    p->o = o;
    p->s = s;
    p->dt = o->mapping->dt;
    p->threads = df_threads(o->threads);
    p->range_bytes = range_bytes(o);
    p->timing = o->stats;
    pthread_mutex_init(&p->mu, NULL);
    sq->p = p;
    sq->s = s;
    sq->start = sq->last_progress = df_now();
    summary_start(p, sq);
    p->unmatched = &sq->unmatched;

    int rc = -1;
    s->input_error = 1; /* until the checks pass */
    if (df_chunk_limits(o->chunk_records, o->chunk_bytes, &p->chunk_records, &p->chunk_bytes, err) == 0 &&
        check_inputs(o, s, err) == 0) {
        s->input_error = 0;
        rc = run(p, sq, err);
    }
    if (rc != 0 && !o->keep_partial) {
        /* All or nothing: a failed run leaves no chunk of this batch. */
        for (int seq = 1; seq <= sq->seq; seq++) {
            char path[DF_PATH_MAX];
            df_chunk_path(path, sizeof path, o->out_dir, o->meta.batch_id, seq);
            unlink(path);
        }
        for (size_t i = 0; i < s->nchunks; i++) {
            free(s->chunks[i].lines);
            s->chunks[i].lines = NULL;
        }
        s->nchunks = 0;
    }
    s->seconds = df_now() - sq->start;
    collect_stats(p, s);
    s->stats.wall_s = s->seconds;
    cleanup(p, sq);
    free(p);
    free(sq);
    return rc;
}
