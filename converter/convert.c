/* converter/convert.c — the one-pass pipeline; see convert.h for its shape. */
#include "converter/convert.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "converter/parse_stage.h"
#include "converter/provenance.h"
#include "converter/rejects.h"
#include "converter/unmatched.h"
#include "mapping/encoding.h"
#include "mapping/transform.h"
#include "base/digest.h"
#include "writer/chunk_writer.h"

#define BLOCK_SIZE (1u << 20)
#define QUEUE_DEPTH 4
#define MAX_BLOCKS 24
#define CHUNK_RESERVE 16384 /* header, trailer and signature, within chunk_bytes */

typedef struct block {
    char *data;
    size_t len;
    uint64_t records;
    int seq;     /* chunk */
    int first;   /* opens the chunk */
    int last;    /* finishes the chunk */
    unsigned char *lines; /* the last block: the chunk's record provenance */
    size_t lines_len;
} block;

/* A bounded queue of block pointers, for free blocks and for each worker. */
typedef struct queue {
    block **items;
    int cap, head, count;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} queue;

static int queue_init(queue *q, int cap)
{
    q->items = calloc((size_t)cap, sizeof *q->items);
    q->cap = cap;
    q->head = q->count = 0;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return q->items ? 0 : -1;
}

static void queue_destroy(queue *q)
{
    free(q->items);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

static void queue_push(queue *q, block *b)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap)
        pthread_cond_wait(&q->cv, &q->mu);
    q->items[(q->head + q->count) % q->cap] = b;
    q->count++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static block *queue_pop(queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0)
        pthread_cond_wait(&q->cv, &q->mu);
    block *b = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return b;
}

typedef struct pipeline pipeline;

typedef struct worker {
    pipeline *p;
    int index;
    queue q;
    pthread_t thread;
    df_chunk_writer w;
    int open;           /* w holds an open chunk */
    int broken_seq;     /* a chunk that failed: drop its remaining blocks */
    char unsigned_path[DF_PATH_MAX];
} worker;

struct pipeline {
    const df_convert_options *o;
    df_convert_summary *s;
    const df_doctype *dt;
    uint64_t chunk_records, chunk_bytes;
    int threads;
    /* writer side */
    worker workers[DF_MAX_THREADS];
    queue free_blocks;
    block *blocks;
    int nblocks;
    pthread_mutex_t result_mu;
    size_t results_cap;
    atomic_int failed;
    df_error first_err;
    /* reader side */
    block *cur;
    int seq;                  /* current chunk, 0 before the first */
    uint64_t seq_records, seq_bytes;
    const char *input;
    int input_index;
    df_lines_enc lines;       /* provenance of the current chunk's records */
    df_decoder dec;
    df_rejects rejects;
    df_unmatched unmatched;   /* unmatched keys: counts, near misses, missing entries */
    int need_header, skip_left, ncols;
    int limit_reached;        /* o->limit rows done: the read stops there */
    char *arena;              /* decoded and transformed values of one row */
    size_t arena_cap;
    char message[8192];
    /* progress */
    uint64_t bytes_done, bytes_total;
    struct timespec start, last_progress;
};

