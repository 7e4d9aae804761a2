/* converter/csv_reader.h — streaming an ERP CSV export, row by row.
 *
 * libcsv parses the bytes; each row is handed to a callback with its fields
 * (raw bytes, still in the file's encoding) and the physical line it starts
 * on, so that errors can name file, line and column. Quoted fields may hold
 * delimiters, quotes and newlines; CRLF, LF and CR all end rows; a UTF-8 or
 * GB18030 BOM is skipped. Memory is bounded: a field longer than
 * DF_CSV_MAX_FIELD stops the read with a clear error (an unterminated quote
 * is the usual cause).
 *
 * Two ways in:
 *  - df_csv_read streams a whole file (or FIFO) through a fixed 256 KiB read
 *    buffer: the sequential reader.
 *  - a df_csv_cursor is fed pieces of bytes by its caller. Fed one
 *    df_csv_piece at a time, it says after each piece whether a row (or a
 *    blank line) ended exactly there: the piece then ends at a row start, a
 *    byte offset from which a fresh cursor parses the rest of the input
 *    exactly as one that had read everything before. That is what lets the
 *    converter parse byte ranges of one file in parallel (convert.h). */
#ifndef DF_CONVERTER_CSV_READER_H
#define DF_CONVERTER_CSV_READER_H

#include <csv.h>
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

/* A libcsv parser fed by its caller. Lines are counted from 1 at the first
 * byte fed. Field bytes are copied once, from libcsv's buffer into the row
 * buffer that row->field points into (valid during the callback). */
typedef struct df_csv_cursor {
    struct csv_parser parser;
    df_csv_row row;
    char *rowbuf;          /* fields of the current row, back to back */
    size_t rowlen, rowcap;
    long line;             /* physical line being parsed (row terminators seen + 1) */
    long row_start;        /* line the current row started on, 0 = no row yet */
    int last_term_cr;      /* the previous row ended with CR: a following LF is its tail */
    int row_ended;         /* a row or blank line ended in the last feed */
    int failed;            /* the callback failed (its message is in err) */
    int too_big;
    int inited;
    int pieces;            /* fed df_csv_piece by df_csv_piece: lines counted per piece, not per field */
    long fresh_line;       /* pieces: the line after the last row end (where the next row starts) */
    df_csv_row_fn fn;
    void *ctx;
    df_error *err;
    long err_line;         /* for a CSV error: the line it names */
} df_csv_cursor;

int df_csv_cursor_init(df_csv_cursor *c, const df_csv_dialect *d, df_csv_row_fn fn, void *ctx, df_error *err);
void df_csv_cursor_free(df_csv_cursor *c);

/* Puts the cursor in piece mode: every feed is one df_csv_piece (or
 * df_csv_piece_lf), so the cursor counts lines from the pieces' last bytes
 * instead of scanning every field for newlines. */
void df_csv_cursor_pieces(df_csv_cursor *c);

/* Parses data[0..len). Returns 0, or -1: either the callback failed
 * (c->failed, its message in err) or the CSV is bad, and then err holds
 * the message without its "FILE:LINE: " prefix and c->err_line the line
 * to name (df_csv_cursor_prefix adds both). */
int df_csv_cursor_feed(df_csv_cursor *c, const char *data, size_t len);
/* End of input: the last row without a terminator is delivered, a quote
 * still open is an error. Same returns as feed. */
int df_csv_cursor_finish(df_csv_cursor *c);
/* Turns a CSV error of feed/finish into "PATH:LINE: message", the line
 * counted from first_line (the input's line at the cursor's first byte). */
void df_csv_cursor_prefix(const df_csv_cursor *c, const char *path, long first_line);

/* The next piece of data[0..n) to feed a cursor so that a row can end only
 * at the piece's end: up to and including the next LF, CRLF, or CR that is
 * not followed by LF. Sets *complete when the piece ends so; otherwise the
 * piece holds no terminator at all (the data ran out first) and the caller
 * feeds it and reads more. A CR that is the last byte of data is left out
 * unless at_eof (its LF may follow): then 0 may be returned, and the
 * caller reads more data starting at that CR. */
size_t df_csv_piece(const char *data, size_t n, int at_eof, int *complete);
/* The same for data known to hold no CR: up to and including the next LF. */
size_t df_csv_piece_lf(const char *data, size_t n, int *complete);

#endif
