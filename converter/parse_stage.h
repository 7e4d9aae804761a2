/* converter/parse_stage.h — CSV parsing on a thread of its own.
 *
 * libcsv is the single largest cost of a conversion, so it runs ahead of the
 * validating thread: a parser thread streams the inputs through df_csv_read
 * and hands rows over in fixed-size batches through a bounded queue. The
 * consumer reads rows back in order with df_parse_stage_next. */
#ifndef DF_CONVERTER_PARSE_STAGE_H
#define DF_CONVERTER_PARSE_STAGE_H

#include <stdint.h>
#include "base/error.h"
#include "converter/csv_reader.h"

typedef struct df_parse_stage df_parse_stage;

enum { DF_PARSE_END = 0, DF_PARSE_ROW = 1, DF_PARSE_FILE = 2 };

/* Starts parsing inputs[0..n) one after the other. bytes_done is updated
 * as the files are read (for progress); it may be NULL. */
int df_parse_stage_start(df_parse_stage **out, const char *const *inputs, int n, const df_csv_dialect *d,
                         uint64_t *bytes_done, df_error *err);

/* The next item: DF_PARSE_FILE when input *file_index starts, DF_PARSE_ROW
 * with *row filled (valid until the next call), DF_PARSE_END after the last
 * input, or -1 with err set when parsing failed. */
int df_parse_stage_next(df_parse_stage *s, df_csv_row *row, int *file_index, df_error *err);

/* Stops the parser (if still running), waits for it and frees everything. */
void df_parse_stage_free(df_parse_stage *s);

#endif
