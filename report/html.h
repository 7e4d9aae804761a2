/* report/html.h — the batch report: one self-contained HTML file (inline
 * CSS and SVG charts; no script, no network: a Content-Security-Policy of
 * default-src 'none') that a user opens after a month-end run: rows read,
 * accepted, rejected and skipped; rejects per reason; the top unmatched
 * catalog entries with their near misses; the chunks by server state with
 * their record totals; the time of each stage; and the first rows of the
 * fix list. Written atomically into the batch's folder (report.html).
 *
 * Why a room of its own (report/): everything here looks back at a batch
 * after the fact, from what the journal and the batch's folder hold —
 * server-errors.csv, fixlist.csv and this page — above the workspace and
 * the converter, used by `drugflow status`, `run` and `report`. */
#ifndef DF_REPORT_HTML_H
#define DF_REPORT_HTML_H

#include "base/error.h"
#include "base/path.h"
#include "converter/summary.h"
#include "workspace/journal.h"

typedef struct df_stage_time {
    const char *stage;
    double seconds;
} df_stage_time;

/* Keeps what a run's conversion found (for a later `drugflow report`):
 * counts, reasons, top unmatched with suggestions, and the stage times. */
int df_report_save_run(df_journal *j, const df_convert_summary *s, long long skipped_records,
                       const df_stage_time *times, int ntimes, df_error *err);
/* Adds one stage's time to the batch's record (e.g. waiting for results). */
int df_report_save_time(df_journal *j, const char *batch, const char *stage, double seconds, df_error *err);

typedef struct df_report_options {
    const char *batch;     /* NULL: the batch started last */
    const char *out;       /* NULL: BATCH-FOLDER/report.html */
    int fix_rows;          /* fix-list rows shown; 0: 20 */
} df_report_options;

/* Writes the fix files (report/fixlist.h) and the report of a batch;
 * path gets the report's path. */
int df_report_write(df_journal *j, const df_report_options *o, char *path, size_t n, df_error *err);

#endif
