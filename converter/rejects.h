/* converter/rejects.h — rejects.csv, the list of rows the user must fix.
 *
 * UTF-8 with a BOM so that Excel shows Chinese text; one row per rejected
 * input row: input file, line, every reason code, a message naming the
 * fields, then the row's original fields (converted to UTF-8 for reading;
 * undecodable bytes shown as U+FFFD). Written atomically at the end.
 *
 * The converter's workers format a row's line after "file,line," into
 * memory (df_rejects_format); the sequencer writes the lines in input
 * order, with the file and its absolute line (df_rejects_put). */
#ifndef DF_CONVERTER_REJECTS_H
#define DF_CONVERTER_REJECTS_H

#include <stdio.h>
#include "base/atomic_file.h"
#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "mapping/rules.h"
#include "writer/chunk_writer.h"

typedef struct df_rejects {
    df_atomic_file file;
    FILE *f;
    int header_written;
} df_rejects;

int df_rejects_open(df_rejects *r, const char *path, df_error *err);
/* The header row; names are the export's column names (UTF-8) or NULL. */
int df_rejects_header(df_rejects *r, const char *const *names, const size_t *lens, int n, df_error *err);
/* Appends to out what follows "file,line," in a row of rejects.csv: the
 * reason codes, the message, the row's fields decoded for reading, CRLF.
 * *scratch is grown as needed (the caller frees it). 0 or -1 (memory). */
int df_rejects_format(df_buf *out, const df_csv_row *row, df_decoder *dec, const df_check_result *res,
                      const char *message, char **scratch, size_t *scratch_cap);
/* Writes one row: the input's name, the line, then text from df_rejects_format. */
int df_rejects_put(df_rejects *r, const char *input, long line, const char *text, size_t len, df_error *err);
int df_rejects_commit(df_rejects *r, df_error *err);
void df_rejects_abort(df_rejects *r);

/* Writes one CSV field, quoted when it must be. */
void df_csv_put_field(FILE *f, const char *s, size_t len);
/* The same into a buffer. 0 or -1 (memory). */
int df_csv_append_field(df_buf *b, const char *s, size_t len);

#endif
