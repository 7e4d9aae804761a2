/* converter/footer.h — skip_footer: the last N rows of an export that are
 * not data (合计, 制表人：…), found before the data is read or held back
 * while it streams.
 *
 * For a regular file, df_footer_find reads the tail backwards and says
 * where the last n rows begin, so that the data before it can still be
 * split across cores. That is exact when the tail holds no quote
 * character: no line break in it can then be inside a quoted field.
 * Otherwise (and for a pipe) the caller streams every row through a
 * df_footer_ring, which holds the last n back: what falls out of it is
 * data, what is left in it at the end is the footer.
 *
 * Rows are counted as the CSV reader counts them: CR, LF and CRLF end a
 * row; an empty line is no row (trailing blank lines are not footer). */
#ifndef DF_CONVERTER_FOOTER_H
#define DF_CONVERTER_FOOTER_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "converter/csv_reader.h"

#define DF_FOOTER_BLOCK (64 * 1024)          /* bytes per pread, backwards */
#define DF_FOOTER_RING_MAX_BYTES (64u << 20) /* field bytes a ring may hold in all */

/* Finds, in the file fd of `size` bytes whose data rows start at byte
 * data_start (after any BOM, skipped rows and header), where the last n
 * (≥ 0) non-blank rows begin: *data_end. With fewer than n rows after
 * data_start, *data_end = data_start. *exact is 1 when no quote character
 * lies in [*data_end, size); else 0, and *data_end is size (nothing is
 * known: stream the rows through a df_footer_ring). -1 with err on a read
 * error or data_start > size. */
int df_footer_find(int fd, uint64_t data_start, uint64_t size, int n, char quote, uint64_t *data_end, int *exact,
                   int *footer_rows, df_error *err);

/* The last n rows seen, each slot's field bytes copied into its own arena
 * (grown to the largest row it held, then reused: no allocation per row
 * once warm). A row keeps at most DF_CSV_MAX_FIELDS fields, as the
 * reader does. */
typedef struct df_footer_ring df_footer_ring;

/* n from 1 to 1000 (DF_MAX_SKIP_FOOTER). NULL with err when out of memory. */
df_footer_ring *df_footer_ring_new(int n, df_error *err);
void df_footer_ring_free(df_footer_ring *r);

/* Pushes a row (line, nfields as read, kept ≤ DF_CSV_MAX_FIELDS fields).
 * *out is the row that falls out (the oldest, once n are held), valid
 * until the next push, or NULL. -1 with err when the row or the ring's
 * total is over its bound (DF_CSV_MAX_ROW, DF_FOOTER_RING_MAX_BYTES). */
int df_footer_ring_push(df_footer_ring *r, long line, int nfields, int kept, const char *const *fields,
                        const size_t *lens, const df_csv_row **out, df_error *err);

/* The rows held (≤ n), and the i-th of them, oldest first: at the end of
 * the input, the footer. Fields are NUL-terminated. */
int df_footer_ring_count(const df_footer_ring *r);
const df_csv_row *df_footer_ring_at(const df_footer_ring *r, int i);

#endif
