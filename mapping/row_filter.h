/* mapping/row_filter.h — rows that are not data: a mapping's skip_if
 * filters (合计 and 小计 rows, rows of only delimiters or spaces), tested
 * per row on the hot path.
 *
 * A filter tests one field, trimmed as a mapped field is (ASCII spaces,
 * tabs, U+3000): `matches` is a POSIX extended regex, found anywhere in
 * the field unless anchored (^, $), with UTF-8 characters as characters
 * whatever the process locale; `empty` holds when nothing is left. A
 * filter without column holds when every field of the row is empty. A
 * column the row lacks reads as empty. Filters look at one row each, so
 * the input can still be split across cores (skip_footer cannot: see
 * converter/footer.h). */
#ifndef DF_MAPPING_ROW_FILTER_H
#define DF_MAPPING_ROW_FILTER_H

#include <stddef.h>
#include "mapping/mapping.h"

/* 1 if the row is not data, with *which (may be NULL) the index in
 * m->filters of the first filter that holds; 0 if it is data (or m has no
 * filters). fields are the row's UTF-8 fields (no NUL needed), nfields of
 * them. No allocation; safe to call from many threads at once. */
int df_row_filter_skip(const df_mapping *m, const char *const *fields, const size_t *lens, int nfields,
                       int *which);

/* For the summary and logs: "skip_if at PATH:LINE:COL (单据编号 matches
 * ^(合计|小计))". */
void df_row_filter_describe(const df_mapping *m, int which, char *out, size_t cap);

/* Compiles pattern into f (its DF_ROW_FILTER_COPIES copies). 0, or -1 with
 * regcomp's reason in why. */
int df_row_filter_compile(df_row_filter *f, const char *pattern, char *why, size_t cap);
void df_row_filter_free(df_row_filter *f);

#endif
