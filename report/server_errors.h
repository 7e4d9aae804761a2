/* report/server_errors.h — the server's record errors traced back to the
 * ERP export: for every record the province failed, the input file and
 * physical line it came from (the chunk's provenance in the journal,
 * workspace/sources.h) and the row's original fields, read again from the
 * input with the batch's dialect and encoding.
 *
 * One entry per failed record: the server may list several errors for one
 * record (one per rule); their codes and messages are merged. A whole-file
 * failure (E_SIGNATURE, E_SCHEMA …, seq 0) is one entry without a line.
 * An input that is gone or changed since the conversion is said in the
 * entry's note, and its fields are not shown: wrong fields would mislead.
 * The server lists at most 100 errors per file; `unlisted` counts the
 * failed records it did not name. */
#ifndef DF_REPORT_SERVER_ERRORS_H
#define DF_REPORT_SERVER_ERRORS_H

#include <stddef.h>
#include "base/error.h"
#include "workspace/journal.h"
#include "workspace/sources.h"

typedef struct df_server_error {
    int input;               /* input index, -1 when the record cannot be traced */
    long line;               /* physical line, 0 when unknown */
    int chunk;               /* chunk seq */
    long long record;        /* record seq in the chunk (0: the whole file) */
    char chunk_name[256];
    char file_id[64];
    char reasons[256];       /* codes, space-separated */
    char *message;           /* the server's messages, "; "-separated, plus a note */
    int nfields;             /* the row's original fields, UTF-8 */
    char **fields;
    size_t *lens;
} df_server_error;

typedef struct df_server_errors {
    size_t n;
    df_server_error *v;      /* sorted by input and line; untraceable first */
    df_batch_sources src;    /* the batch's inputs (src.n 0 when unknown) */
    int nheader;             /* the first input's header names (UTF-8), if it has one */
    char **header;
    size_t *hlen;
    long long unlisted;      /* failed records the server did not list */
    int whole_files;         /* chunks that failed as a whole */
} df_server_errors;

/* Collects the record errors of the batch's final chunks from the
 * journal and traces them. */
int df_server_errors_load(df_journal *j, const char *batch, df_server_errors *se, df_error *err);
void df_server_errors_free(df_server_errors *se);

/* The input path of an entry as rejects.csv names it (or the chunk's file
 * name when it cannot be traced). */
const char *df_server_error_file(const df_server_errors *se, const df_server_error *e);

/* server-errors.csv: file, line, reasons, message, suggestion, chunk,
 * record, FileId, then the row's original fields (the columns of
 * rejects.csv with the chunk, record and FileId before the fields).
 * UTF-8 with BOM, atomically (base/csv_write.h). */
int df_server_errors_write(const df_server_errors *se, const char *path, int format, df_error *err);

/* For chunks of `drugflow convert -o DIR`: keeps where their records came
 * from beside them (workspace/sources.h), for `drugflow upload DIR` to put
 * into the journal, so that their server errors are traced too. */
struct df_convert_summary;
int df_provenance_save(const df_mapping *m, const char *const *inputs, int n, const struct df_convert_summary *s,
                       const char *dir, df_error *err);

#endif
