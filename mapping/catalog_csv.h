/* mapping/catalog_csv.h — reading a catalog from the enterprise portal's
 * CSV export (INTERFACE.md §3): one row per entry, a header naming the
 * catalog's columns (the profile's element names) in any order, other
 * columns ignored. The one reader for drugflow (which keeps the keys, see
 * catalog.h) and drugflow-sim (which keeps whole rows).
 *
 * UTF-8, a BOM allowed; values are kept character for character (no
 * trimming: the catalog's keys are matched exactly, guide §2.4.2). A
 * header without one of the key columns, or a row too short to hold them,
 * is an error naming the file and row. */
#ifndef DF_MAPPING_CATALOG_CSV_H
#define DF_MAPPING_CATALOG_CSV_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/profile.h"

/* One entry: cols[i]/lens[i] is column i of the catalog's definition ("" if
 * the export has no such column); row is the row's number, the header
 * being row 1. Return 0 to go on, -1 (err filled) to stop. */
typedef int (*df_catalog_row_fn)(void *arg, long row, const char *const *cols, const size_t *lens, df_error *err);

/* Streams the export at path, calling fn for every entry. *entries (may be
 * NULL) gets the number of entries read. */
int df_catalog_csv_read(const char *path, const df_catalog_def *def, df_catalog_row_fn fn, void *arg, long *entries,
                        df_error *err);

#endif
