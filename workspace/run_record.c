/* workspace/run_record.c — a batch's last run in the journal; see run_record.h. */
#include "workspace/run_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workspace/journal_db.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS run_records(batch TEXT PRIMARY KEY, at TEXT NOT NULL, rows_read INTEGER NOT NULL,"
    " accepted INTEGER NOT NULL, rejected INTEGER NOT NULL, skipped INTEGER NOT NULL, input_bytes INTEGER NOT NULL,"
    " distinct_unmatched TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS run_reasons(batch TEXT NOT NULL, ord INTEGER NOT NULL, code TEXT NOT NULL,"
    " rows INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS run_unmatched(batch TEXT NOT NULL, ord INTEGER NOT NULL, catalog TEXT NOT NULL,"
    " k TEXT NOT NULL, rows INTEGER NOT NULL, suggestion TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS run_timings(batch TEXT NOT NULL, stage TEXT NOT NULL, ord INTEGER NOT NULL,"
    " seconds REAL NOT NULL, PRIMARY KEY(batch, stage));"
    /* a table of its own, so that journals from before skip_footer need no migration */
    "CREATE TABLE IF NOT EXISTS run_not_data(batch TEXT PRIMARY KEY, rows INTEGER NOT NULL);";

static int fail(sqlite3 *db, df_error *err)
{
    return df_errorf(err, "journal: the batch's run record: %s", sqlite3_errmsg(db));
}

/* Runs sql with the batch bound to ?1 and the other values from fmt:
 * 'i' long long, 'd' double, 's' string. */
static int run(sqlite3 *db, const char *sql, const char *batch, const char *fmt, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, batch, -1, SQLITE_TRANSIENT);
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i')
            sqlite3_bind_int64(st, i + 2, va_arg(ap, long long));
        else if (fmt[i] == 'd')
            sqlite3_bind_double(st, i + 2, va_arg(ap, double));
        else
            sqlite3_bind_text(st, i + 2, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
    }
    va_end(ap);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static sqlite3 *open_db(df_journal *j, df_error *err)
{
    sqlite3 *db = df_journal_db_lock(j);
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, err);
        df_journal_db_unlock(j);
        return NULL;
    }
    return db;
}

static int put_rows(sqlite3 *db, const df_run_record *r)
{
    const char *b = r->batch;
    char distinct[160] = "";
    for (int c = 0; c < DF_MAX_CATALOGS; c++)
        snprintf(distinct + strlen(distinct), sizeof distinct - strlen(distinct), "%s%lld", c ? " " : "",
                 r->distinct_unmatched[c]);
    if (run(db, "DELETE FROM run_records WHERE batch = ?1", b, "") || run(db, "DELETE FROM run_reasons WHERE batch = ?1", b, "") ||
        run(db, "DELETE FROM run_unmatched WHERE batch = ?1", b, "") || run(db, "DELETE FROM run_timings WHERE batch = ?1", b, "") ||
        run(db, "DELETE FROM run_not_data WHERE batch = ?1", b, "") ||
        run(db, "INSERT INTO run_not_data VALUES(?1,?2)", b, "i", r->not_data) ||
        run(db, "INSERT INTO run_records VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", b, "siiiiis", r->at, r->rows_read, r->accepted,
            r->rejected, r->skipped, r->input_bytes, distinct))
        return -1;
    for (int i = 0; i < r->nreasons && i < DF_RUN_MAX_REASONS; i++)
        if (run(db, "INSERT INTO run_reasons VALUES(?1,?2,?3,?4)", b, "isi", (long long)i, r->reasons[i].code,
                r->reasons[i].rows))
            return -1;
    for (int i = 0; i < r->nunmatched && i < DF_RUN_MAX_UNMATCHED; i++)
        if (run(db, "INSERT INTO run_unmatched VALUES(?1,?2,?3,?4,?5,?6)", b, "issis", (long long)i,
                r->unmatched[i].catalog, r->unmatched[i].key, r->unmatched[i].rows, r->unmatched[i].suggestion))
            return -1;
    for (int i = 0; i < r->ntimings && i < DF_RUN_MAX_TIMINGS; i++)
        if (run(db, "INSERT INTO run_timings VALUES(?1,?2,?3,?4)", b, "sid", r->timings[i].stage, (long long)i,
                r->timings[i].seconds))
            return -1;
    return 0;
}

