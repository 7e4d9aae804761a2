/* converter/xlsx.h — streaming an Excel .xlsx export, row by row, like a CSV.
 *
 * The workbook is a zip (libzip); its parts are parsed with libxml2's
 * xmlTextReader straight from zip_fread, never a whole part in memory.
 * Rows come out as df_csv_row (converter/csv_reader.h), so the pipeline
 * treats them exactly as CSV rows: fields are UTF-8 text as Excel shows the
 * cell without its number format, row->line is the sheet's row number.
 *
 * Cell values:
 *   - strings (shared, inline, rich text runs concatenated, formula
 *     results t="str"): the text; phonetic runs (rPh) are left out
 *   - booleans: TRUE / FALSE; error cells: their text (#N/A, #DIV/0!)
 *   - numbers: integers without ".0", other values as the shortest text
 *     that reads back as the same double, at most 15 significant digits
 *     (Excel's precision: 0.1, 12.5, 0.3 for 0.30000000000000004)
 *   - dates: a number whose cell style is a date format (built-in ids
 *     14-22, 45-47, or a custom format with y/m/d/h/s outside quotes and
 *     brackets) becomes YYYY-MM-DD, YYYY-MM-DD HH:MM:SS when the format
 *     shows a time of day, HH:MM:SS when it shows only a time. So a
 *     mapping's date format for xlsx date cells is "%Y-%m-%d" (and
 *     "%Y-%m-%d %H:%M:%S" for date-times). Serials count days from
 *     1899-12-31 (the 1900 system, with Excel's phantom 1900-02-29 at 60)
 *     or from 1904-01-01 (workbookPr date1904); a serial outside the
 *     calendar (negative, past 9999-12-31) stays a number, for the
 *     mapping's date rule to reject with the row.
 *
 * Hostile files get a clear error naming file, sheet, row and column: no
 * DTD in any part (nor network, entity substitution), each part capped in
 * size and compression ratio (zip bombs) and never read past its declared
 * size, cell references checked (A1..XFD1048576, in order), shared string
 * indexes checked. Memory stays bounded whatever the input: a row is capped
 * at DF_CSV_MAX_ROW bytes, and the shared strings beyond
 * sst_memory bytes move to an unlinked temporary file ($TMPDIR, else /tmp)
 * read through a small block cache. */
#ifndef DF_CONVERTER_XLSX_H
#define DF_CONVERTER_XLSX_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "converter/csv_reader.h"

typedef struct df_xlsx df_xlsx;

/* Limits of one open; df_xlsx_open uses df_xlsx_default_limits. */
typedef struct df_xlsx_limits {
    uint64_t part_max;     /* uncompressed bytes of any one part */
    uint32_t ratio_max;    /* uncompressed : compressed, for parts over 64 KiB */
    size_t sst_memory;     /* shared strings held in memory before spilling to a file */
} df_xlsx_limits;

#define DF_XLSX_PART_MAX (4ull << 30)
#define DF_XLSX_RATIO_MAX 1000u
#define DF_XLSX_SST_MEMORY (16u << 20)
#define DF_XLSX_MAX_ROWS 1048576L
#define DF_XLSX_MAX_COLS 16384   /* XFD */

extern const df_xlsx_limits df_xlsx_default_limits;

/* Opens path (a .xlsx), finds the sheet (NULL: the first worksheet in
 * workbook.xml's order; else by its name as shown in Excel, exact or else
 * ignoring ASCII case) and reads the shared strings and the date styles.
 * An unknown sheet: "no sheet 'X'; the workbook has: A, B". */
int df_xlsx_open(const char *path, const char *sheet, df_xlsx **out, df_error *err);
int df_xlsx_open_limits(const char *path, const char *sheet, const df_xlsx_limits *lim, df_xlsx **out,
                        df_error *err);

/* The next row with at least one non-empty cell: 1 with *row filled (fields
 * as UTF-8, NUL-terminated, valid until the next call), 0 at the end, -1
 * with err ("PATH: sheet NAME row N column C: what is wrong"). Columns
 * missing before a cell (r="C5" after A5) are empty fields; nfields is the
 * column of the last non-empty cell; past DF_CSV_MAX_FIELDS columns only
 * the first are kept, as in the CSV reader. */
int df_xlsx_next(df_xlsx *x, df_csv_row *row, df_error *err);

/* For progress: compressed bytes of the file consumed so far (the sheet's
 * share estimated from its uncompressed position); the file size at the end. */
uint64_t df_xlsx_bytes_done(const df_xlsx *x);

/* The name of the sheet being read, and whether the shared strings went to
 * a temporary file (for tests and benchmarks). */
const char *df_xlsx_sheet_name(const df_xlsx *x);
int df_xlsx_sst_spilled(const df_xlsx *x);

void df_xlsx_close(df_xlsx *x);

/* Whether path is to be read as a workbook: named .xlsx, .xlsm or .xls,
 * or a regular file that starts as a zip (or an old .xls) does, whatever
 * its name. A CSV never starts so. */
int df_xlsx_is_workbook(const char *path);

#endif
