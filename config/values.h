/* config/values.h — the run values every command shares, each checked and
 * defaulted in exactly one place: the reporting period, the batch id, the
 * chunk limits, the number of threads, the CreatedAt of a batch.
 *
 * The command-line option tables (cli/) and the configuration file
 * (config.h) both refer to these, so that `convert`, `run` and the
 * configuration accept exactly the same values. */
#ifndef DF_CONFIG_VALUES_H
#define DF_CONFIG_VALUES_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

/* Chunk limits (INTERFACE.md §4: a data file is one chunk). */
#define DF_DEFAULT_CHUNK_RECORDS 20000
#define DF_DEFAULT_CHUNK_BYTES (16u << 20)
#define DF_MIN_CHUNK_RECORDS 1
#define DF_MAX_CHUNK_RECORDS 10000000
#define DF_MIN_CHUNK_BYTES (64u << 10)
#define DF_MAX_CHUNK_BYTES (1u << 30)

/* Threads: 0 means the number of online cores. */
#define DF_MAX_THREADS 64

/* Parallel uploads and attempts per chunk. */
#define DF_MAX_UPLOADS 64
#define DF_MAX_ATTEMPTS 100

/* A batch id: letters, digits, '-', '_' and '.', not "." or "..". */
#define DF_BATCH_ID_MAX 127

/* YYYY-MM with a real month (2026-10). 0, or -1 with why. */
int df_period_check(const char *s, char *why, size_t n);
/* A batch id that is safe as a file name. 0, or -1 with why. */
int df_batch_id_check(const char *s, char *why, size_t n);
/* The same, and at most max characters (the profile's batch_id_max_length):
 * an id is refused, never cut short, so two ids can never become one. */
int df_batch_id_check_max(const char *s, int max, char *why, size_t n);
/* The default batch id of a period and document type: PERIOD-DOCTYPE-01. */
int df_batch_id_default(const char *period, const char *doc_type, char *out, size_t n, df_error *err);
/* A CreatedAt as the schema's xs:dateTime takes it (2026-11-01T02:00:00+08:00). */
int df_created_at_check(const char *s, char *why, size_t n);
/* CreatedAt: explicit (checked), else $SOURCE_DATE_EPOCH, else now; in
 * China Standard Time (+08:00). */
int df_created_at(const char *explicit_value, char *out, size_t n, df_error *err);

/* Chunk limits: 0 takes the default; others must be within the limits above. */
int df_chunk_limits(uint64_t records, uint64_t bytes, uint64_t *out_records, uint64_t *out_bytes, df_error *err);
/* Threads: 0 (or less) takes the number of cores, at most DF_MAX_THREADS. */
int df_threads(int requested);

#endif