int df_run_record_put(df_journal *j, df_run_record *r, df_error *err)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(r->at, sizeof r->at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK && put_rows(db, r) == 0 &&
                     sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                 ? 0
                 : fail(db, err);
    if (rc != 0)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    df_journal_db_unlock(j);
    return rc;
}

int df_run_record_timing(df_journal *j, const char *batch, const char *stage, double seconds, df_error *err)
{
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    int rc = run(db, "INSERT OR REPLACE INTO run_timings VALUES(?1, ?2, (SELECT coalesce(max(ord), -1) + 1 FROM"
                     " run_timings WHERE batch = ?1 AND stage != ?2), ?3)", batch, "sd", stage, seconds) == 0
                 ? 0
                 : fail(db, err);
    df_journal_db_unlock(j);
    return rc;
}

static void text(sqlite3_stmt *st, int col, char *dst, size_t n)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", s ? (const char *)s : "");
}

/* Reads the rows of one query into r; kind says which part. */
static int read_part(sqlite3 *db, const char *sql, const char *batch, df_run_record *r, int kind)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
    int k;
    while ((k = sqlite3_step(st)) == SQLITE_ROW) {
        if (kind == 0) {
            text(st, 0, r->at, sizeof r->at);
            r->rows_read = sqlite3_column_int64(st, 1);
            r->accepted = sqlite3_column_int64(st, 2);
            r->rejected = sqlite3_column_int64(st, 3);
            r->skipped = sqlite3_column_int64(st, 4);
            r->input_bytes = sqlite3_column_int64(st, 5);
            const char *d = (const char *)sqlite3_column_text(st, 6);
            for (int c = 0; d && c < DF_MAX_CATALOGS; c++)
                r->distinct_unmatched[c] = strtoll(d, (char **)&d, 10);
        } else if (kind == 1 && r->nreasons < DF_RUN_MAX_REASONS) {
            text(st, 0, r->reasons[r->nreasons].code, sizeof r->reasons[0].code);
            r->reasons[r->nreasons++].rows = sqlite3_column_int64(st, 1);
        } else if (kind == 2 && r->nunmatched < DF_RUN_MAX_UNMATCHED) {
            text(st, 0, r->unmatched[r->nunmatched].catalog, sizeof r->unmatched[0].catalog);
            text(st, 1, r->unmatched[r->nunmatched].key, sizeof r->unmatched[0].key);
            r->unmatched[r->nunmatched].rows = sqlite3_column_int64(st, 2);
            text(st, 3, r->unmatched[r->nunmatched++].suggestion, sizeof r->unmatched[0].suggestion);
        } else if (kind == 4) {
            r->not_data = sqlite3_column_int64(st, 0);
        } else if (kind == 3 && r->ntimings < DF_RUN_MAX_TIMINGS) {
            text(st, 0, r->timings[r->ntimings].stage, sizeof r->timings[0].stage);
            r->timings[r->ntimings++].seconds = sqlite3_column_double(st, 1);
        }
    }
    sqlite3_finalize(st);
    return k == SQLITE_DONE ? 0 : -1;
}

int df_run_record_get(df_journal *j, const char *batch, df_run_record *r, int *found, df_error *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->batch, sizeof r->batch, "%s", batch);
    *found = 0;
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    int rc = read_part(db, "SELECT at, rows_read, accepted, rejected, skipped, input_bytes, distinct_unmatched FROM"
                           " run_records WHERE batch = ?1", batch, r, 0) ||
             read_part(db, "SELECT code, rows FROM run_reasons WHERE batch = ?1 ORDER BY ord", batch, r, 1) ||
             read_part(db, "SELECT catalog, k, rows, suggestion FROM run_unmatched WHERE batch = ?1 ORDER BY ord",
                       batch, r, 2) ||
             read_part(db, "SELECT stage, seconds FROM run_timings WHERE batch = ?1 ORDER BY ord", batch, r, 3) ||
             read_part(db, "SELECT rows FROM run_not_data WHERE batch = ?1", batch, r, 4)
                 ? fail(db, err)
                 : 0;
    *found = r->at[0] != 0;
    df_journal_db_unlock(j);
    return rc;
}
