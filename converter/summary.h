/* converter/summary.h — what a conversion tells its user: counts per
 * reason, and the unmatched catalog keys they must add in the portal.
 *
 * Unmatched keys are counted in a bounded table (DF_TOPN_CAP distinct keys;
 * keys beyond are counted as "not tracked"), so memory does not grow with
 * the input however many distinct names a bad export holds. */
#ifndef DF_CONVERTER_SUMMARY_H
#define DF_CONVERTER_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include "base/path.h"
#include "mapping/rules.h"
#include "writer/chunk.h"

#define DF_TOPN_CAP 16384

typedef struct df_topn_entry {
    char *key;          /* catalog key, parts joined with U+001F */
    size_t len;
    uint64_t count;
    /* converter/unmatched.h: the nearest catalog entry, and for a key the
     * catalog truly lacks, the first row's values of the catalog's columns
     * (joined with U+001F) for missing-*.csv. NULL when none. */
    char *suggestion;
    char *columns;
    int near;           /* equal to a catalog entry after normalisation: a spelling to fix, not an entry to add */
} df_topn_entry;

typedef struct df_topn {
    size_t n, cap;      /* cap: slots, power of two */
    df_topn_entry *slots;
    uint64_t untracked_rows; /* rows whose key did not fit in the table */
} df_topn;

int df_topn_add(df_topn *t, const char *key, size_t len);
/* Counts key like df_topn_add; *e gets its entry (NULL when the table is
 * full and the key is not tracked), *is_new whether this was its first row. */
int df_topn_put(df_topn *t, const char *key, size_t len, df_topn_entry **e, int *is_new);
/* Sorts the entries by descending count (then key) into a new array of at
 * most max entries; *n receives the number. Caller frees the array only. */
df_topn_entry *df_topn_top(const df_topn *t, size_t max, size_t *n);
void df_topn_free(df_topn *t);

/* Where the time went (--stats): per stage, the seconds summed over the
 * threads that did it, and what went through it. Times are collected only
 * when asked for; counts always. */
typedef struct df_convert_stats {
    int enabled;
    int threads;                 /* workers */
    double wall_s;
    double cpu_s;                /* user + system CPU of the whole process so far */
    /* work, summed over workers */
    double read_s, parse_s, rows_s, write_s, sign_s;
    /* the committer (fsync + rename) and the sequencer */
    double commit_s, sequence_s;
    /* waits */
    double worker_idle_s;        /* workers waiting on an empty inbox */
    double worker_commit_wait_s; /* workers waiting for room in the commit queue */
    double stream_block_wait_s;  /* the stream worker waiting for a block */
    double sequencer_wait_s;     /* the sequencer waiting for blocks */
    double committer_idle_s;     /* the committer waiting for chunks */
    /* sizes and counts */
    uint64_t bytes_read;         /* input bytes read by workers (re-reads included) */
    uint64_t xml_bytes;          /* rendered record bytes */
    uint64_t rejects_bytes;      /* rejects.csv bytes */
    uint64_t ranges;             /* ranges of regular files */
    uint64_t ranges_reparsed;    /* whose first row was guessed wrong */
    uint64_t ranges_continued;   /* cut because their block was full */
    uint64_t stream_inputs;      /* inputs that could not be split */
    uint64_t blocks, slices;     /* blocks sequenced, chunk slices written */
    size_t range_bytes, block_bytes, nblocks;
    uint64_t max_inflight;       /* most blocks out of the pool at once */
    uint64_t lines_bytes;        /* the chunks' provenance lists (provenance.h), all together */
} df_convert_stats;

typedef struct df_convert_summary {
    char doc_type[DF_NAME_MAX];
    char batch_id[128];
    uint64_t input_bytes;
    uint64_t rows_read, accepted, rejected;
    uint64_t skipped;          /* rows that are not data (skip_footer, skip_if): not in rows_read */
    uint64_t by_reason[DF_R_COUNT];
    int ncatalogs;
    char catalog_names[DF_MAX_CATALOGS][DF_NAME_MAX];
    df_topn unmatched[DF_MAX_CATALOGS];
    int checked[DF_MAX_CATALOGS];   /* the catalog was loaded and applies to the document type */
    long long missing[DF_MAX_CATALOGS]; /* entries in missing-*.csv (df_missing_write) */
    char missing_path[DF_MAX_CATALOGS][DF_PATH_MAX]; /* where those were written, "" before */
    size_t nchunks;
    df_chunk_result *chunks;   /* in chunk order */
    char rejects_path[DF_PATH_MAX];
    double seconds;
    double index_seconds;      /* building the near-miss indexes (converter/unmatched.h) */
    int input_error;           /* the failure was the inputs' or the mapping's
                                * (missing, empty, header mismatch, batch
                                * exists): nothing was written */
    df_convert_stats stats;
    int limited;               /* stopped at df_convert_options.limit with input left */
    int dry_run;               /* a preview: nothing was written */
} df_convert_summary;

void df_summary_free(df_convert_summary *s);
/* Human summary (stderr usually). */
void df_summary_print(const df_convert_summary *s, FILE *f, int top);
/* Machine summary: one JSON object (with "stats" when they were taken). */
void df_summary_json(const df_convert_summary *s, FILE *f, int top);
/* --stats: time per stage, waits and bytes, to tune threads and chunks. */
void df_stats_print(const df_convert_summary *s, FILE *f);

#endif
