/* workspace/journal.c — the workspace journal on SQLite; see journal.h. */
#include "workspace/journal.h"
#include "workspace/journal_db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct df_journal {
    sqlite3 *db;
    pthread_mutex_t mu;
    int in_txn;   /* an explicit begin() holds mu until commit/rollback */
    char workspace[DF_PATH_MAX];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS batches(id TEXT PRIMARY KEY, doc_type TEXT NOT NULL, period TEXT NOT NULL,"
    " created_at TEXT NOT NULL, out_dir TEXT NOT NULL, chunk_records INTEGER NOT NULL,"
    " chunk_bytes INTEGER NOT NULL, started TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, batch TEXT NOT NULL REFERENCES batches(id),"
    " seq INTEGER NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " records INTEGER NOT NULL, bytes INTEGER NOT NULL, state TEXT NOT NULL, file_id TEXT,"
    " duplicate INTEGER NOT NULL DEFAULT 0, code INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',"
    " total INTEGER NOT NULL DEFAULT 0, passed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " updated TEXT NOT NULL, UNIQUE(batch, seq));"
    "CREATE TABLE IF NOT EXISTS attempts(id INTEGER PRIMARY KEY, chunk INTEGER NOT NULL, at TEXT NOT NULL,"
    " entry TEXT NOT NULL, outcome TEXT NOT NULL, http INTEGER NOT NULL, code INTEGER NOT NULL,"
    " message TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS attempts_chunk ON attempts(chunk);"
    "CREATE TABLE IF NOT EXISTS record_errors(chunk INTEGER NOT NULL, seq INTEGER NOT NULL, code TEXT NOT NULL,"
    " message TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS record_errors_chunk ON record_errors(chunk);"
    "CREATE TABLE IF NOT EXISTS catalog_versions(cat TEXT PRIMARY KEY, version INTEGER NOT NULL,"
    " pulled TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS catalog_entries(cat TEXT NOT NULL, k TEXT NOT NULL, cols TEXT NOT NULL,"
    " PRIMARY KEY(cat, k));";

static const char *const state_names[DF_CS_COUNT] = {"written", "signed",  "uploading", "uploaded", "refused",
                                                     "PASSED",  "PARTIAL", "FAILED",    "ANOMALY"};

const char *df_chunk_state_name(df_chunk_state s)
{
    return (unsigned)s < DF_CS_COUNT ? state_names[s] : "?";
}

int df_chunk_state_parse(const char *name, df_chunk_state *out)
{
    for (int i = 0; i < DF_CS_COUNT; i++)
        if (!strcmp(name, state_names[i])) {
            *out = (df_chunk_state)i;
            return 0;
        }
    return -1;
}

int df_chunk_state_final(df_chunk_state s)
{
    return s == DF_CS_PASSED || s == DF_CS_PARTIAL || s == DF_CS_FAILED || s == DF_CS_ANOMALY;
}

int df_chunk_transition_ok(df_chunk_state from, df_chunk_state to)
{
    switch (to) {
    case DF_CS_WRITTEN:
    case DF_CS_SIGNED: /* a chunk without FileId may be rewritten */
        return from == DF_CS_WRITTEN || from == DF_CS_SIGNED || from == DF_CS_UPLOADING || from == DF_CS_REFUSED;
    case DF_CS_UPLOADING:
        return from == DF_CS_WRITTEN || from == DF_CS_SIGNED || from == DF_CS_UPLOADING || from == DF_CS_REFUSED;
    case DF_CS_UPLOADED:
    case DF_CS_REFUSED:
        return from == DF_CS_UPLOADING;
    case DF_CS_PASSED:
    case DF_CS_PARTIAL:
    case DF_CS_FAILED:
        return from == DF_CS_UPLOADED;
    case DF_CS_ANOMALY: /* also later, when a second chunk turns up with the same FileId */
        return from == DF_CS_UPLOADED || df_chunk_state_final(from);
    default:
        return 0;
    }
}

