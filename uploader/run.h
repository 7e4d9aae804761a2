/* uploader/run.h — `drugflow run`: convert, sign and upload as one pipeline.
 *
 * The converter's writer threads commit signed chunks into a staging
 * folder; for each one (df_convert's on_chunk) the chunk is moved into the
 * batch's folder, journaled as `signed`, and queued for the upload loop,
 * which runs on its own thread from the first chunk on. The queue is
 * bounded, so a slow server holds the converter back instead of letting
 * memory grow.
 *
 * Crash safety: a rerun of the same batch converts again with the batch's
 * journaled CreatedAt and chunk sizes, so every chunk has the same bytes
 * as before. A chunk the server already confirmed (FileId in the journal)
 * keeps its file and is not sent again; a chunk whose answer was lost is
 * sent again and the server answers Duplicate with the same FileId; a chunk
 * written but never journaled is simply written and journaled again. A
 * confirmed chunk whose bytes would differ stops the run (the input
 * changed: that needs a new batch id).
 *
 * Without the journal (deleted, emptied): the server is asked first which
 * chunks of the batch it holds (reconcile.h), and those are adopted, never
 * sent again; a batch folder that still holds the batch's signed chunks
 * gives back their CreatedAt, so the rerun makes the same bytes; and a
 * signed chunk in the folder that this journal did not write is never
 * overwritten by different bytes without --force. */
#ifndef DF_UPLOADER_RUN_H
#define DF_UPLOADER_RUN_H

#include <stdio.h>

#include "converter/convert.h"
#include "uploader/session.h"
#include "uploader/upload.h"
#include "workspace/journal.h"

typedef struct df_run_options {
    df_convert_options convert;   /* everything but out_dir, on_chunk, force, keep_partial */
    const char *out_dir;          /* the batch's folder */
    df_upload_options upload;     /* client, journal, parallel, attempts; queue is made here */
    size_t queue_cap;             /* default 2 × parallel */
    int force;                    /* replace signed chunks in out_dir that the journal did not write */
} df_run_options;

typedef struct df_run_result {
    int converted;        /* df_convert returned 0 */
    int skipped;          /* chunks the server already had before this run */
    long long skipped_records; /* their records */
    int queued;           /* chunks handed to the upload loop */
    df_upload_stats upload;
    char chunk_error[1024];  /* a chunk could not be journaled or moved */
    int usage_error;      /* the failure was the request's (batch mismatch, folder): nothing was done */
    int recovered;        /* the batch was not in the journal; its CreatedAt came from its folder's chunks */
} df_run_result;

/* Returns -1 on a fatal error (err); else 0, with the conversion summary
 * in s and the upload outcome in r. */
int df_run(const df_run_options *o, df_convert_summary *s, df_run_result *r, df_error *err);

/* A batch as `drugflow run` asks for it. A batch the journal knows is
 * resumed: its CreatedAt, chunk sizes and folder are the journal's, and a
 * different period, document type or CreatedAt is refused. */
typedef struct df_batch_request {
    const char *batch_id;        /* NULL: PERIOD-DOCTYPE-01 */
    const char *period;
    const char *created_at;      /* NULL: now (a new batch) */
    const char *out_dir;         /* NULL: WORKSPACE/BATCH-ID */
    uint64_t chunk_records, chunk_bytes; /* a new batch's; 0: configuration, else default */
    int threads;                 /* 0: configuration, else cores */
    int rejects_format;          /* rejects.csv: df_csv_format */
    int force;                   /* replace signed chunks in the folder that the journal does not know */
    int progress;                /* a progress bar (a terminal) */
    int stats;                   /* time the conversion's stages (--stats; summary.stats) */
    int verbose;                 /* each upload's outcome on log even without a terminal (-v) */
    FILE *log;                   /* "resuming batch …" and upload progress, or NULL */
} df_batch_request;

/* The whole of `drugflow run` but the waiting for results: resolves the
 * batch in s's journal, converts, signs and uploads pipelined (df_run), then
 * sends the chunks of this batch that an earlier run left unsent. b gets the
 * batch as journaled. -1 with err (r->usage_error when the request was at
 * fault). */
int df_run_batch(df_session *s, df_mapping *m, const df_catalog_set *cats, const char *const *inputs, int ninputs,
                 const df_batch_request *req, df_batch_info *b, df_convert_summary *sum, df_run_result *r,
                 df_error *err);

#endif