static double now_s(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void set_failed(pipeline *p, const df_error *e)
{
    pthread_mutex_lock(&p->result_mu);
    if (!atomic_load(&p->failed)) {
        p->first_err = *e;
        atomic_store(&p->failed, 1);
    }
    pthread_mutex_unlock(&p->result_mu);
}

void df_chunk_path(char *buf, size_t n, const char *out_dir, const char *batch_id, int seq)
{
    snprintf(buf, n, "%s/%s_%05d.xml", out_dir, batch_id, seq);
}

/* ---- writer threads -------------------------------------------------- */

static int store_result(pipeline *p, int seq, const df_chunk_result *r, df_error *err)
{
    pthread_mutex_lock(&p->result_mu);
    df_convert_summary *s = p->s;
    if ((size_t)seq > p->results_cap) {
        size_t ncap = p->results_cap ? p->results_cap : 64;
        while (ncap < (size_t)seq)
            ncap *= 2;
        df_chunk_result *n = realloc(s->chunks, ncap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&p->result_mu);
            return df_errorf(err, "out of memory");
        }
        memset(n + p->results_cap, 0, (ncap - p->results_cap) * sizeof *n);
        s->chunks = n;
        p->results_cap = ncap;
    }
    s->chunks[seq - 1] = *r;
    if ((size_t)seq > s->nchunks)
        s->nchunks = (size_t)seq;
    pthread_mutex_unlock(&p->result_mu);
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

static int worker_block(worker *wk, block *b, df_error *err)
{
    pipeline *p = wk->p;
    const df_convert_options *o = p->o;
    if (b->seq == wk->broken_seq)
        return 0;
    char path[DF_PATH_MAX];
    df_chunk_path(path, sizeof path, o->out_dir, o->meta.batch_id, b->seq);
    if (b->first) {
        const char *target = path;
        if (o->sign_file) {
            snprintf(wk->unsigned_path, sizeof wk->unsigned_path, "%s/.%s_%05d.unsigned.xml", o->out_dir,
                     o->meta.batch_id, b->seq);
            target = wk->unsigned_path;
        }
        int digests = (o->sign ? DF_CHUNK_C14N_DIGEST : 0) |
                      (o->file_digests && !o->sign_file ? DF_CHUNK_FILE_DIGEST : 0);
        if (df_chunk_open(&wk->w, o->profile, &o->meta, b->seq, target, digests, err) != 0)
            return -1;
        wk->open = 1;
    }
    if (df_chunk_write_records(&wk->w, b->data, b->len, b->records, err) != 0)
        return -1;
    if (b->last) {
        df_chunk_result r;
        memset(&r, 0, sizeof r);
        wk->open = 0;
        if (df_chunk_finish(&wk->w, o->sign, o->sign_ctx, &r, err) != 0)
            return -1;
        if (o->sign_file) {
            int rc = o->sign_file(o->sign_file_ctx, wk->unsigned_path, path, r.c14n_digest, err);
            unlink(wk->unsigned_path);
            if (rc != 0 || signed_file_facts(path, o->file_digests, &r, err) != 0)
                return -1;
        }
        r.lines = b->lines; /* the chunk result owns it from here */
        r.lines_len = b->lines_len;
        b->lines = NULL;
        if (store_result(p, b->seq, &r, err) != 0) {
            free(r.lines);
            return -1;
        }
        if (o->on_chunk)
            o->on_chunk(o->on_chunk_ctx, b->seq, &r);
    }
    return 0;
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    pipeline *p = wk->p;
    for (;;) {
        block *b = queue_pop(&wk->q);
        if (!b)
            break;
        if (!atomic_load(&p->failed)) {
            df_error err;
            if (worker_block(wk, b, &err) != 0) {
                set_failed(p, &err);
                wk->broken_seq = b->seq;
                if (wk->open) {
                    df_chunk_abort(&wk->w);
                    wk->open = 0;
                }
            }
        }
        b->len = 0;
        b->records = 0;
        free(b->lines); /* a chunk that failed */
        b->lines = NULL;
        queue_push(&p->free_blocks, b);
    }
    if (wk->open) {
        df_chunk_abort(&wk->w);
        wk->open = 0;
    }
    return NULL;
}

/* ---- reader side ----------------------------------------------------- */

static block *take_block(pipeline *p, int seq, int first)
{
    block *b = queue_pop(&p->free_blocks);
    b->len = 0;
    b->records = 0;
    b->seq = seq;
    b->first = first;
    b->last = 0;
    return b;
}

static void dispatch(pipeline *p, block *b)
{
    queue_push(&p->workers[(b->seq - 1) % p->threads].q, b);
}

static void end_chunk(pipeline *p)
{
    if (!p->cur)
        return;
    p->cur->last = 1;
    df_error e;
    if (df_lines_enc_finish(&p->lines, &p->cur->lines, &p->cur->lines_len, &e) != 0)
        set_failed(p, &e);
    dispatch(p, p->cur);
    p->cur = NULL;
}

/* Appends one accepted record. Returns 0, or 1 if it can never fit. */
static int emit_record(pipeline *p, const char *const *vals, const size_t *lens)
{
    const df_convert_options *o = p->o;
    if (p->cur && (p->seq_records >= p->chunk_records))
        end_chunk(p);
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!p->cur) {
            p->seq++;
            p->seq_records = p->seq_bytes = 0;
            p->cur = take_block(p, p->seq, 1);
        }
        block *b = p->cur;
        size_t n = df_render_record(o->profile, p->dt, vals, lens, b->data + b->len, BLOCK_SIZE - b->len);
        if (n == 0) {
            if (b->len == 0)
                return 1; /* larger than a whole block */
            /* Block full: pass it on and continue the chunk in a new one. */
            dispatch(p, b);
            p->cur = take_block(p, p->seq, 0);
            continue;
        }
        if (p->seq_records > 0 && p->seq_bytes + n + CHUNK_RESERVE > p->chunk_bytes) {
            /* This record would push the chunk past its byte limit: it
             * starts the next chunk instead. */
            end_chunk(p);
            continue;
        }
        b->len += n;
        b->records++;
        p->seq_records++;
        p->seq_bytes += n;
        return 0;
    }
    return 1;
}

