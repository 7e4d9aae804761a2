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
 * changed: that needs a new batch id). */
#ifndef DF_UPLOADER_RUN_H
#define DF_UPLOADER_RUN_H

#include "converter/convert.h"
#include "workspace/journal.h"
#include "uploader/upload.h"

typedef struct df_run_options {
    df_convert_options convert;   /* everything but out_dir, on_chunk, force, keep_partial */
    const char *out_dir;          /* the batch's folder */
    df_upload_options upload;     /* client, journal, parallel, attempts; queue is made here */
    size_t queue_cap;             /* default 2 × parallel */
} df_run_options;

typedef struct df_run_result {
    int converted;        /* df_convert returned 0 */
    int skipped;          /* chunks the server already had before this run */
    int queued;           /* chunks handed to the upload loop */
    df_upload_stats upload;
    char chunk_error[1024];  /* a chunk could not be journaled or moved */
} df_run_result;

/* Returns -1 on a fatal error (err); else 0, with the conversion summary
 * in s and the upload outcome in r. */
int df_run(const df_run_options *o, df_convert_summary *s, df_run_result *r, df_error *err);

#endif
