/* converter/convert.h — the conversion pipeline: CSV exports in, validated
 * records out as chunked (optionally signed) XML data files, rejects and a
 * summary, in one pass and bounded memory.
 *
 * One reader thread parses, decodes, maps and validates rows and renders
 * accepted records into fixed-size blocks; it decides chunk boundaries, so
 * numbering and record order are deterministic. A pool of writer threads
 * takes the blocks through bounded queues (chunk n goes to worker
 * (n-1) % threads), writes, digests, signs and commits each chunk. Every row
 * read is accepted or rejected; the counts are checked at the end. */
#ifndef DF_CONVERTER_CONVERT_H
#define DF_CONVERTER_CONVERT_H

#include <stdint.h>
#include "converter/output_guard.h"
#include "converter/summary.h"
#include "config/values.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "writer/chunk.h"

/* Reference (DOM) signing of a finished unsigned file into final_path. */
typedef int (*df_file_sign_fn)(void *ctx, const char *unsigned_path, const char *final_path,
                               unsigned char digest[32], df_error *err);

/* Called from a writer thread each time a chunk is committed. */
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
/* Called on the converter's own thread, in input order; non-zero stops the run. */
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
    int threads;                      /* writer threads; 0: number of cores (df_threads) */
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
