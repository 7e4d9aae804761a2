/* simulator/store.c — drugflow-sim's persistent state: one folder per
 * enterprise (DATA/<credit-code>/) holding state.db (SQLite, WAL: catalogs
 * with their change versions, received files and their results) and files/
 * (the uploaded data files, written atomically). Also small text helpers. */
#include "simulator/sim.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const schema_sql =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);"
    "CREATE TABLE IF NOT EXISTS catalog(cat TEXT NOT NULL, k TEXT NOT NULL, cols TEXT NOT NULL,"
    " added INTEGER NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(cat, k));"
    "CREATE INDEX IF NOT EXISTS catalog_version ON catalog(cat, version);"
    "CREATE TABLE IF NOT EXISTS files(id TEXT PRIMARY KEY, sha TEXT NOT NULL, name TEXT NOT NULL,"
    " received TEXT NOT NULL, received_unix INTEGER NOT NULL, size INTEGER NOT NULL, period TEXT,"
    " status INTEGER NOT NULL, total INTEGER NOT NULL DEFAULT 0, passed INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0, errors TEXT);"
    "CREATE INDEX IF NOT EXISTS files_received ON files(received_unix);"
    "CREATE INDEX IF NOT EXISTS files_status ON files(status);";

#define US "\x1f" /* joins columns and key parts */

int sim_code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n >= SIM_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)code[i]))
            return 0;
    return 1;
}

static int db_fail(sim_ent *e, df_error *err, const char *what)
{
    return df_errorf(err, "%s/state.db: %s: %s", e->dir, what, sqlite3_errmsg(e->db));
}

