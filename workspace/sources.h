/* workspace/sources.h — where a batch's records came from, kept in the
 * journal so that a server error (chunk, record seq) can be traced back
 * to the ERP export's file and line long after the run.
 *
 * Per batch: its input files in input-index order — the path as given
 * (what rejects.csv names), the absolute path to read it again, and its
 * size, mtime and a fingerprint (SHA-256 of the size and the first and
 * last 64 KiB: cheap even for GBs, and it catches an edited export) so
 * that a changed or vanished input is said, never misread — and the
 * mapping's dialect to re-read rows by physical line (encoding,
 * delimiter, quote, header, skip_rows), and for a workbook its sheet
 * (the line is then the sheet's row number). Per chunk: the provenance blob of
 * converter/provenance.h. The tables live in journal.sqlite beside the
 * journal's own. */
#ifndef DF_WORKSPACE_SOURCES_H
#define DF_WORKSPACE_SOURCES_H

#include <stddef.h>
#include "base/error.h"
#include "base/path.h"
#include "mapping/mapping.h"
#include "workspace/journal.h"

typedef struct df_input_source {
    char path[DF_PATH_MAX];      /* as given on the command line */
    char abs_path[DF_PATH_MAX];  /* to read it again from anywhere */
    long long size, mtime_ns;
    char fingerprint[65];
    int workbook;                /* an .xlsx (converter/xlsx.h): rows are re-read from its sheet */
    char sheet[256];             /* the workbook's sheet as the mapping names it; "" = the first */
} df_input_source;

typedef struct df_batch_sources {
    int n;
    df_input_source *inputs;     /* by input index */
    df_encoding encoding;
    char delimiter, quote;
    int header, skip_rows;
} df_batch_sources;

/* The facts of an input file as it is now. */
int df_input_source_read(const char *path, df_input_source *s, df_error *err);
/* 0 when the file is still the one recorded; else 1 with why filled
 * ("is gone", "has changed since the batch was converted"). */
int df_input_source_changed(const df_input_source *s, char *why, size_t n);

/* The sources of a batch as a mapping and its inputs give them (reads
 * every input's facts); free with df_sources_free. */
int df_sources_from(const df_mapping *m, const char *const *inputs, int n, df_batch_sources *s, df_error *err);
void df_sources_free(df_batch_sources *s);

/* Replaces the batch's stored sources; get: *found = 0 when none. */
int df_sources_put(df_journal *j, const char *batch, const df_batch_sources *s, df_error *err);
int df_sources_get(df_journal *j, const char *batch, df_batch_sources *s, int *found, df_error *err);

/* A chunk's provenance blob (replaced if stored before); get gives a
 * malloc'ed copy, or *found = 0. */
int df_chunk_lines_put(df_journal *j, const char *batch, int seq, const unsigned char *blob, size_t len,
                       df_error *err);
int df_chunk_lines_get(df_journal *j, const char *batch, int seq, unsigned char **blob, size_t *len, int *found,
                       df_error *err);

/* The same facts in a file of their own, for chunks converted by
 * `drugflow convert -o DIR` and sent later by `drugflow upload DIR`:
 * DIR/.BATCH.provenance (text: the dialect, one line per input, a
 * "workbook" line after a workbook's input line (older files have none,
 * and older readers skip it), one per chunk with its blob in hex), written atomically; df_sources_import
 * stores a batch's file into the journal when its chunks are registered
 * (0 and nothing done when there is no such file). */
void df_sources_file_path(const char *dir, const char *batch, char *out, size_t n);
int df_sources_save(const char *path, const char *batch, const df_batch_sources *s, int nchunks,
                    const unsigned char *const *blobs, const size_t *lens, df_error *err);
int df_sources_import(df_journal *j, const char *path, df_error *err);

#endif
