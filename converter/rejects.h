/* converter/rejects.h — rejects.csv, the list of rows the user must fix.
 *
 * UTF-8 with a BOM so that Excel shows Chinese text; one row per rejected
 * input row: input file, line, every reason code, a message naming the
 * fields, the near miss of an unmatched key ("did you mean …"), then the
 * row's original fields (converted to UTF-8 for reading; undecodable bytes
 * shown as U+FFFD). Written atomically at the end. Cells are made safe to
 * open in Excel unless the format is DF_CSV_RAW (base/csv_write.h). */
#ifndef DF_CONVERTER_REJECTS_H
#define DF_CONVERTER_REJECTS_H

#include <stdio.h>
#include "base/csv_write.h"
#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "mapping/rules.h"

typedef struct df_rejects {
    df_csv_out out;
    char *scratch;
    size_t scratch_cap;
    int header_written;
} df_rejects;

int df_rejects_open(df_rejects *r, const char *path, df_error *err);
int df_rejects_open_format(df_rejects *r, const char *path, df_csv_format format, df_error *err);
/* The header row; names are the export's column names (UTF-8) or NULL. */
int df_rejects_header(df_rejects *r, const char *const *names, const size_t *lens, int n, df_error *err);
/* suggestion: the near misses of the row's unmatched keys, or "". */
int df_rejects_add(df_rejects *r, const char *input, const df_csv_row *row, df_decoder *dec,
                   const df_check_result *res, const char *message, const char *suggestion, df_error *err);
int df_rejects_commit(df_rejects *r, df_error *err);
void df_rejects_abort(df_rejects *r);

#endif