/* 1 if the files table holds states by name (a store before states were numbers). */
static int old_store(sim_ent *e)
{
    sqlite3_stmt *st;
    int old = 0;
    if (sqlite3_prepare_v2(e->db, "SELECT 1 FROM files WHERE CAST(status AS TEXT) GLOB '*[^0-9]*' LIMIT 1", -1, &st,
                           NULL) == SQLITE_OK) {
        old = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return old;
}

int sim_ent_open(const char *data_dir, const char *code, int create, sim_ent **out, df_error *err)
{
    *out = NULL;
    if (!sim_code_ok(code))
        return df_errorf(err, "'%s' is not a credit code (letters and digits expected)", code);
    sim_ent *e = calloc(1, sizeof *e);
    if (!e)
        return df_errorf(err, "out of memory");
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->dir, sizeof e->dir, "%s/%s", data_dir, code);
    struct stat st;
    if (stat(e->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (!create) {
            free(e);
            return 1;
        }
        if (mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
            df_error_errno(err, "cannot create data directory %s", data_dir);
            free(e);
            return -1;
        }
        if (mkdir(e->dir, 0755) != 0 && errno != EEXIST) {
            df_error_errno(err, "cannot create %s", e->dir);
            free(e);
            return -1;
        }
    }
    char p[DF_PATH_MAX];
    snprintf(p, sizeof p, "%s/files", e->dir);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        df_error_errno(err, "cannot create %s", p);
        free(e);
        return -1;
    }
    snprintf(p, sizeof p, "%s/state.db", e->dir);
    if (sqlite3_open_v2(p, &e->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        df_errorf(err, "%s: cannot open: %s", p, e->db ? sqlite3_errmsg(e->db) : "out of memory");
        sqlite3_close(e->db);
        free(e);
        return -1;
    }
    sqlite3_busy_timeout(e->db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(e->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        df_errorf(err, "%s: cannot set up: %s", p, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(e->db);
        free(e);
        return -1;
    }
    if (old_store(e)) {
        df_errorf(err, "%s: written by an older drugflow-sim, which stored the file states by name; make a new "
                  "data folder (drugflow-sim seed)", p);
        sqlite3_close(e->db);
        free(e);
        return -1;
    }
    pthread_mutex_init(&e->mu, NULL);
    *out = e;
    return 0;
}

static void snap_free(sim_catsnap *s)
{
    df_catalog_set_free(&s->set);
    free(s);
}

void sim_ent_close(sim_ent *e)
{
    if (!e)
        return;
    if (e->snap && --e->snap->refs == 0)
        snap_free(e->snap);
    sqlite3_close(e->db);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* ---- registry ---- */

void sim_registry_init(sim_registry *r, const char *data_dir)
{
    memset(r, 0, sizeof *r);
    snprintf(r->data_dir, sizeof r->data_dir, "%s", data_dir);
    pthread_mutex_init(&r->mu, NULL);
}

sim_ent *sim_registry_get(sim_registry *r, const char *code, int *missing, df_error *err)
{
    *missing = 0;
    if (!sim_code_ok(code)) {
        *missing = 1;
        return NULL;
    }
    pthread_mutex_lock(&r->mu);
    for (sim_ent *e = r->head; e; e = e->next)
        if (strcmp(e->code, code) == 0) {
            pthread_mutex_unlock(&r->mu);
            return e;
        }
    sim_ent *e = NULL;
    int rc = sim_ent_open(r->data_dir, code, 0, &e, err);
    if (rc == 0) {
        e->next = r->head;
        r->head = e;
    } else if (rc == 1) {
        *missing = 1;
    }
    pthread_mutex_unlock(&r->mu);
    return e;
}

void sim_registry_free(sim_registry *r)
{
    sim_ent *e = r->head;
    while (e) {
        sim_ent *n = e->next;
        sim_ent_close(e);
        e = n;
    }
    r->head = NULL;
    pthread_mutex_destroy(&r->mu);
}

int sim_registry_each(sim_registry *r, int (*fn)(sim_ent *e, void *arg), void *arg, df_error *err)
{
    DIR *d = opendir(r->data_dir);
    if (!d)
        return df_error_errno(err, "cannot read data directory %s", r->data_dir);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !sim_code_ok(de->d_name))
            continue;
        int missing;
        sim_ent *e = sim_registry_get(r, de->d_name, &missing, err);
        if (!e) {
            if (missing)
                continue;
            rc = -1;
            break;
        }
        if (fn(e, arg) != 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    return rc;
}

/* ---- catalogs ---- */

static long long meta_version(sim_ent *e, const char *cat)
{
    char k[128];
    snprintf(k, sizeof k, "version.%s", cat);
    sqlite3_stmt *st;
    long long v = 0;
    if (sqlite3_prepare_v2(e->db, "SELECT v FROM meta WHERE k=?", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

long long sim_catalog_version(sim_ent *e, const df_catalog_def *def)
{
    pthread_mutex_lock(&e->mu);
    long long v = meta_version(e, def->name);
    pthread_mutex_unlock(&e->mu);
    return v;
}

static void join(sim_buf *b, const df_catalog_def *def, char *const *cols, int key_only)
{
    b->len = 0;
    int n = key_only ? def->nkey : def->ncolumns;
    for (int i = 0; i < n; i++) {
        const char *v = cols[key_only ? def->key_columns[i] : i];
        if (i)
            sim_buf_add(b, US, 1);
        sim_buf_add(b, v ? v : "", v ? strlen(v) : 0);
    }
    sim_buf_add(b, "", 1); /* NUL */
}

int sim_catalog_apply(sim_ent *e, const df_catalog_def *def, const sim_catrow *rows, size_t n, int replace,
                      long *changes, df_error *err)
{
    *changes = 0;
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *sel = NULL, *ins = NULL, *upd = NULL, *seen = NULL, *del = NULL;
    sim_buf k = {0}, c = {0};
    int rc = -1;
    if (sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(e, err, "begin");
        goto out;
    }
    long long ver = meta_version(e, def->name) + 1;
    if (sqlite3_exec(e->db, "CREATE TEMP TABLE IF NOT EXISTS seen(k TEXT PRIMARY KEY); DELETE FROM seen;", NULL,
                     NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(e->db, "SELECT cols, deleted FROM catalog WHERE cat=?1 AND k=?2", -1, &sel, NULL) ||
        sqlite3_prepare_v2(e->db,
                           "INSERT INTO catalog(cat,k,cols,added,version,deleted) VALUES(?1,?2,?3,?4,?4,0)"
                           " ON CONFLICT(cat,k) DO UPDATE SET cols=?3, added=?4, version=?4, deleted=0",
                           -1, &ins, NULL) ||
        sqlite3_prepare_v2(e->db, "UPDATE catalog SET cols=?3, version=?4 WHERE cat=?1 AND k=?2", -1, &upd,
                           NULL) ||
        sqlite3_prepare_v2(e->db, "INSERT OR IGNORE INTO seen(k) VALUES(?1)", -1, &seen, NULL) ||
        sqlite3_prepare_v2(e->db,
                           "UPDATE catalog SET deleted=1, version=?2 WHERE cat=?1 AND deleted=0"
                           " AND k NOT IN (SELECT k FROM seen)",
                           -1, &del, NULL)) {
        db_fail(e, err, "prepare");
        goto rollback;
    }
    for (size_t i = 0; i < n; i++) {
        join(&k, def, rows[i].cols, 1);
        join(&c, def, rows[i].cols, 0);
        if (k.oom || c.oom) {
            df_errorf(err, "out of memory");
            goto rollback;
        }
        sqlite3_reset(sel);
        sqlite3_bind_text(sel, 1, def->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, k.p, -1, SQLITE_STATIC);
        int s = sqlite3_step(sel);
        sqlite3_stmt *w = NULL;
        if (s == SQLITE_ROW) {
            const char *old = (const char *)sqlite3_column_text(sel, 0);
            int deleted = sqlite3_column_int(sel, 1);
            if (deleted)
                w = ins;
            else if (!old || strcmp(old, c.p) != 0)
                w = upd;
        } else if (s == SQLITE_DONE) {
            w = ins;
        } else {
            db_fail(e, err, "select");
            goto rollback;
        }
        if (w) {
            sqlite3_reset(w);
            sqlite3_bind_text(w, 1, def->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(w, 2, k.p, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(w, 3, c.p, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(w, 4, ver);
            if (sqlite3_step(w) != SQLITE_DONE) {
                db_fail(e, err, "write catalog entry");
                goto rollback;
            }
            (*changes)++;
        }
        if (replace) {
            sqlite3_reset(seen);
            sqlite3_bind_text(seen, 1, k.p, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(seen) != SQLITE_DONE) {
                db_fail(e, err, "note key");
                goto rollback;
            }
        }
    }
    if (replace) {
        sqlite3_bind_text(del, 1, def->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(del, 2, ver);
        if (sqlite3_step(del) != SQLITE_DONE) {
            db_fail(e, err, "delete missing entries");
            goto rollback;
        }
        *changes += sqlite3_changes(e->db);
    }
    if (*changes > 0) {
        char q[256];
        snprintf(q, sizeof q, "INSERT OR REPLACE INTO meta(k,v) VALUES('version.%s', %lld)", def->name, ver);
        if (sqlite3_exec(e->db, q, NULL, NULL, NULL) != SQLITE_OK) {
            db_fail(e, err, "write version");
            goto rollback;
        }
    }
    if (sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(e, err, "commit");
        goto rollback;
    }
    rc = 0;
    goto out;
rollback:
    sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(seen);
    sqlite3_finalize(del);
    sim_buf_free(&k);
    sim_buf_free(&c);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int sim_catalog_delete(sim_ent *e, const df_catalog_def *def, const char *const *key, int *found, df_error *err)
{
    sim_buf k = {0};
    for (int i = 0; i < def->nkey; i++) {
        if (i)
            sim_buf_add(&k, US, 1);
        sim_buf_add(&k, key[i], strlen(key[i]));
    }
    sim_buf_add(&k, "", 1);
    pthread_mutex_lock(&e->mu);
    int rc = -1;
    *found = 0;
    if (sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(e, err, "begin");
        goto out;
    }
    long long ver = meta_version(e, def->name) + 1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(e->db, "UPDATE catalog SET deleted=1, version=?3 WHERE cat=?1 AND k=?2 AND deleted=0",
                           -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k.p ? k.p : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ver);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        db_fail(e, err, "delete");
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    *found = sqlite3_changes(e->db) > 0;
    if (*found) {
        char q[256];
        snprintf(q, sizeof q, "INSERT OR REPLACE INTO meta(k,v) VALUES('version.%s', %lld)", def->name, ver);
        sqlite3_exec(e->db, q, NULL, NULL, NULL);
    }
    if (sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(e, err, "commit");
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&e->mu);
    sim_buf_free(&k);
    return rc;
}

int sim_catalog_changes(sim_ent *e, const df_catalog_def *def, long long since, long long *version,
                        sim_catalog_cb cb, void *arg, df_error *err)
{
    pthread_mutex_lock(&e->mu);
    int rc = -1;
    sqlite3_stmt *st = NULL;
    /* One read transaction, so that the version matches the rows. */
    sqlite3_exec(e->db, "BEGIN", NULL, NULL, NULL);
    *version = meta_version(e, def->name);
    if (sqlite3_prepare_v2(e->db,
                           "SELECT cols, added, deleted FROM catalog WHERE cat=?1 AND version>?2"
                           " ORDER BY version, k",
                           -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cols = (const char *)sqlite3_column_text(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        long long added = sqlite3_column_int64(st, 1);
        int deleted = sqlite3_column_int(st, 2);
        df_catalog_op op;
        if (deleted) {
            if (added > since)
                continue; /* added and deleted since: the client never saw it */
            op = DF_CATOP_DELETE;
        } else {
            op = added > since ? DF_CATOP_ADD : DF_CATOP_UPDATE;
        }
        if (cb(arg, op, cols ? cols : "", len) != 0) {
            df_errorf(err, "out of memory");
            goto out;
        }
    }
    if (s != SQLITE_DONE) {
        db_fail(e, err, "read catalog");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

/* Builds a snapshot of the current keys; called with e->mu held. */
static sim_catsnap *snap_build(sim_ent *e, const df_profile *p, const long long *versions, df_error *err)
{
    sim_catsnap *s = calloc(1, sizeof *s);
    if (!s) {
        df_errorf(err, "out of memory");
        return NULL;
    }
    df_catalog_set_init(&s->set, p);
    memcpy(s->versions, versions, sizeof s->versions);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, "SELECT k FROM catalog WHERE cat=?1 AND deleted=0", -1, &st, NULL) !=
        SQLITE_OK) {
        db_fail(e, err, "prepare");
        goto fail;
    }
    for (int c = 0; c < p->ncatalogs; c++) {
        df_catalog *cat = &s->set.cat[c];
        cat->loaded = 1; /* an empty catalog matches nothing (guide §2.4.2) */
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, p->catalogs[c].name, -1, SQLITE_STATIC);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(st, 0);
            const char *parts[DF_MAX_KEY];
            size_t lens[DF_MAX_KEY];
            int np = 0;
            const char *q = k;
            while (np < DF_MAX_KEY) {
                const char *x = strchr(q, '\x1f');
                parts[np] = q;
                lens[np] = x ? (size_t)(x - q) : strlen(q);
                np++;
                if (!x)
                    break;
                q = x + 1;
            }
            if (np != p->catalogs[c].nkey)
                continue;
            if (df_catalog_add(cat, parts, lens, err) != 0)
                goto fail;
        }
        if (r != SQLITE_DONE) {
            db_fail(e, err, "read catalog keys");
            goto fail;
        }
    }
    sqlite3_finalize(st);
    s->refs = 1; /* the enterprise's reference */
    return s;
fail:
    sqlite3_finalize(st);
    snap_free(s);
    return NULL;
}

sim_catsnap *sim_catalogs_acquire(sim_ent *e, const df_profile *p, df_error *err)
{
    pthread_mutex_lock(&e->mu);
    long long v[DF_MAX_CATALOGS] = {0};
    for (int c = 0; c < p->ncatalogs; c++)
        v[c] = meta_version(e, p->catalogs[c].name);
    if (!e->snap || memcmp(e->snap->versions, v, sizeof v) != 0) {
        sim_catsnap *s = snap_build(e, p, v, err);
        if (!s) {
            pthread_mutex_unlock(&e->mu);
            return NULL;
        }
        if (e->snap && --e->snap->refs == 0)
            snap_free(e->snap);
        e->snap = s;
    }
    sim_catsnap *s = e->snap;
    s->refs++;
    pthread_mutex_unlock(&e->mu);
    return s;
}

void sim_catsnap_release(sim_ent *e, sim_catsnap *s)
{
    pthread_mutex_lock(&e->mu);
    if (--s->refs == 0)
        snap_free(s);
    pthread_mutex_unlock(&e->mu);
}

/* ---- files ---- */

void sim_file_path(const sim_ent *e, const char *id, char *buf, size_t n)
{
    snprintf(buf, n, "%s/files/%s.xml", e->dir, id);
}

int sim_file_record(sim_ent *e, const char *id, const char *sha_hex, const char *name, long long size,
                    const char *period, int *duplicate, df_error *err)
{
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    long long now = (long long)time(NULL);
    char iso[40];
    sim_iso_time(now, iso, sizeof iso);
    if (sqlite3_prepare_v2(e->db,
                           "INSERT OR IGNORE INTO files(id,sha,name,received,received_unix,size,period,status)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                           -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, iso, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, size);
    sqlite3_bind_text(st, 7, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, DF_STATE_PENDING);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(e, err, "record file");
        goto out;
    }
    *duplicate = sqlite3_changes(e->db) == 0;
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int sim_file_exists(sim_ent *e, const char *id)
{
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(e->db, "SELECT 1 FROM files WHERE id=?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return found;
}

int sim_file_set_status(sim_ent *e, const char *id, df_server_state state, df_error *err)
{
    return sim_file_set_result(e, id, state, -1, -1, -1, NULL, err);
}

int sim_file_set_result(sim_ent *e, const char *id, df_server_state state, long long total, long long passed,
                        long long failed, const char *errors, df_error *err)
{
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    const char *sql = total < 0 ? "UPDATE files SET status=?2 WHERE id=?1"
                                : "UPDATE files SET status=?2, total=?3, passed=?4, failed=?5, errors=?6 WHERE id=?1";
    if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)state);
    if (total >= 0) {
        sqlite3_bind_int64(st, 3, total);
        sqlite3_bind_int64(st, 4, passed);
        sqlite3_bind_int64(st, 5, failed);
        if (errors)
            sqlite3_bind_text(st, 6, errors, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(e, err, "update file");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int sim_file_query(sim_ent *e, const char *const *ids, long long since_unix,
                   int (*cb)(void *arg, const sim_file_info *f), void *arg, df_error *err)
{
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    const char *sql = ids ? "SELECT id,name,received,status,total,passed,failed,errors FROM files WHERE id=?1"
                          : "SELECT id,name,received,status,total,passed,failed,errors FROM files"
                            " WHERE received_unix>=?1 ORDER BY received_unix, id";
    if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        goto out;
    }
    for (size_t i = 0;; i++) {
        if (ids) {
            if (!ids[i])
                break;
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        } else {
            if (i > 0)
                break;
            sqlite3_bind_int64(st, 1, since_unix);
        }
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            sim_file_info f;
            memset(&f, 0, sizeof f);
            snprintf(f.id, sizeof f.id, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(f.name, sizeof f.name, "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(f.received, sizeof f.received, "%s", (const char *)sqlite3_column_text(st, 2));
            f.state = sqlite3_column_int(st, 3);
            if (f.state < 0 || f.state >= DF_STATE_COUNT)
                f.state = DF_STATE_PENDING;
            f.total = sqlite3_column_int64(st, 4);
            f.passed = sqlite3_column_int64(st, 5);
            f.failed = sqlite3_column_int64(st, 6);
            f.errors = (char *)sqlite3_column_text(st, 7);
            if (cb(arg, &f) != 0) {
                df_errorf(err, "out of memory");
                goto out;
            }
        }
        if (s != SQLITE_DONE) {
            db_fail(e, err, "query files");
            goto out;
        }
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int sim_file_pending(sim_ent *e, int (*cb)(void *arg, sim_ent *e, const char *id), void *arg, df_error *err)
{
    /* Collect first: the callback may block on a full queue. */
    pthread_mutex_lock(&e->mu);
    sqlite3_stmt *st = NULL;
    char (*ids)[SIM_FILEID_LEN + 1] = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    if (sqlite3_prepare_v2(e->db,
                           "SELECT id FROM files WHERE status IN (?1, ?2) ORDER BY received_unix, id",
                           -1, &st, NULL) != SQLITE_OK) {
        db_fail(e, err, "prepare");
        pthread_mutex_unlock(&e->mu);
        return -1;
    }
    sqlite3_bind_int(st, 1, DF_STATE_PENDING);
    sqlite3_bind_int(st, 2, DF_STATE_PROCESSING);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            void *p = realloc(ids, nc * sizeof *ids);
            if (!p)
                break;
            ids = p;
            cap = nc;
        }
        snprintf(ids[n++], SIM_FILEID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    if (s != SQLITE_DONE && s != SQLITE_ROW) {
        free(ids);
        return df_errorf(err, "%s/state.db: cannot list pending files", e->dir);
    }
    rc = 0;
    for (size_t i = 0; i < n; i++)
        if (cb(arg, e, ids[i]) != 0)
            break;
    free(ids);
    return rc;
}

/* ---- helpers ---- */

void sim_iso_time(long long t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    char z[8];
    strftime(z, sizeof z, "%z", &tm); /* +0800 */
    char d[32];
    strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s%.3s:%.2s", d, z, z + 3);
}

long long sim_parse_iso(const char *s)
{
    int Y, M, D, h = 0, m = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3 || used != 10)
        return -1;
    const char *p = s + 10;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    if (M < 1 || M > 12 || D < 1 || D > 31)
        return -1;
    int have_tz = 0, tzsign = 1, tzh = 0, tzm = 0;
    if (*p == 'T' || *p == ' ') {
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &m, &sec, &used) != 3 || used != 8)
            return -1;
        p += 9;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                ;
        if (*p == 'Z') {
            have_tz = 1;
            p++;
        } else if (*p == '+' || *p == '-' || *p == ' ') {
            /* ' ': a '+' that arrived form-decoded */
            tzsign = *p == '-' ? -1 : 1;
            if (sscanf(p + 1, "%2d:%2d%n", &tzh, &tzm, &used) == 2 && used == 5)
                p += 6;
            else if (sscanf(p + 1, "%2d%2d%n", &tzh, &tzm, &used) == 2 && used == 4)
                p += 5;
            else
                return -1;
            have_tz = 1;
        }
    }
    if (*p)
        return -1;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    if (have_tz) {
        long long t = (long long)timegm(&tm);
        return t - tzsign * (tzh * 3600LL + tzm * 60LL);
    }
    tm.tm_isdst = -1;
    return (long long)mktime(&tm);
}

void sim_buf_add(sim_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *p = realloc(b->p, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sim_buf_addf(sim_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sim_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void sim_buf_esc(sim_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '&': r = "&amp;"; break;
        case '"': r = "&quot;"; break;
        default:
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
                r = "\xef\xbf\xbd"; /* U+FFFD: not representable in XML 1.0 */
        }
        if (r) {
            sim_buf_add(b, s + start, i - start);
            sim_buf_add(b, r, strlen(r));
            start = i + 1;
        }
    }
    sim_buf_add(b, s + start, n - start);
}

void sim_buf_free(sim_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sim_elem(sim_buf *b, const char *name, const char *text)
{
    sim_buf_addf(b, "<%s>", name);
    sim_buf_esc(b, text, strlen(text));
    sim_buf_addf(b, "</%s>", name);
}

void sim_elem_int(sim_buf *b, const char *name, long long v)
{
    sim_buf_addf(b, "<%s>%lld</%s>", name, v, name);
}

void sim_entry_base(const df_profile *p, char *out, size_t n)
{
    const char *u = strstr(p->endpoint_practice, "://");
    const char *path = u ? strchr(u + 3, '/') : NULL;
    if (!path)
        path = "/";
    size_t l = strlen(path);
    snprintf(out, n, "%s%s", path, l && path[l - 1] == '/' ? "" : "/");
}
