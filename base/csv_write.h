/* base/csv_write.h — CSV files for spreadsheet users: rejects.csv,
 * server-errors.csv and the lists built from them.
 *
 * UTF-8 with a BOM (so that Excel shows Chinese text), CRLF row ends, a
 * field quoted only when it holds a comma, quote, CR or LF. The file
 * appears atomically when committed.
 *
 * Cells are written for Excel by default (DF_CSV_EXCEL), so that opening
 * the file runs nothing and loses nothing:
 *   - a cell beginning with '=', '+', '-', '@', a tab or a CR gets a
 *     leading apostrophe (the OWASP advice against CSV formula injection),
 *     except a plain signed number such as -5 or +3.5, which Excel reads
 *     as the number it is;
 *   - a cell of digits only that Excel would turn into a number and damage
 *     (12 digits or more: 8.69E+13 and lost digits; or a leading zero)
 *     is written as the text formula ="86900000000001", which Excel and
 *     LibreOffice show as the digits themselves.
 * DF_CSV_RAW writes every value exactly as it is, for programs. */
#ifndef DF_BASE_CSV_WRITE_H
#define DF_BASE_CSV_WRITE_H

#include <stddef.h>
#include <stdio.h>
#include "base/atomic_file.h"
#include "base/error.h"

typedef enum { DF_CSV_EXCEL = 0, DF_CSV_RAW = 1 } df_csv_format;

/* One cell as `format` writes it, at out, which has room for
 * DF_CSV_CELL_MAX(len) bytes; returns the bytes written. The one encoder
 * of cells: the FILE writers below and rejects.csv's in-memory rows
 * (converter/rejects.h) use it. */
#define DF_CSV_CELL_MAX(len) (2 * (len) + 8)
size_t df_csv_cell(char *out, const char *s, size_t len, df_csv_format format);

/* Writes one field to f, quoted when it must be. -1 when out of memory. */
int df_csv_put_field(FILE *f, const char *s, size_t len);

/* "excel" or "raw" (the --rejects-format values); -1 for anything else. */
int df_csv_format_parse(const char *name, df_csv_format *out);

/* Writes one field to f as DF_CSV_EXCEL says (quoted when it must be). */
int df_csv_put_excel_field(FILE *f, const char *s, size_t len);

typedef struct df_csv_out {
    df_atomic_file file;
    FILE *f;
    int fields;    /* fields written in the current row */
    df_csv_format format;
    int to_stdout; /* path "-": standard output, no file, no BOM */
    int oom;       /* a cell could not be written: commit fails */
} df_csv_out;

/* Creates path (atomically) and writes the BOM; cells for Excel. The path
 * "-" is standard output (for a pipe: no BOM, nothing atomic). */
int df_csv_out_open(df_csv_out *c, const char *path, df_error *err);
/* The same with an explicit format. */
int df_csv_out_open_format(df_csv_out *c, const char *path, df_csv_format format, df_error *err);
void df_csv_out_field(df_csv_out *c, const char *s, size_t len);
void df_csv_out_str(df_csv_out *c, const char *s);
/* A cell copied from a CSV file drugflow wrote (rejects.csv into the fix
 * list): written as it stands, whatever the format, so that it is never
 * made safe twice. */
void df_csv_out_verbatim(df_csv_out *c, const char *s, size_t len);
/* Cells encoded already (df_csv_cell, in this file's format) and joined
 * with commas: written as they are, after a comma if cells precede. */
void df_csv_out_encoded(df_csv_out *c, const char *cells, size_t len);
void df_csv_out_end_row(df_csv_out *c);
/* Flushes, fsyncs and renames into place; reports any write error. */
int df_csv_out_commit(df_csv_out *c, df_error *err);
void df_csv_out_abort(df_csv_out *c);

#endif
