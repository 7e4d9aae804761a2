/* converter/rejects.h — rejects.csv, the rows the user must fix.
 *
 * UTF-8 with a BOM so that Excel shows Chinese text; one row per rejected
 * input row: input file, line, every reason code, a message naming the
 * fields, the near miss of an unmatched key ("did you mean …"), then the
 * row's original fields (converted to UTF-8 for reading; undecodable bytes
 * shown as U+FFFD). Written atomically at the end. Cells are made safe to
 * open in Excel unless the format is DF_CSV_RAW (base/csv_write.h).
 *
 * The converter's workers encode a rejected row's cells into memory
 * (df_rejects_format); the sequencer writes the rows in input order, with
 * the file, its absolute line and the suggestion (df_rejects_put), which
 * only the sequencer knows: near misses are looked up once per distinct
 * key, in input order. */
#ifndef DF_CONVERTER_REJECTS_H
#define DF_CONVERTER_REJECTS_H

#include "base/csv_write.h"
#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "mapping/rules.h"
#include "writer/chunk.h"

typedef struct df_rejects {
    df_csv_out out;
    int header_written;
} df_rejects;

int df_rejects_open(df_rejects *r, const char *path, df_error *err);
int df_rejects_open_format(df_rejects *r, const char *path, df_csv_format format, df_error *err);
/* The header row; names are the export's column names (UTF-8) or NULL. */
int df_rejects_header(df_rejects *r, const char *const *names, const size_t *lens, int n, df_error *err);

/* A rejected row's cells, encoded in `format`, appended to out: first the
 * reason codes and the message (*split = their bytes), then the row's
 * fields decoded for reading, each after a comma. *scratch is grown as
 * needed (the caller frees it). 0 or -1 (memory). */
int df_rejects_format(df_buf *out, size_t *split, const df_csv_row *row, df_decoder *dec,
                      const df_check_result *res, const char *message, df_csv_format format, char **scratch,
                      size_t *scratch_cap);
/* Writes one row: the input's name, the line, then text from
 * df_rejects_format (split as it said) around the suggestion ("" if none). */
int df_rejects_put(df_rejects *r, const char *input, long line, const char *text, size_t split, size_t len,
                   const char *suggestion, df_error *err);
int df_rejects_commit(df_rejects *r, df_error *err);
void df_rejects_abort(df_rejects *r);

#endif
