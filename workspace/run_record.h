/* workspace/run_record.h — what the last run of a batch found, kept in the
 * journal for the batch report (report/html.h), which may be written long
 * after the run (`drugflow report`): the row counts, the rejects per
 * reason, the top unmatched catalog keys with their near misses, and the
 * time each stage took. Stages are named rows ("convert", "upload", …),
 * so that finer figures (the converter's per-stage --stats) are added
 * without a schema change. Plain values only: no converter types here. */
#ifndef DF_WORKSPACE_RUN_RECORD_H
#define DF_WORKSPACE_RUN_RECORD_H

#include "base/error.h"
#include "mapping/profile.h"
#include "workspace/journal.h"

#define DF_RUN_MAX_REASONS 16
#define DF_RUN_MAX_UNMATCHED 40
#define DF_RUN_MAX_TIMINGS 16

typedef struct df_run_record {
    char batch[128];
    char at[32];                      /* when the run ended, UTC ISO-8601 */
    long long rows_read, accepted, rejected;
    long long skipped;                /* records of chunks the server already had: not sent again */
    long long not_data;               /* rows the mapping says are not data (skip_footer, skip_if) */
    long long input_bytes;
    int nreasons;
    struct { char code[48]; long long rows; } reasons[DF_RUN_MAX_REASONS];
    int nunmatched;                   /* most rows first, per catalog */
    struct {
        char catalog[DF_NAME_MAX];
        char key[1024];               /* parts joined with ", " */
        long long rows;
        char suggestion[1024];
    } unmatched[DF_RUN_MAX_UNMATCHED];
    long long distinct_unmatched[DF_MAX_CATALOGS];
    int ntimings;                     /* in stage order */
    struct { char stage[48]; double seconds; } timings[DF_RUN_MAX_TIMINGS];
} df_run_record;

/* Replaces the batch's record (at is set to now). */
int df_run_record_put(df_journal *j, df_run_record *r, df_error *err);
/* *found = 0 when the batch was never run in this workspace. */
int df_run_record_get(df_journal *j, const char *batch, df_run_record *r, int *found, df_error *err);
/* Adds or replaces one stage's time (e.g. the wait for results, known later). */
int df_run_record_timing(df_journal *j, const char *batch, const char *stage, double seconds, df_error *err);

#endif
