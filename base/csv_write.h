/* base/csv_write.h — CSV files for spreadsheet users: rejects.csv,
 * server-errors.csv and the lists built from them.
 *
 * UTF-8 with a BOM (so that Excel shows Chinese text), CRLF row ends, a
 * field quoted only when it holds a comma, quote, CR or LF. The file
 * appears atomically when committed. */
#ifndef DF_BASE_CSV_WRITE_H
#define DF_BASE_CSV_WRITE_H

#include <stddef.h>
#include <stdio.h>
#include "base/atomic_file.h"
#include "base/error.h"

/* Writes one field to f, quoted when it must be. */
void df_csv_put_field(FILE *f, const char *s, size_t len);

typedef struct df_csv_out {
    df_atomic_file file;
    FILE *f;
    int fields;    /* fields written in the current row */
} df_csv_out;

/* Creates path (atomically) and writes the BOM. */
int df_csv_out_open(df_csv_out *c, const char *path, df_error *err);
void df_csv_out_field(df_csv_out *c, const char *s, size_t len);
void df_csv_out_str(df_csv_out *c, const char *s);
void df_csv_out_end_row(df_csv_out *c);
/* Flushes, fsyncs and renames into place; reports any write error. */
int df_csv_out_commit(df_csv_out *c, df_error *err);
void df_csv_out_abort(df_csv_out *c);

#endif