static void now_iso(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int db_fail(df_journal *j, df_error *err, const char *what)
{
    return df_errorf(err, "%s/journal.sqlite: %s: %s", j->workspace, what, sqlite3_errmsg(j->db));
}

/* Runs a statement that returns no rows; on failure says what failed. */
static int step_done(df_journal *j, sqlite3_stmt *st, const char *what, df_error *err)
{
    return sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(j, err, what);
}

static void lock(df_journal *j)
{
    pthread_mutex_lock(&j->mu);
}
static void unlock(df_journal *j)
{
    pthread_mutex_unlock(&j->mu);
}

static int exec(df_journal *j, const char *sql, df_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        df_errorf(err, "%s/journal.sqlite: %s", j->workspace, msg ? msg : sqlite3_errmsg(j->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int df_journal_open(df_journal **out, const char *workspace, df_error *err)
{
    *out = NULL;
    if (!workspace || !*workspace)
        return df_errorf(err, "no workspace: give --workspace DIR or 'workspace:' in the configuration");
    if (mkdir(workspace, 0700) != 0 && errno != EEXIST)
        return df_error_errno(err, "%s: cannot create the workspace", workspace);
    df_journal *j = calloc(1, sizeof *j);
    if (!j)
        return df_errorf(err, "out of memory");
    snprintf(j->workspace, sizeof j->workspace, "%s", workspace);
    pthread_mutex_init(&j->mu, NULL);
    char path[DF_PATH_MAX];
    snprintf(path, sizeof path, "%s/journal.sqlite", workspace);
    if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        df_errorf(err, "%s: cannot open the journal: %s", path, j->db ? sqlite3_errmsg(j->db) : "out of memory");
        df_journal_close(j);
        return -1;
    }
    sqlite3_busy_timeout(j->db, 30000);
    if (exec(j, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err) != 0 ||
        exec(j, schema, err) != 0) {
        df_journal_close(j);
        return -1;
    }
    *out = j;
    return 0;
}

void df_journal_close(df_journal *j)
{
    if (!j)
        return;
    if (j->db)
        sqlite3_close(j->db);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

const char *df_journal_workspace(const df_journal *j)
{
    return j->workspace;
}

/* For the journal's other tables kept in files of their own (journal_db.h). */
sqlite3 *df_journal_db_lock(df_journal *j)
{
    lock(j);
    return j->db;
}

void df_journal_db_unlock(df_journal *j)
{
    unlock(j);
}

static sqlite3_stmt *prep(df_journal *j, const char *sql, df_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(j, err, "cannot prepare a statement");
        return NULL;
    }
    return st;
}

static void text(sqlite3_stmt *st, int col, char *dst, size_t n)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", s ? (const char *)s : "");
}

/* ---- batches ---- */

static void batch_row(sqlite3_stmt *st, df_batch_info *b)
{
    memset(b, 0, sizeof *b);
    text(st, 0, b->id, sizeof b->id);
    text(st, 1, b->doc_type, sizeof b->doc_type);
    text(st, 2, b->period, sizeof b->period);
    text(st, 3, b->created_at, sizeof b->created_at);
    text(st, 4, b->out_dir, sizeof b->out_dir);
    b->chunk_records = sqlite3_column_int64(st, 5);
    b->chunk_bytes = sqlite3_column_int64(st, 6);
}

#define BATCH_COLS "id, doc_type, period, created_at, out_dir, chunk_records, chunk_bytes"

int df_journal_batch_get(df_journal *j, const char *id, df_batch_info *b, int *found, df_error *err)
{
    lock(j);
    *found = 0;
    int rc = -1;
    sqlite3_stmt *st = prep(j, "SELECT " BATCH_COLS " FROM batches WHERE id = ?", err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        batch_row(st, b);
        *found = 1;
    } else if (s != SQLITE_DONE) {
        db_fail(j, err, "reading a batch");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_batch_put(df_journal *j, const df_batch_info *b, df_error *err)
{
    lock(j);
    int rc = -1;
    char now[32];
    now_iso(now, sizeof now);
    sqlite3_stmt *st = prep(j, "INSERT OR IGNORE INTO batches(" BATCH_COLS ", started) VALUES(?,?,?,?,?,?,?,?)", err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, b->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b->doc_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, b->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, b->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, b->out_dir, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, b->chunk_records);
    sqlite3_bind_int64(st, 7, b->chunk_bytes);
    sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
    if (step_done(j, st, "recording a batch", err) != 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

/* Steps st to the end, reading each row into a growing array (elem bytes
 * a row, filled by read), then finalizes st and unlocks the journal. Rows
 * are collected first so that the caller's callback may use the journal. */
static int collect_rows(df_journal *j, sqlite3_stmt *st, size_t elem, void (*read)(sqlite3_stmt *, void *),
                        void **rows_out, size_t *n_out, const char *what, df_error *err)
{
    char *rows = NULL;
    size_t n = 0, cap = 0;
    int s, rc = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char *nr = realloc(rows, cap * elem);
            if (!nr) {
                rc = df_errorf(err, "out of memory");
                break;
            }
            rows = nr;
        }
        read(st, rows + n++ * elem);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = db_fail(j, err, what);
    sqlite3_finalize(st);
    unlock(j);
    *rows_out = rows;
    *n_out = n;
    return rc;
}

static void read_batch(sqlite3_stmt *st, void *row) { batch_row(st, row); }

int df_journal_batches(df_journal *j, int (*fn)(void *arg, const df_batch_info *b), void *arg, df_error *err)
{
    lock(j);
    sqlite3_stmt *st = prep(j, "SELECT " BATCH_COLS " FROM batches ORDER BY started, id", err);
    if (!st) {
        unlock(j);
        return -1;
    }
    void *rows;
    size_t n;
    int rc = collect_rows(j, st, sizeof(df_batch_info), read_batch, &rows, &n, "listing batches", err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (fn(arg, (df_batch_info *)rows + i))
            break;
    free(rows);
    return rc;
}

/* ---- chunks ---- */

#define CHUNK_COLS                                                                                         \
    "c.id, c.batch, c.seq, c.name, c.path, c.sha256, c.records, c.bytes, c.state, c.file_id, c.duplicate, " \
    "c.code, c.message, c.total, c.passed, c.failed, (SELECT count(*) FROM attempts a WHERE a.chunk = c.id)"

static void chunk_row(sqlite3_stmt *st, df_chunk_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    text(st, 1, r->batch, sizeof r->batch);
    r->seq = sqlite3_column_int(st, 2);
    text(st, 3, r->name, sizeof r->name);
    text(st, 4, r->path, sizeof r->path);
    text(st, 5, r->sha256, sizeof r->sha256);
    r->records = sqlite3_column_int64(st, 6);
    r->bytes = sqlite3_column_int64(st, 7);
    char s[32];
    text(st, 8, s, sizeof s);
    if (df_chunk_state_parse(s, &r->state) != 0)
        r->state = DF_CS_WRITTEN;
    text(st, 9, r->file_id, sizeof r->file_id);
    r->duplicate = sqlite3_column_int(st, 10);
    r->code = sqlite3_column_int(st, 11);
    text(st, 12, r->message, sizeof r->message);
    r->total = sqlite3_column_int64(st, 13);
    r->passed = sqlite3_column_int64(st, 14);
    r->failed = sqlite3_column_int64(st, 15);
    r->attempts = sqlite3_column_int(st, 16);
}

static int chunk_get_locked(df_journal *j, const char *batch, int seq, long long id, df_chunk_row *r, int *found,
                            df_error *err)
{
    *found = 0;
    sqlite3_stmt *st = prep(j, batch ? "SELECT " CHUNK_COLS " FROM chunks c WHERE c.batch = ? AND c.seq = ?"
                                     : "SELECT " CHUNK_COLS " FROM chunks c WHERE c.id = ?",
                            err);
    if (!st)
        return -1;
    if (batch) {
        sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, seq);
    } else {
        sqlite3_bind_int64(st, 1, id);
    }
    int s = sqlite3_step(st);
    int rc = 0;
    if (s == SQLITE_ROW) {
        chunk_row(st, r);
        *found = 1;
    } else if (s != SQLITE_DONE) {
        rc = db_fail(j, err, "reading a chunk");
    }
    sqlite3_finalize(st);
    return rc;
}

int df_journal_chunk_get(df_journal *j, const char *batch, int seq, df_chunk_row *r, int *found, df_error *err)
{
    lock(j);
    int rc = chunk_get_locked(j, batch, seq, 0, r, found, err);
    unlock(j);
    return rc;
}

int df_journal_chunk_put(df_journal *j, df_chunk_row *r, df_error *err)
{
    lock(j);
    int rc = -1, found;
    df_chunk_row old;
    char now[32];
    now_iso(now, sizeof now);
    sqlite3_stmt *st = NULL;
    if (chunk_get_locked(j, r->batch, r->seq, 0, &old, &found, err) != 0)
        goto out;
    if (found && old.file_id[0]) {
        if (strcmp(old.sha256, r->sha256) != 0) {
            df_errorf(err, "chunk %d of batch %s was uploaded as file id %s with SHA-256 %.16s…, but now has "
                      "%.16s…: the batch's input or settings changed after upload; give the changed data a new "
                      "--batch-id", r->seq, r->batch, old.file_id, old.sha256, r->sha256);
            goto out;
        }
        *r = old; /* already on the server: nothing to record */
        rc = 0;
        goto out;
    }
    if (found && !df_chunk_transition_ok(old.state, r->state)) {
        df_errorf(err, "chunk %d of batch %s: %s → %s is not allowed", r->seq, r->batch,
                  df_chunk_state_name(old.state), df_chunk_state_name(r->state));
        goto out;
    }
    st = prep(j,
              "INSERT INTO chunks(batch, seq, name, path, sha256, records, bytes, state, updated)"
              " VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(batch, seq) DO UPDATE SET name = excluded.name,"
              " path = excluded.path, sha256 = excluded.sha256, records = excluded.records,"
              " bytes = excluded.bytes, state = excluded.state, updated = excluded.updated",
              err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, r->batch, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->seq);
    sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->records);
    sqlite3_bind_int64(st, 7, r->bytes);
    sqlite3_bind_text(st, 8, df_chunk_state_name(r->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    if (step_done(j, st, "recording a chunk", err) != 0)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if (chunk_get_locked(j, r->batch, r->seq, 0, r, &found, err) != 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

static void read_chunk(sqlite3_stmt *st, void *row) { chunk_row(st, row); }

/* Runs a chunk listing (st prepared and bound, the lock held: released by
 * collect_rows) and calls fn for each row, outside the lock; fn returning
 * non-zero stops. */
static int each_chunk_row(df_journal *j, sqlite3_stmt *st, int (*fn)(void *arg, const df_chunk_row *r), void *arg,
                          df_error *err)
{
    void *rows;
    size_t n;
    int rc = collect_rows(j, st, sizeof(df_chunk_row), read_chunk, &rows, &n, "listing chunks", err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (fn(arg, (df_chunk_row *)rows + i))
            break;
    free(rows);
    return rc;
}

int df_journal_chunks(df_journal *j, const char *batch, df_journal_select sel,
                      int (*fn)(void *arg, const df_chunk_row *r), void *arg, df_error *err)
{
    const char *where = sel == DF_JSEL_TO_UPLOAD ? " AND c.file_id IS NULL"
                        : sel == DF_JSEL_TO_POLL ? " AND c.state = 'uploaded'"
                                                 : "";
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT " CHUNK_COLS " FROM chunks c WHERE (?1 IS NULL OR c.batch = ?1)%s"
             " ORDER BY c.batch, c.seq", where);
    lock(j);
    sqlite3_stmt *st = prep(j, sql, err);
    if (!st) {
        unlock(j);
        return -1;
    }
    if (batch)
        sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
    return each_chunk_row(j, st, fn, arg, err);
}

/* Reads the chunk's state, checks the transition and runs the update, all
 * in one IMMEDIATE transaction. */
static int transition(df_journal *j, long long chunk, df_chunk_state to, sqlite3_stmt *upd, df_error *err)
{
    int rc = -1, found;
    df_chunk_row old;
    if (exec(j, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    if (chunk_get_locked(j, NULL, 0, chunk, &old, &found, err) != 0)
        goto out;
    if (!found) {
        df_errorf(err, "journal: no chunk %lld", chunk);
        goto out;
    }
    if (!df_chunk_transition_ok(old.state, to)) {
        df_errorf(err, "chunk %d of batch %s: %s → %s is not allowed", old.seq, old.batch,
                  df_chunk_state_name(old.state), df_chunk_state_name(to));
        goto out;
    }
    if (step_done(j, upd, "changing a chunk's state", err) != 0)
        goto out;
    rc = 0;
out:
    if (rc == 0)
        rc = exec(j, "COMMIT", err);
    if (rc != 0)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int df_journal_set_state(df_journal *j, long long chunk, df_chunk_state to, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "UPDATE chunks SET state = ?, updated = ? WHERE id = ?", err);
    if (st) {
        sqlite3_bind_text(st, 1, df_chunk_state_name(to), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, chunk);
        rc = transition(j, chunk, to, st, err);
    }
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_set_uploaded(df_journal *j, long long chunk, const char *file_id, int duplicate, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "UPDATE chunks SET state = 'uploaded', file_id = ?, duplicate = ?, code = 0,"
                               " message = '', updated = ? WHERE id = ?", err);
    if (st) {
        sqlite3_bind_text(st, 1, file_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, duplicate);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, chunk);
        rc = transition(j, chunk, DF_CS_UPLOADED, st, err);
    }
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_set_refused(df_journal *j, long long chunk, int code, const char *message, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "UPDATE chunks SET state = 'refused', code = ?, message = ?, updated = ? WHERE id = ?",
                            err);
    if (st) {
        sqlite3_bind_int(st, 1, code);
        sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, chunk);
        rc = transition(j, chunk, DF_CS_REFUSED, st, err);
    }
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_adopt(df_journal *j, long long chunk, const char *file_id, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1, found;
    df_chunk_row old;
    if (chunk_get_locked(j, NULL, 0, chunk, &old, &found, err) != 0)
        goto out;
    if (!found || old.file_id[0] || old.state == DF_CS_UPLOADED || df_chunk_state_final(old.state)) {
        df_errorf(err, "journal: chunk %lld cannot be adopted (%s)", chunk,
                  found ? df_chunk_state_name(old.state) : "unknown");
        goto out;
    }
    sqlite3_stmt *st = prep(j, "UPDATE chunks SET state = 'uploaded', file_id = ?, duplicate = 1, code = 0,"
                               " message = 'adopted: the server already held it', updated = ? WHERE id = ?", err);
    sqlite3_stmt *at = st ? prep(j, "INSERT INTO attempts(chunk, at, entry, outcome, http, code, message)"
                                    " VALUES(?,?,'reconcile','adopted',0,0,?)", err)
                          : NULL;
    if (st && at) {
        sqlite3_bind_text(st, 1, file_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, chunk);
        sqlite3_bind_int64(at, 1, chunk);
        sqlite3_bind_text(at, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(at, 3, file_id, -1, SQLITE_STATIC);
        if (exec(j, "BEGIN IMMEDIATE", err) == 0) {
            rc = step_done(j, st, "adopting a chunk", err) == 0 && step_done(j, at, "adopting a chunk", err) == 0
                     ? exec(j, "COMMIT", err)
                     : -1;
            if (rc != 0)
                sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(at);
out:
    unlock(j);
    return rc;
}

int df_journal_set_anomaly(df_journal *j, long long chunk, long long total, long long passed, long long failed,
                           const char *why, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "UPDATE chunks SET state = 'ANOMALY', total = ?, passed = ?, failed = ?, message = ?,"
                               " updated = ? WHERE id = ?", err);
    if (st) {
        sqlite3_bind_int64(st, 1, total);
        sqlite3_bind_int64(st, 2, passed);
        sqlite3_bind_int64(st, 3, failed);
        sqlite3_bind_text(st, 4, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, chunk);
        rc = transition(j, chunk, DF_CS_ANOMALY, st, err);
    }
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_chunks_by_file_id(df_journal *j, const char *file_id, int (*fn)(void *arg, const df_chunk_row *r),
                                 void *arg, df_error *err)
{
    lock(j);
    sqlite3_stmt *st = prep(j, "SELECT " CHUNK_COLS " FROM chunks c WHERE c.file_id = ? ORDER BY c.batch, c.seq",
                            err);
    if (!st) {
        unlock(j);
        return -1;
    }
    sqlite3_bind_text(st, 1, file_id, -1, SQLITE_TRANSIENT);
    return each_chunk_row(j, st, fn, arg, err);
}

int df_journal_attempt(df_journal *j, long long chunk, const char *entry, const char *outcome, long http,
                       int code, const char *message, df_error *err)
{
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "INSERT INTO attempts(chunk, at, entry, outcome, http, code, message)"
                               " VALUES(?,?,?,?,?,?,?)", err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, chunk);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, entry, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, http);
    sqlite3_bind_int(st, 6, code);
    sqlite3_bind_text(st, 7, message ? message : "", -1, SQLITE_STATIC);
    if (step_done(j, st, "recording an attempt", err) != 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_set_result(df_journal *j, long long chunk, df_chunk_state status, long long total,
                          long long passed, long long failed, const df_record_error *errors, int nerrors,
                          df_error *err)
{
    if (!df_chunk_state_final(status))
        return df_errorf(err, "journal: %s is not a final result", df_chunk_state_name(status));
    lock(j);
    char now[32];
    now_iso(now, sizeof now);
    int rc = -1, found;
    df_chunk_row old;
    sqlite3_stmt *st = NULL;
    if (exec(j, "BEGIN IMMEDIATE", err) != 0)
        goto out_unlocked;
    if (chunk_get_locked(j, NULL, 0, chunk, &old, &found, err) != 0)
        goto out;
    /* The same final result stored twice (two pollers, or an answer repeated
     * after a restart) is not a conflict: the server's answer is stored again. */
    if (!found || (old.state != status && !df_chunk_transition_ok(old.state, status))) {
        df_errorf(err, "chunk %lld: %s → %s is not allowed", chunk, found ? df_chunk_state_name(old.state) : "?",
                  df_chunk_state_name(status));
        goto out;
    }
    st = prep(j, "UPDATE chunks SET state = ?, total = ?, passed = ?, failed = ?, updated = ? WHERE id = ?", err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, df_chunk_state_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, total);
    sqlite3_bind_int64(st, 3, passed);
    sqlite3_bind_int64(st, 4, failed);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, chunk);
    if (step_done(j, st, "storing a result", err) != 0)
        goto out;
    sqlite3_finalize(st);
    st = prep(j, "DELETE FROM record_errors WHERE chunk = ?", err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, chunk);
    if (step_done(j, st, "storing a result", err) != 0)
        goto out;
    sqlite3_finalize(st);
    st = prep(j, "INSERT INTO record_errors(chunk, seq, code, message) VALUES(?,?,?,?)", err);
    if (!st)
        goto out;
    for (int i = 0; i < nerrors; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, chunk);
        sqlite3_bind_int64(st, 2, errors[i].seq);
        sqlite3_bind_text(st, 3, errors[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, errors[i].message, -1, SQLITE_STATIC);
        if (step_done(j, st, "storing record errors", err) != 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    if (rc == 0)
        rc = exec(j, "COMMIT", err);
    if (rc != 0)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
out_unlocked:
    unlock(j);
    return rc;
}

int df_journal_record_errors(df_journal *j, long long chunk, int (*fn)(void *arg, const df_record_error *e),
                             void *arg, df_error *err)
{
    lock(j);
    int rc = -1, s;
    sqlite3_stmt *st = prep(j, "SELECT seq, code, message FROM record_errors WHERE chunk = ? ORDER BY seq", err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, chunk);
    df_record_error e;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(st, 0);
        text(st, 1, e.code, sizeof e.code);
        text(st, 2, e.message, sizeof e.message);
        if (fn(arg, &e))
            break;
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        db_fail(j, err, "reading record errors");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

/* ---- catalogs ---- */

int df_journal_catalog_version(df_journal *j, const char *cat, long long *version, df_error *err)
{
    int locked = !j->in_txn;
    if (locked)
        lock(j);
    *version = 0;
    int rc = -1, s;
    sqlite3_stmt *st = prep(j, "SELECT version FROM catalog_versions WHERE cat = ?", err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, cat, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *version = sqlite3_column_int64(st, 0);
    else if (s != SQLITE_DONE) {
        db_fail(j, err, "reading a catalog version");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    if (locked)
        unlock(j);
    return rc;
}

int df_journal_catalog_count(df_journal *j, const char *cat, long long *count, df_error *err)
{
    lock(j);
    int rc = -1;
    sqlite3_stmt *st = prep(j, "SELECT count(*) FROM catalog_entries WHERE cat = ?", err);
    if (st) {
        sqlite3_bind_text(st, 1, cat, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *count = sqlite3_column_int64(st, 0);
            rc = 0;
        } else {
            db_fail(j, err, "counting catalog entries");
        }
    }
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}

int df_journal_begin(df_journal *j, df_error *err)
{
    lock(j);
    if (exec(j, "BEGIN IMMEDIATE", err) != 0) {
        unlock(j);
        return -1;
    }
    j->in_txn = 1;
    return 0;
}

int df_journal_commit(df_journal *j, df_error *err)
{
    int rc = exec(j, "COMMIT", err);
    if (rc != 0)
        sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->in_txn = 0;
    unlock(j);
    return rc;
}

void df_journal_rollback(df_journal *j)
{
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->in_txn = 0;
    unlock(j);
}

int df_journal_catalog_apply(df_journal *j, const df_catalog_def *def, df_catalog_op op, const char *const *cols,
                             const size_t *lens, df_error *err)
{
    const char *kp[DF_MAX_KEY];
    size_t kl[DF_MAX_KEY];
    for (int i = 0; i < def->nkey; i++) {
        kp[i] = cols[def->key_columns[i]];
        kl[i] = lens[def->key_columns[i]];
        if (!kl[i])
            return df_errorf(err, "catalog %s: an entry without its key column %s", def->name,
                             def->columns[def->key_columns[i]]);
    }
    char key[4096];
    size_t klen = df_catalog_join_key(def, kp, kl, key, sizeof key);
    if (!klen)
        return df_errorf(err, "catalog %s: an entry's key is too long", def->name);
    sqlite3_stmt *st;
    int del = op == DF_CATOP_DELETE;
    if ((unsigned)op >= DF_CATOP_COUNT)
        return df_errorf(err, "catalog %s: unknown change %d", def->name, (int)op);
    if (del) {
        st = prep(j, "DELETE FROM catalog_entries WHERE cat = ? AND k = ?", err);
    } else {
        st = prep(j, "INSERT OR REPLACE INTO catalog_entries(cat, k, cols) VALUES(?,?,?)", err);
    }
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, (int)klen, SQLITE_STATIC);
    char *joined = NULL;
    if (!del) {
        size_t total = 0;
        for (int i = 0; i < def->ncolumns; i++)
            total += lens[i] + 1;
        joined = malloc(total + 1);
        if (!joined) {
            sqlite3_finalize(st);
            return df_errorf(err, "out of memory");
        }
        size_t o = 0;
        for (int i = 0; i < def->ncolumns; i++) {
            if (i)
                joined[o++] = '\x1f';
            memcpy(joined + o, cols[i], lens[i]);
            o += lens[i];
        }
        sqlite3_bind_text(st, 3, joined, (int)o, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(j, err, "applying a catalog change");
    sqlite3_finalize(st);
    free(joined);
    return rc;
}

int df_journal_catalog_set_version(df_journal *j, const char *cat, long long version, df_error *err)
{
    char now[32];
    now_iso(now, sizeof now);
    sqlite3_stmt *st = prep(j, "INSERT OR REPLACE INTO catalog_versions(cat, version, pulled) VALUES(?,?,?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, cat, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(j, err, "storing a catalog version");
    sqlite3_finalize(st);
    return rc;
}

int df_journal_load_catalogs(df_journal *j, const df_profile *p, df_catalog_set *set, int *nloaded, df_error *err)
{
    *nloaded = 0;
    lock(j);
    int rc = 0;
    for (int ci = 0; rc == 0 && ci < p->ncatalogs; ci++) {
        const df_catalog_def *def = &p->catalogs[ci];
        sqlite3_stmt *st = prep(j, "SELECT 1 FROM catalog_versions WHERE cat = ?", err);
        if (!st) {
            rc = -1;
            break;
        }
        sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
        int pulled = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!pulled)
            continue;
        (*nloaded)++;
        set->cat[ci].loaded = 1; /* an empty catalog still checks: nothing matches */
        st = prep(j, "SELECT k FROM catalog_entries WHERE cat = ?", err);
        if (!st) {
            rc = -1;
            break;
        }
        sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(st, 0);
            size_t kl = (size_t)sqlite3_column_bytes(st, 0);
            const char *parts[DF_MAX_KEY];
            size_t lens[DF_MAX_KEY];
            int n = 0;
            const char *q = k, *end = k + kl;
            while (n < def->nkey) {
                const char *x = memchr(q, '\x1f', (size_t)(end - q));
                parts[n] = q;
                lens[n] = (size_t)((x ? x : end) - q);
                n++;
                if (!x)
                    break;
                q = x + 1;
            }
            if (n != def->nkey)
                continue;
            if (df_catalog_add(&set->cat[ci], parts, lens, err) != 0) {
                rc = -1;
                break;
            }
        }
        if (rc == 0 && s != SQLITE_DONE)
            rc = db_fail(j, err, "reading a catalog");
        sqlite3_finalize(st);
    }
    unlock(j);
    return rc;
}

int df_journal_catalog_pulled(df_journal *j, const char *cat, char *when, size_t n, df_error *err)
{
    lock(j);
    when[0] = 0;
    int rc = -1, s;
    sqlite3_stmt *st = prep(j, "SELECT pulled FROM catalog_versions WHERE cat = ?", err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, cat, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(when, n, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (s != SQLITE_DONE) {
        db_fail(j, err, "reading when a catalog was pulled");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    unlock(j);
    return rc;
}
