/* converter/csv_reader.h — streaming an ERP CSV export, row by row.
 *
 * libcsv parses the file through a fixed 256 KiB read buffer; each row is
 * handed to a callback with its fields (raw bytes, still in the file's
 * encoding) and the physical line it starts on, so that errors can name
 * file, line and column. Quoted fields may hold delimiters, quotes and
 * newlines; CRLF and LF both end rows; a UTF-8 or GB18030 BOM is skipped.
 * Memory is bounded: a field longer than DF_CSV_MAX_FIELD stops the read
 * with a clear error (an unterminated quote is the usual cause). */
#ifndef DF_CONVERTER_CSV_READER_H
#define DF_CONVERTER_CSV_READER_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

#define DF_CSV_READ_BUF (256 * 1024)
#define DF_CSV_MAX_FIELDS 512
#define DF_CSV_MAX_FIELD (8u << 20)   /* bytes in one field */
#define DF_CSV_MAX_ROW (16u << 20)    /* bytes in one row */

typedef struct df_csv_row {
    long line;            /* physical line the row starts on, from 1 */
    int nfields;          /* fields in the row (may exceed DF_CSV_MAX_FIELDS: then only those are kept) */
    int kept;             /* fields stored below */
    const char *field[DF_CSV_MAX_FIELDS];
    size_t len[DF_CSV_MAX_FIELDS];
} df_csv_row;

typedef struct df_csv_dialect {
    char delimiter;
    char quote;
} df_csv_dialect;

/* Called once per non-blank row. Return 0 to go on, -1 (with err set) to stop. */
typedef int (*df_csv_row_fn)(void *ctx, const df_csv_row *row, df_error *err);

/* Streams path, calling fn for each row. bytes_done (may be NULL) is
 * updated as the file is read, for progress. */
int df_csv_read(const char *path, const df_csv_dialect *d, df_csv_row_fn fn, void *ctx,
                uint64_t *bytes_done, df_error *err);

#endif
