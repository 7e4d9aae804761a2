/* converter/pipeline.h — the inner parts of the conversion pipeline
 * (convert.h describes its shape), shared by:
 *   inputs.c   opening inputs, the header prescan, range geometry
 *   rows.c     one row: decode, map, check, render into a block or reject
 *   workers.c  the worker threads (ranges, the stream fallback, chunk
 *              slices) and the committer thread
 *   convert.c  setup and the sequencer (the calling thread)
 * Not an API outside converter/. */
#ifndef DF_CONVERTER_PIPELINE_H
#define DF_CONVERTER_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/atomic_file.h"
#include "base/queue.h"
#include "converter/convert.h"
#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "converter/rejects.h"
#include "writer/chunk_writer.h"

#define DF_MAX_THREADS 64
#define DF_BLOCK_XML (1u << 20)        /* rendered record bytes a block holds: one record of DF_MAX_RECORD */
#define DF_BLOCK_RECORDS 16384         /* records a block holds */
#define DF_BLOCK_REJECTS (256u << 10)  /* rejects.csv bytes after which a block is cut */
#define DF_MAX_RECORD (1u << 20)       /* a larger record is rejected, E_TOO_LONG */
#define DF_CHUNK_RESERVE 16384         /* header, trailer and signature, within chunk_bytes */

/* One input file and what the prescan learnt of it. */
typedef struct df_input {
    const char *path;
    int index;
    int splittable;        /* a regular file, cut into ranges */
    int fd;                /* splittable: open, read with pread */
    uint64_t size;
    uint64_t data_start;   /* byte where data rows begin (after BOM, skipped rows, header) */
    uint64_t data_end;     /* byte where they end: size, or where an exact skip_footer begins */
    uint64_t not_data;     /* rows the prescan and the footer finder took as not data */
    int footer_ring;       /* streamed: its last skip_footer rows are held back (footer.h) */
    int xlsx;              /* a workbook (xlsx.h): streamed, its cells UTF-8 */
    long data_line;        /* physical line there */
    uint32_t nranges;
    df_mapping mapping;    /* the options' mapping, bound to this input's header */
    int ncols;             /* the header's columns, or the first data row's; 0 = not known yet */
    /* what this input gives rejects.csv's header row, if it comes first:
     * the header's names, or (no header) the first data row's column count */
    int hdr_event;         /* 0 none, 1 names, 2 column count */
    int hdr_n;
    char **hdr_names;
    size_t *hdr_lens;
} df_input;

/* Which inputs are split into ranges; see the comment in inputs.c. */
int df_input_splittable(const df_mapping *m, int regular_file);
/* Opens and prescans a regular file: BOM, skipped rows, header (bound into
 * in->mapping), where data starts. 0, or -1 with err (*input_error set when
 * the input or mapping is at fault). */
struct df_rows;
int df_input_prescan(df_input *in, struct df_rows *rows, int *input_error, df_error *err);
void df_input_free(df_input *in);
/* Range r of a splittable input: [*first, *end). */
void df_input_range(const df_input *in, size_t range_bytes, uint32_t r, uint64_t *first, uint64_t *end);

/* A worker's output for one task: rows of one input, in order. Blocks come
 * from a fixed pool; the sequencer hands them out with tasks. */
typedef struct df_block {
    int pool_index;
    /* the task it answers */
    int input;
    uint32_t range, part, gen;
    int stream;            /* from the sequential fallback: lines are absolute */
    uint64_t start, end;   /* input bytes: parsing began at start, stopped at end (a row start) */
    long lines;            /* physical lines from start to end */
    long abs_base;         /* stream blocks: the absolute line of relative line 1 */
    int cut;               /* stopped early (block full, or a stream part): more follows */
    int eof;               /* reached the end of the input */
    /* a failure the sequencer reports if this block turns out to be valid */
    int failed, input_error, err_has_line;
    long err_line;         /* relative, when err_has_line: "PATH:LINE: " is added */
    df_error err;
    /* counts */
    uint64_t rows, accepted, rejected, by_reason[DF_R_COUNT];
    uint64_t skipped;      /* rows that are not data (skip_if, the footer) */
    /* accepted records, rendered back to back */
    char *xml;
    size_t xml_len;
    uint32_t *rec_len, *rec_line; /* per record: bytes, line relative to the block (from 1) */
    size_t nrec;
    /* rejected rows: entries of df_rej_head, text, then keys */
    df_buf rej;
    /* chunk slices still pointing into this block */
    atomic_int refs;
} df_block;

/* A rejected row in df_block.rej: this head, `len` bytes of encoded
 * rejects.csv cells (df_rejects_format: `split` bytes of codes and message,
 * then the fields) and `nkeys` unmatched catalog keys, each a df_rej_key
 * head, its bytes, then the row's values of the catalog's columns
 * (df_unmatched_columns, for missing-*.csv). */
typedef struct df_rej_head {
    uint32_t line, len, split, nkeys;
} df_rej_head;
typedef struct df_rej_key {
    uint32_t catalog, len, cols_len;
} df_rej_key;

void df_block_reset(df_block *b);

