/* converter/convert.h — the conversion pipeline: CSV exports in, validated
 * records out as chunked (optionally signed) XML data files, rejects and a
 * summary, in one pass and bounded memory.
 *
 * The pipeline (issue 14: it scales with cores):
 *
 *  - One pool of `threads` workers does all the work per row and per byte.
 *    A regular file is cut into byte ranges (DF_RANGE_BYTES). A worker reads
 *    its range with pread, parses it with a libcsv parser of its own, and
 *    decodes, maps, checks (against the catalogs, shared read-only) and
 *    renders every row into a block of its own: the rendered records with
 *    their lengths and lines, the rejects.csv lines of the rejected rows,
 *    and the counts. Field bytes are copied once, from libcsv to the row
 *    buffer; text is validated once; values are escaped only where a byte
 *    needs it.
 *  - Row starts are found speculatively. A range's first row is guessed to
 *    start after the first LF, CRLF or lone CR at or after the range's
 *    first byte; its worker parses on past the range's end, to the first
 *    row start at or after it. Feeding libcsv one line at a time tells the
 *    worker exactly where rows end (csv_reader.h), so "the next range starts
 *    at byte E" is a checkable claim. The sequencer (the calling thread)
 *    takes blocks in input order and checks that every range began where
 *    the one before it stopped; a range whose guess was wrong (its first
 *    byte was inside a quoted field that holds a newline) is parsed again
 *    from the right byte. So the rows, their lines and their order are
 *    exactly those of one parser reading the whole file.
 *  - The sequencer assigns records to chunks in input order (a chunk is
 *    closed at chunk_records records or before a record that would take it
 *    past chunk_bytes), so numbering, record order and bytes do not depend
 *    on the thread count. It writes rejects.csv, counts the unmatched
 *    catalog keys (in input order, so that the bounded table holds the same
 *    keys whatever the thread count, and only rows of confirmed ranges
 *    count) and builds each chunk's provenance list (provenance.h): it does no
 *    work per byte, only per record and per rejected row.
 *  - Chunks are independent once their records are known: the slices of
 *    chunk n (parts of blocks) go to worker (n-1) % threads, which writes
 *    them straight from the blocks, digests and signs; a committer thread
 *    then fsyncs and renames the file (it only waits for the disk, so no
 *    worker idles in fsync). Chunks are thus written, digested and signed
 *    in parallel, by the same workers that parse.
 *  - Every queue between threads is a base/queue.h bounded queue: one inbox
 *    per worker (range tasks and chunk slices, in order), one for the
 *    sequencer (finished blocks, blocks freed, requests), one for the
 *    committer. Blocks come from a fixed pool the sequencer hands out;
 *    at most 2 × threads ranges are in flight; memory does not depend on
 *    the input's size.
 *  - What cannot be split falls back to the sequential pipeline, with the
 *    same results: a FIFO or other stream (stdin) is parsed by one parser
 *    thread (parse_stage.h) feeding one worker, whose blocks go through the
 *    same sequencer and chunk writers. Which encodings split safely is
 *    explained at df_input_splittable (pipeline.h).
 *  - Every row read is accepted or rejected, every accepted record is in
 *    exactly one chunk; the counts are checked at the end. */
#ifndef DF_CONVERTER_CONVERT_H
#define DF_CONVERTER_CONVERT_H

#include <stdint.h>
#include "converter/output_guard.h"
#include "converter/summary.h"
#include "config/values.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "writer/chunk.h"

/* Input bytes per range; $DRUGFLOW_RANGE_BYTES overrides it (tests use
 * tiny ranges so that range edges fall everywhere). */
#define DF_RANGE_BYTES (256u << 10)

/* Reference (DOM) signing of a finished unsigned file into final_path. */
typedef int (*df_file_sign_fn)(void *ctx, const char *unsigned_path, const char *final_path,
                               unsigned char digest[32], df_error *err);

/* Called each time a chunk is committed (from the committer thread, or a
 * worker with the reference signer), not necessarily in chunk order. */
typedef void (*df_chunk_done_fn)(void *ctx, int seq, const df_chunk_result *r);

/* One row's outcome, for a preview (`drugflow convert --dry-run`,
 * converter/preview.h): the record as it would be sent, or why not. */
typedef struct df_row_outcome {
    const char *input;            /* the export */
    long line;                    /* where the row starts */
    int accepted;
    const char *const *vals;      /* the record's values in profile order; NULL when the
                                   * row has the wrong number of columns */
    const size_t *lens;
    const df_check_result *check; /* a rejected row's reasons; NULL when accepted */
    const char *message;          /* a rejected row's message, as rejects.csv has it */
} df_row_outcome;
/* Called on one thread at a time, in input order (a preview streams its
 * inputs one after the other); non-zero stops the run. */
typedef int (*df_row_fn)(void *ctx, const df_row_outcome *r, df_error *err);

typedef struct df_convert_options {
    const df_profile *profile;
    df_mapping *mapping;
    const df_catalog_set *catalogs;   /* unloaded catalogs are not checked */
    const char *const *inputs;
    int ninputs;
    const char *out_dir;
    const char *rejects_path;         /* NULL: OUT_DIR/rejects.csv */
    int rejects_format;               /* df_csv_format: DF_CSV_EXCEL (0) or DF_CSV_RAW */
    const df_guarded_file *guarded;   /* never overwritten or removed, besides inputs and mapping */
    int nguarded;                     /* (output_guard.h) */
    df_chunk_meta meta;               /* doc_type is taken from the mapping */
    uint64_t chunk_records;           /* 0: default */
    uint64_t chunk_bytes;             /* 0: default */
    int threads;                      /* worker threads; 0: number of cores (df_threads) */
    df_sign_fn sign;                  /* streaming signer, or NULL */
    void *sign_ctx;
    df_file_sign_fn sign_file;        /* reference signer, or NULL */
    void *sign_file_ctx;
    df_chunk_done_fn on_chunk;
    void *on_chunk_ctx;
    int file_digests;                 /* SHA-256 of every chunk file, in the results */
    int force;                        /* replace chunks of the same batch in out_dir */
    int keep_partial;                 /* on failure keep committed chunks (journal runs) */
    int progress;                     /* progress bar on stderr */
    int top;                          /* unmatched keys to list; 0: 20 */
    int stats;                        /* time every stage (s->stats; --stats) */
    size_t range_bytes;               /* 0: DF_RANGE_BYTES or $DRUGFLOW_RANGE_BYTES */
    uint64_t limit;                   /* stop after this many data rows (accepted + rejected);
                                       * 0: all. s->limited tells whether input was left */
    df_row_fn preview;                /* dry run: every row goes here instead; no chunk file,
                                       * no rejects.csv (out_dir, rejects_path unused) */
    void *preview_ctx;
    int no_suggestions;               /* no near-miss search for unmatched keys */
} df_convert_options;

/* Runs the conversion. Returns 0 when every row was accounted for (even if
 * some were rejected: see s->rejected), -1 on a fatal error (err says what
 * and where); then no chunk of this run is left unless keep_partial. */
int df_convert(const df_convert_options *o, df_convert_summary *s, df_error *err);

/* The chunk file name of a batch: OUT_DIR/BATCH_00001.xml */
void df_chunk_path(char *buf, size_t n, const char *out_dir, const char *batch_id, int seq);

#endif