static void progress(pipeline *p, int final)
{
    double t = now_s(&p->start);
    if (!final && now_s(&p->last_progress) < 0.25)
        return;
    clock_gettime(CLOCK_MONOTONIC, &p->last_progress);
    uint64_t done = __atomic_load_n(&p->bytes_done, __ATOMIC_RELAXED);
    double frac = p->bytes_total ? (double)done / (double)p->bytes_total : 1;
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    double rate = t > 0 ? (double)p->s->rows_read / t : 0;
    double eta = frac > 0 && frac < 1 ? t / frac - t : 0;
    fprintf(stderr, "\r[%s] %3.0f%% %7.1f/%.1f MB %9.0f rows/s ETA %4.0fs %s", bar, frac * 100,
            done / 1e6, p->bytes_total / 1e6, rate, eta, final ? "\n" : "");
    fflush(stderr);
}

static int ensure_arena(pipeline *p, size_t need, df_error *err)
{
    if (need <= p->arena_cap)
        return 0;
    size_t ncap = p->arena_cap ? p->arena_cap : 65536;
    while (ncap < need)
        ncap *= 2;
    char *n = realloc(p->arena, ncap);
    if (!n)
        return df_errorf(err, "out of memory");
    p->arena = n;
    p->arena_cap = ncap;
    return 0;
}

static int reject_row(pipeline *p, const df_csv_row *row, const df_check_result *res,
                      const char *const *vals, const size_t *lens, df_error *err)
{
    df_convert_summary *s = p->s;
    s->rejected++;
    for (int r = 0; r < DF_R_COUNT; r++)
        if (res->reasons & (1u << r))
            s->by_reason[r]++;
    /* Count the unmatched catalog keys the user must add, each with its near miss. */
    char suggestion[2048] = "";
    if (vals && df_unmatched_row(&p->unmatched, s, res, vals, lens, suggestion, sizeof suggestion, err) != 0)
        return -1;
    df_check_message(res, p->dt, p->message, sizeof p->message);
    if (p->o->preview) {
        df_row_outcome r = {p->input, row->line, 0, vals, lens, res, p->message};
        return p->o->preview(p->o->preview_ctx, &r, err);
    }
    return df_rejects_add(&p->rejects, p->input, row, &p->dec, res, p->message, suggestion, err);
}

