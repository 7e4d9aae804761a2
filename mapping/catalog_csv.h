/* mapping/catalog_csv.h — reading a catalog from the enterprise portal's
 * CSV export (INTERFACE.md §3): one row per entry, a header naming the
 * catalog's columns (the profile's element names) in any order, other
 * columns ignored. The one reader for drugflow (which keeps the keys, see
 * catalog.h) and drugflow-sim (which keeps whole rows).
 *
 * Checked like an ERP export: the declared encoding (UTF-8 by default, GBK
 * or GB18030; a file starting with a UTF-8 byte-order mark is UTF-8) is
 * decoded strictly, and a byte that is not valid in it stops the read
 * naming the file, line and column; a UTF-16 file is named as such. Values
 * are kept character for character (no trimming: the catalog's keys are
 * matched exactly, guide §2.4.2). A header without one of the key columns,
 * a row too short to hold them, and a key on two rows are errors naming
 * the file and the lines: the portal never exports a key twice, so two
 * rows of one key mean a damaged or hand-joined file, and which of the two
 * is right cannot be guessed. */
#ifndef DF_MAPPING_CATALOG_CSV_H
#define DF_MAPPING_CATALOG_CSV_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

/* One entry: cols[i]/lens[i] is column i of the catalog's definition ("" if
 * the export has no such column), in UTF-8; line is the line the row
 * starts on, the header being on line 1. Return 0 to go on, -1 (err
 * filled) to stop. */
typedef int (*df_catalog_row_fn)(void *arg, long line, const char *const *cols, const size_t *lens, df_error *err);

/* Streams the export at path (in encoding enc), calling fn for every
 * entry. *entries (may be NULL) gets the number of entries read. */
int df_catalog_csv_read_enc(const char *path, const df_catalog_def *def, df_encoding enc, df_catalog_row_fn fn,
                            void *arg, long *entries, df_error *err);
/* The same for a UTF-8 export. */
int df_catalog_csv_read(const char *path, const df_catalog_def *def, df_catalog_row_fn fn, void *arg, long *entries,
                        df_error *err);

#endif