/* Per-row state of one thread: decoder, scratch memory. */
typedef struct df_rows {
    const df_convert_options *o;
    const df_doctype *dt;
    df_decoder dec;          /* the mapping's encoding */
    df_decoder utf8;         /* workbooks' cells */
    char *arena;             /* decoded and transformed values of one row */
    size_t arena_cap;
    char *scratch;           /* rejects: one field decoded for reading */
    size_t scratch_cap;
    char message[8192];
    const struct df_unmatched *unmatched; /* the catalogs' columns of a key (read-only) */
    int ncat;                /* catalogs to look up: [0, ncat) */
    int cat_last[DF_MAX_CATALOGS]; /* the last field of each one's key, -1 if not looked up */
    int timing;              /* measure rows_s */
    double rows_s;
    /* the precomputed tags of a record: "<Record><F1>", "</F1><F2>", … "</Fn></Record>\n" */
    char *tags;
    size_t tag_off[DF_MAX_FIELDS + 2];
} df_rows;

int df_rows_init(df_rows *r, const df_convert_options *o, df_error *err);
void df_rows_free(df_rows *r);

enum { DF_ROW_OK = 0, DF_ROW_FULL = 1 };
/* One data row of `in` into block b; line is relative to the block (1 =
 * the block's first line). DF_ROW_OK, DF_ROW_FULL (nothing stored: the
 * block must end before this row), or -1 with err. */
int df_rows_process(df_rows *r, const df_input *in, const df_csv_row *row, uint32_t line, df_block *b,
                    df_error *err);
/* 1 when the mapping's skip_if says the row is not data, 0 when it is
 * data, -1 with err (memory). The row's fields are decoded for the test. */
int df_rows_not_data(df_rows *r, const df_input *in, const df_csv_row *row, df_error *err);
/* Text as df_valid_utf8_text (rules.h) judges it, in one pass that also
 * counts the characters and says whether a byte needs escaping in XML
 * (& < > CR). 1 valid, 0 not. */
int df_text_scan(const char *s, size_t len, size_t *chars, int *escape);
/* A header row: decodes the names, binds in->mapping, records the header
 * event in in->hdr_*. -1 with err (the input's fault) if a column is missing. */
int df_rows_header(df_rows *r, df_input *in, const df_csv_row *row, long line, df_error *err);

/* A task for a worker: parse rows of one input into a block. */
typedef struct df_task {
    int input;
    uint32_t range, part, gen;
    int exact;             /* start is a known row start (else: guess from it) */
    int stream;            /* the whole input, sequentially (fallback) */
    uint64_t start, end;   /* parse from start; stop at the first row start >= end */
    df_block *block;
} df_task;

/* Part of a chunk: records [off, off+len) of a block. */
typedef struct df_slice {
    df_block *block;       /* NULL for a closing slice with no records */
    size_t off, len;
    uint64_t nrec;
    int seq, first, last;
    unsigned char *lines;  /* last slice: the chunk's provenance list */
    size_t lines_len;
} df_slice;

enum { DF_IN_TASK = 1, DF_IN_SLICE, DF_IN_GRANT };
typedef struct df_inbox_item {
    int kind;
    union {
        df_task task;
        df_slice slice;
        df_block *grant;
    } u;
} df_inbox_item;

enum { DF_MSG_DONE = 1, DF_MSG_FREED, DF_MSG_NEED_BLOCK, DF_MSG_WAKE };
typedef struct df_msg {
    int kind;
    int worker;
    df_block *block;
} df_msg;

/* A finished chunk for the committer. */
typedef struct df_commit {
    df_atomic_file file;
    df_chunk_result res;
    int seq;
} df_commit;

struct df_pipeline;

#define DF_STASH 16 /* tasks a worker puts aside while it writes slices */

typedef struct df_worker {
    struct df_pipeline *p;
    int index;
    pthread_t thread;
    int started;
    df_queue inbox;
    df_inbox_item stash[DF_STASH]; /* tasks taken from the inbox early, in order */
    int stash_head, nstash;
    df_rows rows;
    char *rbuf;              /* range input */
    size_t rbuf_cap;
    df_chunk_writer w;
    int open;                /* w holds an open chunk */
    int broken_seq;          /* a chunk that failed: its remaining slices are dropped */
    char unsigned_path[DF_PATH_MAX];
    int outstanding;         /* sequencer side: tasks sent, not yet answered */
    df_convert_stats st;     /* this thread's times and bytes */
} df_worker;

typedef struct df_pipeline {
    const df_convert_options *o;
    df_convert_summary *s;
    const df_doctype *dt;
    uint64_t chunk_records, chunk_bytes;
    int threads;
    size_t range_bytes;
    int timing;
    df_input *inputs;
    int ninputs;
    df_worker workers[DF_MAX_THREADS];
    df_queue seq_q;          /* workers -> sequencer: df_msg */
    df_queue commit_q;       /* workers -> committer: df_commit */
    pthread_t committer;
    int committer_started;
    df_convert_stats committer_st;
    df_block *blocks;
    int nblocks;
    atomic_int failed;
    atomic_int limited;      /* o->limit rows done and input left: the stream stopped */
    atomic_ullong limit_rows; /* data rows streamed so far, against o->limit */
    const struct df_unmatched *unmatched; /* read-only for the workers' rows */
    pthread_mutex_t mu;      /* first_err, results */
    df_error first_err;
    size_t results_cap;
    uint64_t bytes_done;     /* for progress: input bytes sequenced or streamed */
} df_pipeline;

void df_pipeline_fail(df_pipeline *p, const df_error *e);
double df_now(void);

int df_workers_start(df_pipeline *p, df_error *err);
/* Closes the inboxes (workers finish what is queued, then stop), joins the
 * workers, then the committer. */
void df_workers_stop(df_pipeline *p);
int df_worker_send(df_worker *wk, const df_inbox_item *it);

#endif