static int on_row(void *ctx, const df_csv_row *row, df_error *err)
{
    pipeline *p = ctx;
    const df_mapping *m = p->o->mapping;
    if (atomic_load(&p->failed))
        return df_errorf(err, "stopped: a writer failed");
    if (p->skip_left > 0) {
        p->skip_left--;
        return 0;
    }
    if (p->need_header) {
        p->need_header = 0;
        p->ncols = row->nfields;
        /* Header names in UTF-8, to match the mapping's column names. */
        const char *names[DF_CSV_MAX_FIELDS];
        size_t lens[DF_CSV_MAX_FIELDS];
        size_t total = 0;
        for (int i = 0; i < row->kept; i++)
            total += row->len[i] * 3 + 1;
        if (ensure_arena(p, total + 1, err) != 0)
            return -1;
        size_t off = 0;
        for (int i = 0; i < row->kept; i++) {
            lens[i] = df_decode_lossy(&p->dec, row->field[i], row->len[i], p->arena + off, p->arena_cap - off);
            names[i] = p->arena + off;
            off += lens[i] + 1;
        }
        if (df_mapping_bind_header(p->o->mapping, p->input, row->line, names, lens, row->kept, err) != 0) {
            p->s->input_error = 1;
            return -1;
        }
        return p->o->preview ? 0 : df_rejects_header(&p->rejects, names, lens, row->kept, err);
    }
    if (p->ncols == 0) {
        /* No header: the first data row fixes the column count. */
        p->ncols = row->nfields;
        if (!p->o->preview &&
            df_rejects_header(&p->rejects, NULL, NULL, row->nfields < DF_CSV_MAX_FIELDS ? row->nfields
                                                                                        : DF_CSV_MAX_FIELDS,
                              err) != 0)
            return -1;
    }
    df_convert_summary *s = p->s;
    if (p->o->limit && s->rows_read >= p->o->limit) {
        p->limit_reached = 1;
        return df_errorf(err, "stopped at --limit"); /* not a failure: df_convert ends the read */
    }
    s->rows_read++;
    if ((s->rows_read & 8191) == 0 && p->o->progress)
        progress(p, 0);
    df_check_result res;
    df_check_reset(&res);
    if (row->nfields != p->ncols) {
        df_check_add(&res, DF_R_COLUMNS, -1, "the row has %d columns, the %s has %d", row->nfields,
                     m->header ? "header" : "first row", p->ncols);
        return reject_row(p, row, &res, NULL, NULL, err);
    }
    const df_doctype *dt = p->dt;
    const char *vals[DF_MAX_FIELDS];
    size_t lens[DF_MAX_FIELDS];
    size_t need = 0;
    for (int i = 0; i < dt->nfields; i++)
        if (m->src[i].mapped && m->src[i].column >= 0 && m->src[i].column < row->kept)
            need += row->len[m->src[i].column] * 7 + 96;
    if (ensure_arena(p, need + 64, err) != 0)
        return -1;
    size_t off = 0;
    for (int i = 0; i < dt->nfields; i++) {
        const df_field_source *src = &m->src[i];
        vals[i] = "";
        lens[i] = 0;
        if (!src->mapped)
            continue;
        const char *in = "";
        size_t inlen = 0;
        if (!src->has_constant) {
            if (src->column >= row->kept) {
                df_check_add(&res, DF_R_COLUMNS, i, "column %d is beyond the %d kept", src->column + 1,
                             DF_CSV_MAX_FIELDS);
                res.skip_fields |= 1ULL << i;
                continue;
            }
            size_t bad = 0, cap = row->len[src->column] * 3 + 16;
            if (m->encoding == DF_ENC_UTF8 && dt->fields[i]->type == DF_FT_TEXT) {
                /* UTF-8 text is validated once, by the text rule, which
                 * reports bad bytes as E_ENCODING with their offset. */
                in = row->field[src->column];
                inlen = row->len[src->column];
            } else if (df_decode(&p->dec, row->field[src->column], row->len[src->column], p->arena + off, cap,
                                 &in, &inlen, &bad) != 0) {
                df_check_add(&res, DF_R_ENCODING, i, "(column %d) has bytes that are not valid %s at byte %zu",
                             src->column + 1, df_encoding_name(m->encoding), bad + 1);
                res.skip_fields |= 1ULL << i;
                continue;
            }
            if (in == p->arena + off)
                off += inlen;
        }
        const char *v;
        size_t vl;
        df_tx_status st = df_transform(src, in, inlen, p->arena + off, inlen + 64, &v, &vl);
        if (v == p->arena + off)
            off += vl;
        vals[i] = v;
        lens[i] = vl;
        if (st != DF_TX_OK) {
            char q[DF_DETAIL_MAX / 2];
            df_quote_value(q, sizeof q, v, vl, df_field_quote_chars(dt->fields[i]));
            if (st == DF_TX_BAD_DATE)
                df_check_add(&res, DF_R_FORMAT, i, "%s matches none of the mapping's date formats", q);
            else if (st == DF_TX_BAD_DECIMAL)
                df_check_add(&res, DF_R_FORMAT, i, "%s is not a number", q);
            else
                df_check_add(&res, DF_R_FORMAT, i, "%s is not in the mapping's value map", q);
            res.skip_fields |= 1ULL << i;
        }
    }
    df_rules_check(p->o->profile, dt, p->o->catalogs, vals, lens, &res);
    if (res.reasons)
        return reject_row(p, row, &res, vals, lens, err);
    if (p->o->preview) {
        df_row_outcome r = {p->input, row->line, 1, vals, lens, NULL, NULL};
        if (p->o->preview(p->o->preview_ctx, &r, err) != 0)
            return -1;
    } else if (emit_record(p, vals, lens) != 0) {
        df_check_add(&res, DF_R_TOO_LONG, -1, "the record is larger than %u bytes", BLOCK_SIZE);
        return reject_row(p, row, &res, vals, lens, err);
    }
    if (df_lines_enc_add(&p->lines, p->input_index, row->line, err) != 0)
        return -1;
    s->accepted++;
    return 0;
}

