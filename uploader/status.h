/* uploader/status.h — the server's results: polling toDowloadFileDeal.do,
 * storing what it says, and reporting it.
 *
 * df_status_poll asks for the uploaded chunks' FileIds (at most 100 per
 * request) until every one is final (PASSED, PARTIAL, FAILED) or the
 * timeout; each final result and its record errors go into the journal in
 * one transaction. A result that cannot be true (negative counts, passed +
 * failed != total, a total other than the chunk's records, a state its
 * counts contradict, one file id for two chunks) is stored as ANOMALY
 * instead, with why, and never counted as reported. df_status_report prints
 * a table per chunk and the totals from the journal; df_status_run also
 * writes each batch's server-errors.csv (traced to input lines) and
 * fixlist.csv beside rejects.csv (report/fixlist.h). */
#ifndef DF_UPLOADER_STATUS_H
#define DF_UPLOADER_STATUS_H

#include <stdio.h>

#include "base/error.h"
#include "workspace/journal.h"

struct df_client;

typedef struct df_status_options {
    struct df_client *client;
    df_journal *journal;
    const char *batch;   /* NULL: every batch */
    long timeout_s;      /* give up waiting after this (default 600) */
    long interval_ms;    /* first pause between polls (default 300; grows to 5 s) */
    int attempts;        /* consecutive transient failures tolerated (default 8) */
    FILE *progress;
    int errors_format;   /* server-errors.csv: df_csv_format, DF_CSV_EXCEL (0) or DF_CSV_RAW */
} df_status_options;

typedef struct df_status_totals {
    int chunks, passed, partial, failed, pending, refused, not_uploaded;
    int anomalies;       /* results that cannot be true (journal state ANOMALY): never PASSED */
    long long records, rec_total, rec_passed, rec_failed;
    int timed_out;       /* some results were not final */
    int network;         /* the server could not be asked */
    char error[1024];
} df_status_totals;

/* Polls until final or timeout. Returns -1 on a journal error; network
 * trouble and the timeout are reported in t (network, timed_out, error). */
int df_status_poll(const df_status_options *o, df_status_totals *t, df_error *err);

/* Counts the chunks of batch (NULL: all) from the journal and, if out is
 * not NULL, prints the table and totals. */
int df_status_report(df_journal *j, const char *batch, FILE *out, df_status_totals *t, df_error *err);

/* Polls (df_status_poll), prints the table on `table` (NULL: none) and
 * writes server-errors.csv and fixlist.csv in each batch's folder, saying
 * so on msgs. */
int df_status_run(const df_status_options *o, FILE *table, FILE *msgs, df_status_totals *t, df_error *err);

/* The totals as a JSON object body (no braces), for --json summaries. */
void df_status_json(const df_status_totals *t, FILE *out);

#endif
