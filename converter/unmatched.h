/* converter/unmatched.h — what the converter does with a row's keys that
 * the catalogs miss: counts them for the summary's list of entries to add,
 * explains each distinct key once with the nearest entry the catalog holds
 * (mapping/nearmiss.h, whose index is built the first time a catalog
 * misses; the time goes into summary.index_seconds), and for a key the
 * catalog truly lacks keeps the first row's values of the catalog's
 * columns, so that missing-partners.csv and missing-commodities.csv (the
 * portal's catalog export format, INTERFACE.md §3) can be imported in the
 * enterprise portal in one step. Matching itself stays exact: nothing
 * here changes what is sent. */
#ifndef DF_CONVERTER_UNMATCHED_H
#define DF_CONVERTER_UNMATCHED_H

#include "converter/summary.h"
#include "mapping/catalog.h"
#include "mapping/nearmiss.h"
#include "mapping/profile.h"
#include "mapping/rules.h"

typedef struct df_unmatched {
    const df_profile *p;
    const df_doctype *dt;
    const df_catalog_set *cats;
    int suggest;                          /* look for near misses */
    df_nearmiss *idx[DF_MAX_CATALOGS];
    int failed_index[DF_MAX_CATALOGS];    /* out of memory building it: no suggestions */
    int column_field[DF_MAX_CATALOGS][DF_MAX_CATALOG_COLUMNS]; /* record field of each catalog column, or -1 */
} df_unmatched;

void df_unmatched_init(df_unmatched *u, const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                       int suggest);
void df_unmatched_free(df_unmatched *u);

/* The row's values of catalog c's columns, joined with U+001F, at out
 * (cap bytes): what missing-*.csv gets if the key turns out missing.
 * Called by the workers (u is read-only there). Returns the bytes. */
size_t df_unmatched_columns(const df_unmatched *u, int c, const char *const *vals, const size_t *lens, char *out,
                            size_t cap);

/* One unmatched key of catalog c in a rejected row, in input order (the
 * sequencer's thread): counts it in s->unmatched and appends its
 * suggestion to buf, a NUL-terminated string of n bytes ("; " between
 * keys; nothing when there is none). cols: df_unmatched_columns' text.
 * -1 only when out of memory. */
int df_unmatched_key(df_unmatched *u, df_convert_summary *s, int c, const char *key, size_t kl, const char *cols,
                     size_t cl, char *buf, size_t n, df_error *err);

/* DIR/missing-<list>.csv (missing-partners.csv, missing-commodities.csv)
 * for every catalog the conversion checked: the truly missing entries,
 * most rows first, columns in the catalog's order; s->missing and
 * s->missing_path say what was written (df_summary_print shows it). */
int df_missing_write(df_convert_summary *s, const df_profile *p, const char *dir, df_error *err);

/* The file name df_missing_write gives a catalog's list. */
void df_missing_path(const df_catalog_def *def, const char *dir, char *out, size_t n);

#endif
