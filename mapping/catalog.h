/* mapping/catalog.h — the enterprise's catalogs as hash sets of keys.
 *
 * A catalog (commodities, partners; INTERFACE.md §3) is matched character
 * for character on its key: (DrugCode, PackSpec) or Name. Only keys are
 * kept: a 100,000-entry catalog costs a few MiB. Catalogs load from the
 * portal's CSV exports here, from the workspace journal (uploader) or the
 * simulator's store through df_catalog_add. */
#ifndef DF_MAPPING_CATALOG_H
#define DF_MAPPING_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

typedef struct df_catalog {
    const df_catalog_def *def;
    int loaded;          /* 0: no catalog given, checks against it are skipped */
    size_t count;        /* keys held */
    size_t cap;          /* slots, power of two */
    struct df_catalog_slot {
        uint64_t hash;   /* 0 = empty slot */
        uint32_t offset; /* into arena: uint32 length, then bytes */
        uint32_t len;
    } *slots;            /* hash, offset and length side by side: one cache miss per probe */
    char *arena;
    size_t arena_len, arena_cap;
} df_catalog;

typedef struct df_catalog_set {
    int n;
    df_catalog cat[DF_MAX_CATALOGS];
} df_catalog_set;

/* One empty, unloaded catalog per catalog of the profile. */
void df_catalog_set_init(df_catalog_set *s, const df_profile *p);
void df_catalog_set_free(df_catalog_set *s);

/* Adds a key given as its parts (def->nkey of them). Marks it loaded. */
int df_catalog_add(df_catalog *c, const char *const *parts, const size_t *lens, df_error *err);
/* Removes a key if present (catalog change logs carry DELETE). */
void df_catalog_remove(df_catalog *c, const char *const *parts, const size_t *lens);
int df_catalog_contains(const df_catalog *c, const char *const *parts, const size_t *lens);
/* For a caller that looks keys up at a high rate: the hash of a key, and
 * df_catalog_prefetch to have what df_catalog_contains will read in cache
 * by then (stage 0: the slot; stage 1, some work later: the key bytes it
 * points to). Prefetching changes no result. */
uint64_t df_catalog_key_hash(const df_catalog *c, const char *const *parts, const size_t *lens);
void df_catalog_prefetch(const df_catalog *c, uint64_t hash, int stage);
/* df_catalog_contains with the key's hash already known. */
int df_catalog_contains_hashed(const df_catalog *c, const char *const *parts, const size_t *lens, uint64_t hash);

/* Loads a portal CSV export (catalog_csv.h): UTF-8 (BOM allowed), header
 * with the column names of the catalog's definition (others ignored, order
 * free); the _enc form in a declared encoding. */
int df_catalog_load_csv(df_catalog *c, const char *path, df_error *err);
int df_catalog_load_csv_enc(df_catalog *c, const char *path, df_encoding enc, df_error *err);
/* Frees the keys of one catalog (df_catalog_set_free does every one). */
void df_catalog_free(df_catalog *c);

/* The portal's CSV export of a catalog in dir: DIR/<list element, lower
 * case>.csv, e.g. DIR/commodities.csv for <Commodities>. */
void df_catalog_export_path(const df_catalog_def *def, const char *dir, char *out, size_t n);

/* The key of parts joined with U+001F, as used in the hash: for callers
 * that count keys (unmatched summaries). Returns the length written. */
size_t df_catalog_join_key(const df_catalog_def *def, const char *const *parts,
                           const size_t *lens, char *buf, size_t n);

uint64_t df_hash_bytes(const void *p, size_t n);

#endif