/* Existing chunks of the same batch in out_dir: refused, or removed with force. */
/* A chunk file of this batch as df_chunk_path names it: BATCH_ + at least
 * five digits + .xml. Not "BATCH_other_00001.xml", a chunk of batch
 * "BATCH_other", nor a backup "BATCH_00001.xml.bak". */
static int is_batch_chunk(const char *name, const char *batch, size_t bl)
{
    if (strncmp(name, batch, bl) || name[bl] != '_')
        return 0;
    const char *d = name + bl + 1, *q = d;
    while (*q >= '0' && *q <= '9')
        q++;
    return q - d >= 5 && !strcmp(q, ".xml");
}

static int check_existing(const df_convert_options *o, df_error *err)
{
    DIR *d = opendir(o->out_dir);
    if (!d)
        return df_error_errno(err, "%s: cannot open the output directory", o->out_dir);
    size_t bl = strlen(o->meta.batch_id);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!is_batch_chunk(e->d_name, o->meta.batch_id, bl))
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
 * inputs exist and are not empty, the output folder is writable. */
static int preflight(pipeline *p, df_error *err)
{
    const df_convert_options *o = p->o;
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
        p->bytes_total += (uint64_t)st.st_size;
    }
    p->s->input_bytes = p->bytes_total;
    if (o->preview)
        return 0; /* nothing is written */
    struct stat st;
    if (stat(o->out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return df_errorf(err, "%s: the output directory does not exist", o->out_dir);
    if (access(o->out_dir, W_OK) != 0)
        return df_error_errno(err, "%s: the output directory is not writable", o->out_dir);
    return 0;
}

/* Blocks and queues, bounded whatever the input's size, and the writer
 * threads; *started gets how many threads run (to be joined). */
static int start_writers(pipeline *p, int *started, df_error *err)
{
    p->nblocks = p->threads * (QUEUE_DEPTH + 1) + 2;
    if (p->nblocks > MAX_BLOCKS)
        p->nblocks = MAX_BLOCKS; /* many threads share the blocks, memory stays put */
    p->blocks = calloc((size_t)p->nblocks, sizeof *p->blocks);
    if (!p->blocks || queue_init(&p->free_blocks, p->nblocks) != 0)
        return df_errorf(err, "out of memory");
    for (int i = 0; i < p->nblocks; i++) {
        if (!(p->blocks[i].data = malloc(BLOCK_SIZE)))
            return df_errorf(err, "out of memory");
        queue_push(&p->free_blocks, &p->blocks[i]);
    }
    for (int t = 0; t < p->threads; t++) {
        worker *wk = &p->workers[t];
        wk->p = p;
        wk->index = t;
        wk->broken_seq = -1;
        if (queue_init(&wk->q, QUEUE_DEPTH) != 0 || pthread_create(&wk->thread, NULL, worker_main, wk) != 0) {
            df_errorf(err, "cannot start writer thread %d", t);
            for (int u = 0; u < t; u++)
                queue_push(&p->workers[u].q, NULL);
            for (int u = 0; u < t; u++)
                pthread_join(p->workers[u].thread, NULL);
            return -1;
        }
        *started = t + 1;
    }
    return 0;
}

/* What the summary knows before the first row: names, catalogs checked, where rejects go. */
static void summary_start(pipeline *p)
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
    df_unmatched_init(&p->unmatched, o->profile, p->dt, o->catalogs, !o->no_suggestions);
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
    pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return df_errorf(err, "out of memory");
    p->o = o;
    p->s = s;
    p->dt = o->mapping->dt;
    if (df_chunk_limits(o->chunk_records, o->chunk_bytes, &p->chunk_records, &p->chunk_bytes, err) != 0) {
        free(p);
        return -1;
    }
    p->threads = df_threads(o->threads);
    pthread_mutex_init(&p->result_mu, NULL);
    summary_start(p);
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last_progress = p->start;

    int rc = -1, started = 0;
    s->input_error = 1; /* until the checks below pass */
    if (preflight(p, err) != 0)
        goto out;
    if (!o->preview && (df_guard_rejects(o, s->rejects_path, err) != 0 || check_existing(o, err) != 0))
        goto out;
    s->input_error = 0;
    if (df_decoder_open(&p->dec, o->mapping->encoding, err) != 0)
        goto out;
    if (!o->preview && df_rejects_open_format(&p->rejects, s->rejects_path, (df_csv_format)o->rejects_format, err) != 0) {
        df_decoder_close(&p->dec);
        goto out;
    }
    if (!o->preview && start_writers(p, &started, err) != 0)
        goto out_io;

    /* The parser thread runs ahead; rows come back here in order. */
    int read_rc = 0;
    df_csv_dialect dialect = {o->mapping->delimiter, o->mapping->quote};
    df_parse_stage *ps = NULL;
    df_csv_row *row = malloc(sizeof *row);
    if (!row)
        read_rc = df_errorf(err, "out of memory");
    else
        read_rc = df_parse_stage_start(&ps, o->inputs, o->ninputs, &dialect, &p->bytes_done, err);
    while (read_rc == 0) {
        int fi, kind = df_parse_stage_next(ps, row, &fi, err);
        if (kind < 0) {
            read_rc = -1;
        } else if (kind == DF_PARSE_ROW) {
            if (on_row(p, row, err) != 0)
                read_rc = -1;
        } else {
            if (p->input && o->mapping->header && p->need_header)
                s->input_error = 1,
                read_rc = df_errorf(err, "%s: no header row (the file holds only %d skipped rows)", p->input,
                                    o->mapping->skip_rows);
            if (kind == DF_PARSE_END || read_rc != 0)
                break;
            p->input = o->inputs[fi];
            p->input_index = fi;
            p->need_header = o->mapping->header;
            p->skip_left = o->mapping->skip_rows;
            p->ncols = 0;
        }
    }
    df_parse_stage_free(ps);
    free(row);
    if (read_rc != 0 && p->limit_reached)
        read_rc = 0, s->limited = 1;
    if (read_rc == 0)
        end_chunk(p);
    else if (p->cur) {
        queue_push(&p->free_blocks, p->cur);
        p->cur = NULL;
    }
    for (int t = 0; t < started; t++)
        queue_push(&p->workers[t].q, NULL);
    for (int t = 0; t < started; t++)
        pthread_join(p->workers[t].thread, NULL);
    started = 0;
    if (o->progress)
        progress(p, 1);
    if (atomic_load(&p->failed)) {
        *err = p->first_err;
        goto out_io;
    }
    if (read_rc != 0)
        goto out_io;
    /* Nothing lost: every row read was accepted or rejected, and every
     * accepted record is in exactly one chunk. */
    uint64_t in_chunks = 0;
    for (size_t i = 0; i < s->nchunks; i++)
        in_chunks += s->chunks[i].records;
    if (s->rows_read != s->accepted + s->rejected || (!o->preview && in_chunks != s->accepted) ||
        (int)s->nchunks != p->seq) {
        df_errorf(err, "internal error: accounting mismatch: %llu rows read, %llu accepted, %llu rejected, "
                  "%llu records in %zu chunks", (unsigned long long)s->rows_read,
                  (unsigned long long)s->accepted, (unsigned long long)s->rejected,
                  (unsigned long long)in_chunks, s->nchunks);
        goto out_io;
    }
    if (!o->preview && df_rejects_commit(&p->rejects, err) != 0)
        goto out_dec;
    rc = 0;
    goto out_dec;
out_io:
    if (!o->preview)
        df_rejects_abort(&p->rejects);
out_dec:
    df_decoder_close(&p->dec);
out:
    if (rc != 0 && !o->keep_partial) {
        /* All or nothing: a failed run leaves no chunk of this batch. */
        for (int seq = 1; seq <= p->seq; seq++) {
            char path[DF_PATH_MAX];
            df_chunk_path(path, sizeof path, o->out_dir, o->meta.batch_id, seq);
            unlink(path);
        }
        for (size_t i = 0; i < s->nchunks; i++)
            free(s->chunks[i].lines);
        s->nchunks = 0;
    }
    s->seconds = now_s(&p->start);
    if (p->blocks) {
        for (int i = 0; i < p->nblocks; i++)
            free(p->blocks[i].data), free(p->blocks[i].lines);
        free(p->blocks);
        queue_destroy(&p->free_blocks);
        for (int t = 0; t < p->threads; t++)
            if (p->workers[t].q.items)
                queue_destroy(&p->workers[t].q);
    }
    free(p->arena);
    df_lines_enc_free(&p->lines);
    df_unmatched_free(&p->unmatched);
    pthread_mutex_destroy(&p->result_mu);
    free(p);
    return rc;
}
