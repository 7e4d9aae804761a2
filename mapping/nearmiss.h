/* mapping/nearmiss.h — for a key the catalog does not hold, the nearest
 * entry it does hold, and how the two differ: `did you mean
 * "广州市第3大药房（连锁）有限公司" (differs: half-width brackets)`.
 *
 * Matching itself stays exact (guide §2.4.2); this only explains a miss,
 * and is asked only for unmatched keys. Most misses are almost right, so
 * the search goes in two steps over an index built once per catalog:
 *   1. normalised forms: both sides with full-width letters, digits,
 *      brackets and punctuation made half-width, spaces (ASCII, ideographic,
 *      no-break) removed, ×/x/＊ between numbers made '*', letter case
 *      folded, 有限责任公司 read as 有限公司. Equal normalised forms are a
 *      certain near miss; the explanation names exactly the steps that
 *      were needed, seen from the row (the row has "half-width brackets").
 *   2. otherwise a bounded edit distance (Levenshtein on characters, at
 *      most DF_NEARMISS_MAX_EDITS and a fifth of the key's length) over
 *      candidates from a trigram prefilter, and for keys of several parts
 *      (DrugCode, PackSpec) the entries sharing one part exactly; the
 *      explanation names the part and the characters that differ.
 * Everything works on Unicode characters (UTF-8 decoded), never bytes.
 * The index keeps pointers into the catalog, which must outlive it; it
 * is queried from one thread at a time. */
#ifndef DF_MAPPING_NEARMISS_H
#define DF_MAPPING_NEARMISS_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/catalog.h"

#define DF_NEARMISS_MAX_EDITS 4

typedef struct df_nearmiss df_nearmiss;

typedef struct df_near {
    int found;            /* 0: nothing near (the entry is truly missing) */
    int normalised;       /* equal after normalisation (distance 0) */
    int distance;         /* edits between the normalised forms */
    const char *key;      /* the catalog's key (parts joined by U+001F), in the catalog */
    size_t key_len;
    char differs[512];    /* "half-width brackets; PackSpec '48' → '24'" */
} df_near;

/* Indexes the keys of a loaded catalog. */
int df_nearmiss_build(df_nearmiss **out, const df_catalog *cat, df_error *err);
void df_nearmiss_free(df_nearmiss *nm);
size_t df_nearmiss_size(const df_nearmiss *nm);   /* entries indexed */

/* The nearest entry to key (parts joined by U+001F). */
void df_nearmiss_find(df_nearmiss *nm, const char *key, size_t len, df_near *out);

/* `did you mean "…" (differs: …)`, parts as `("…", "…")`; "" when not found. */
size_t df_near_format(const df_near *n, char *buf, size_t cap);

#endif
