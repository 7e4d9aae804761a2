/* workspace/sources.c — a batch's inputs and its chunks' provenance in the journal; see sources.h. */
#include "workspace/sources.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/digest.h"
#include "converter/xlsx.h"
#include "workspace/journal_db.h"

#define FP_EDGE (64 * 1024)

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS batch_inputs(batch TEXT NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL,"
    " abs_path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, fingerprint TEXT NOT NULL,"
    " encoding TEXT NOT NULL, delimiter INTEGER NOT NULL, quote INTEGER NOT NULL, header INTEGER NOT NULL,"
    " skip_rows INTEGER NOT NULL, PRIMARY KEY(batch, idx));"
    "CREATE TABLE IF NOT EXISTS chunk_lines(batch TEXT NOT NULL, seq INTEGER NOT NULL, lines BLOB NOT NULL,"
    " PRIMARY KEY(batch, seq));";

/* Columns added since the table's first form, for journals made before:
 * the workbook flag and sheet ("" for a CSV input). */
static const char *const added_columns[] = {
    "ALTER TABLE batch_inputs ADD COLUMN workbook INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batch_inputs ADD COLUMN sheet TEXT NOT NULL DEFAULT ''",
};

/* SHA-256 over the size and the first and last FP_EDGE bytes. */
static int fingerprint(int fd, long long size, char out[65])
{
    unsigned char *buf = malloc(2 * FP_EDGE + 16);
    if (!buf)
        return -1;
    size_t n = (size_t)snprintf((char *)buf, 16, "%lld:", size);
    ssize_t r = pread(fd, buf + n, FP_EDGE, 0);
    if (r < 0) {
        free(buf);
        return -1;
    }
    n += (size_t)r;
    if (size > FP_EDGE) {
        long long from = size - FP_EDGE > FP_EDGE ? size - FP_EDGE : FP_EDGE;
        r = pread(fd, buf + n, (size_t)(size - from), from);
        if (r < 0) {
            free(buf);
            return -1;
        }
        n += (size_t)r;
    }
    unsigned char d[32];
    df_sha256(buf, n, d);
    df_hex_encode(d, 32, out);
    free(buf);
    return 0;
}

int df_input_source_read(const char *path, df_input_source *s, df_error *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (!realpath(path, s->abs_path))
        return df_error_errno(err, "%s: cannot resolve the input's path", path);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (the export
     * came through it and is gone); a regular file reads as usual. */
    int fd = open(s->abs_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return df_error_errno(err, "%s: cannot read the input", path);
    }
    s->size = (long long)st.st_size;
    s->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    int rc = S_ISREG(st.st_mode) ? fingerprint(fd, s->size, s->fingerprint) : 0; /* a pipe cannot be re-read */
    close(fd);
    return rc == 0 ? 0 : df_error_errno(err, "%s: cannot read the input", path);
}

int df_input_source_changed(const df_input_source *s, char *why, size_t n)
{
    df_input_source now;
    df_error e;
    if (!s->fingerprint[0]) {
        snprintf(why, n, "was not a regular file (a pipe): its rows cannot be read again");
        return 1;
    }
    if (df_input_source_read(s->abs_path, &now, &e) != 0) {
        snprintf(why, n, "is gone (%s)", s->abs_path);
        return 1;
    }
    if (now.size != s->size || now.mtime_ns != s->mtime_ns || strcmp(now.fingerprint, s->fingerprint)) {
        snprintf(why, n, "has changed since the batch was converted (%lld bytes then, %lld now)", s->size, now.size);
        return 1;
    }
    return 0;
}

int df_sources_from(const df_mapping *m, const char *const *inputs, int n, df_batch_sources *s, df_error *err)
{
    memset(s, 0, sizeof *s);
    s->inputs = calloc((size_t)(n > 0 ? n : 1), sizeof *s->inputs);
    if (!s->inputs)
        return df_errorf(err, "out of memory");
    s->n = n;
    s->encoding = m->encoding;
    s->delimiter = m->delimiter;
    s->quote = m->quote;
    s->header = m->header;
    s->skip_rows = m->skip_rows;
    for (int i = 0; i < n; i++) {
        if (df_input_source_read(inputs[i], &s->inputs[i], err) != 0) {
            df_sources_free(s);
            return -1;
        }
        /* as the conversion decides it (converter/convert.c) */
        if ((s->inputs[i].workbook = df_xlsx_is_workbook(inputs[i])))
            snprintf(s->inputs[i].sheet, sizeof s->inputs[i].sheet, "%s", m->sheet);
    }
    return 0;
}

void df_sources_free(df_batch_sources *s)
{
    free(s->inputs);
    memset(s, 0, sizeof *s);
}

/* ---- storage ---- */

static int fail(sqlite3 *db, const char *what, df_error *err)
{
    return df_errorf(err, "journal: %s: %s", what, sqlite3_errmsg(db));
}

/* Adds the columns a journal made by an older drugflow lacks. */
static int migrate(sqlite3 *db)
{
    static const char *const names[] = {"workbook", "sheet"};
    sqlite3_stmt *st = NULL;
    int have[2] = {0, 0};
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('batch_inputs')", -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int k = 0; k < 2 && name; k++)
            have[k] |= !strcmp(name, names[k]);
    }
    sqlite3_finalize(st);
    /* another drugflow process may have added it since the look */
    for (int k = 0; k < 2; k++)
        if (!have[k] && sqlite3_exec(db, added_columns[k], NULL, NULL, NULL) != SQLITE_OK &&
            !strstr(sqlite3_errmsg(db), "duplicate column"))
            return -1;
    return 0;
}

/* The connection, locked, with this file's tables in place; NULL on error (unlocked). */
static sqlite3 *open_db(df_journal *j, df_error *err)
{
    sqlite3 *db = df_journal_db_lock(j);
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK || migrate(db) != 0) {
        fail(db, "creating the provenance tables", err);
        df_journal_db_unlock(j);
        return NULL;
    }
    return db;
}

static int put_inputs(sqlite3 *db, const char *batch, const df_batch_sources *s, df_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM batch_inputs WHERE batch = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "storing a batch's inputs", err);
    sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || sqlite3_prepare_v2(db, "INSERT INTO batch_inputs(batch, idx, path, abs_path, size, mtime_ns,"
                                   " fingerprint, encoding, delimiter, quote, header, skip_rows, workbook, sheet)"
                                   " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL) !=
                   SQLITE_OK)
        return fail(db, "storing a batch's inputs", err);
    for (int i = 0; ok && i < s->n; i++) {
        const df_input_source *in = &s->inputs[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, i);
        sqlite3_bind_text(st, 3, in->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, in->abs_path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, in->size);
        sqlite3_bind_int64(st, 6, in->mtime_ns);
        sqlite3_bind_text(st, 7, in->fingerprint, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, df_encoding_name(s->encoding), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 9, (unsigned char)s->delimiter);
        sqlite3_bind_int(st, 10, (unsigned char)s->quote);
        sqlite3_bind_int(st, 11, s->header);
        sqlite3_bind_int(st, 12, s->skip_rows);
        sqlite3_bind_int(st, 13, in->workbook);
        sqlite3_bind_text(st, 14, in->sheet, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok ? 0 : fail(db, "storing a batch's inputs", err);
}

int df_sources_put(df_journal *j, const char *batch, const df_batch_sources *s, df_error *err)
{
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? put_inputs(db, batch, s, err)
                                                                                : fail(db, "storing inputs", err);
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(db, "storing a batch's inputs", err);
    if (rc != 0)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    df_journal_db_unlock(j);
    return rc;
}

static void col_text(sqlite3_stmt *st, int col, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_input(sqlite3_stmt *st, df_batch_sources *s, df_input_source *in)
{
    col_text(st, 0, in->path, sizeof in->path);
    col_text(st, 1, in->abs_path, sizeof in->abs_path);
    in->size = sqlite3_column_int64(st, 2);
    in->mtime_ns = sqlite3_column_int64(st, 3);
    col_text(st, 4, in->fingerprint, sizeof in->fingerprint);
    const char *enc = (const char *)sqlite3_column_text(st, 5);
    for (int e = DF_ENC_UTF8; e <= DF_ENC_GB18030; e++)
        if (enc && !strcmp(enc, df_encoding_name((df_encoding)e)))
            s->encoding = (df_encoding)e;
    s->delimiter = (char)sqlite3_column_int(st, 6);
    s->quote = (char)sqlite3_column_int(st, 7);
    s->header = sqlite3_column_int(st, 8);
    s->skip_rows = sqlite3_column_int(st, 9);
    in->workbook = sqlite3_column_int(st, 11);
    col_text(st, 12, in->sheet, sizeof in->sheet);
}

int df_sources_get(df_journal *j, const char *batch, df_batch_sources *s, int *found, df_error *err)
{
    memset(s, 0, sizeof *s);
    *found = 0;
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = -1, k;
    if (sqlite3_prepare_v2(db, "SELECT path, abs_path, size, mtime_ns, fingerprint, encoding, delimiter, quote,"
                               " header, skip_rows, idx, workbook, sheet FROM batch_inputs WHERE batch = ? ORDER BY idx",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(db, "reading a batch's inputs", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
    while ((k = sqlite3_step(st)) == SQLITE_ROW) {
        df_input_source *n = realloc(s->inputs, (size_t)(s->n + 1) * sizeof *n);
        if (!n) {
            df_errorf(err, "out of memory");
            goto out;
        }
        s->inputs = n;
        memset(&s->inputs[s->n], 0, sizeof *n);
        read_input(st, s, &s->inputs[s->n++]);
    }
    if (k != SQLITE_DONE) {
        fail(db, "reading a batch's inputs", err);
        goto out;
    }
    *found = s->n > 0;
    rc = 0;
out:
    sqlite3_finalize(st);
    df_journal_db_unlock(j);
    if (rc != 0)
        df_sources_free(s);
    return rc;
}

int df_chunk_lines_put(df_journal *j, const char *batch, int seq, const unsigned char *blob, size_t len,
                       df_error *err)
{
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO chunk_lines(batch, seq, lines) VALUES(?,?,?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, seq);
        sqlite3_bind_blob(st, 3, blob ? (const void *)blob : "", (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    }
    if (rc != 0)
        fail(db, "storing a chunk's provenance", err);
    sqlite3_finalize(st);
    df_journal_db_unlock(j);
    return rc;
}

int df_chunk_lines_get(df_journal *j, const char *batch, int seq, unsigned char **blob, size_t *len, int *found,
                       df_error *err)
{
    *blob = NULL;
    *len = 0;
    *found = 0;
    sqlite3 *db = open_db(j, err);
    if (!db)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = -1, k = SQLITE_ERROR;
    if (sqlite3_prepare_v2(db, "SELECT lines FROM chunk_lines WHERE batch = ? AND seq = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, seq);
        k = sqlite3_step(st);
    }
    if (k == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *blob = malloc(n ? n : 1);
        if (*blob) {
            if (n)
                memcpy(*blob, sqlite3_column_blob(st, 0), n);
            *len = n;
            *found = 1;
            rc = 0;
        } else {
            df_errorf(err, "out of memory");
        }
    } else if (k == SQLITE_DONE) {
        rc = 0;
    } else {
        fail(db, "reading a chunk's provenance", err);
    }
    sqlite3_finalize(st);
    df_journal_db_unlock(j);
    return rc;
}

/* ---- the provenance file beside chunks made by `drugflow convert` ---- */

void df_sources_file_path(const char *dir, const char *batch, char *out, size_t n)
{
    snprintf(out, n, "%s/.%s.provenance", dir, batch);
}

static int plain(const char *s)
{
    return !strpbrk(s, "\t\n\r");
}

int df_sources_save(const char *path, const char *batch, const df_batch_sources *s, int nchunks,
                    const unsigned char *const *blobs, const size_t *lens, df_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return df_errorf(err, "out of memory");
    fprintf(f, "drugflow-provenance\t1\t%s\ndialect\t%s\t%d\t%d\t%d\t%d\n", batch, df_encoding_name(s->encoding),
            (unsigned char)s->delimiter, (unsigned char)s->quote, s->header, s->skip_rows);
    int ok = plain(batch);
    for (int i = 0; i < s->n; i++) {
        const df_input_source *in = &s->inputs[i];
        ok &= plain(in->path) && plain(in->abs_path);
        fprintf(f, "input\t%s\t%s\t%lld\t%lld\t%s\n", in->path, in->abs_path, in->size, in->mtime_ns,
                in->fingerprint[0] ? in->fingerprint : "-");
        if (in->workbook) { /* its own line: older readers skip it */
            ok &= plain(in->sheet);
            fprintf(f, "workbook\t%d%s%s\n", i, in->sheet[0] ? "\t" : "", in->sheet); /* no sheet: the first */
        }
    }
    for (int c = 0; c < nchunks; c++) {
        fprintf(f, "chunk\t%d\t", c + 1);
        for (size_t k = 0; blobs[c] && k < lens[c]; k++)
            fprintf(f, "%02x", blobs[c][k]);
        fputc('\n', f);
    }
    int rc = fclose(f) == 0 ? 0 : df_errorf(err, "out of memory");
    if (rc == 0 && !ok)
        rc = df_errorf(err, "an input path or sheet name holds a tab or a line break: no provenance file");
    if (rc == 0)
        rc = df_atomic_write_file(path, buf, len, err);
    free(buf);
    return rc;
}

/* One line of the file into the journal (or into s, for the inputs). */
static int import_line(df_journal *j, const char *batch, char *line, df_batch_sources *s, df_error *err)
{
    char *f[8];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, "\t\n", &save); t && n < 8; t = strtok_r(NULL, "\t\n", &save))
        f[n++] = t;
    if (n == 6 && !strcmp(f[0], "dialect")) {
        for (int e = DF_ENC_UTF8; e <= DF_ENC_GB18030; e++)
            if (!strcmp(f[1], df_encoding_name((df_encoding)e)))
                s->encoding = (df_encoding)e;
        s->delimiter = (char)atoi(f[2]), s->quote = (char)atoi(f[3]), s->header = atoi(f[4]), s->skip_rows = atoi(f[5]);
    } else if (n == 6 && !strcmp(f[0], "input")) {
        df_input_source *in = realloc(s->inputs, (size_t)(s->n + 1) * sizeof *in);
        if (!in)
            return df_errorf(err, "out of memory");
        s->inputs = in;
        in = &s->inputs[s->n++];
        memset(in, 0, sizeof *in);
        snprintf(in->path, sizeof in->path, "%s", f[1]);
        snprintf(in->abs_path, sizeof in->abs_path, "%s", f[2]);
        in->size = atoll(f[3]);
        in->mtime_ns = atoll(f[4]);
        snprintf(in->fingerprint, sizeof in->fingerprint, "%s", strcmp(f[5], "-") ? f[5] : "");
    } else if ((n == 2 || n == 3) && !strcmp(f[0], "workbook") && s->n > 0 && atoi(f[1]) == s->n - 1) {
        df_input_source *in = &s->inputs[s->n - 1];
        in->workbook = 1;
        snprintf(in->sheet, sizeof in->sheet, "%s", n == 3 ? f[2] : "");
    } else if ((n == 3 || n == 2) && !strcmp(f[0], "chunk")) {
        size_t hl = n == 3 ? strlen(f[2]) : 0;
        unsigned char *blob = malloc(hl / 2 + 1);
        if (!blob)
            return df_errorf(err, "out of memory");
        for (size_t k = 0; k + 1 < hl; k += 2) {
            unsigned v;
            sscanf(f[2] + k, "%2x", &v);
            blob[k / 2] = (unsigned char)v;
        }
        int rc = df_chunk_lines_put(j, batch, atoi(f[1]), blob, hl / 2, err);
        free(blob);
        return rc;
    }
    return 0;
}

int df_sources_import(df_journal *j, const char *path, df_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL, batch[128] = "";
    size_t cap = 0;
    df_batch_sources s = {0};
    int rc = 0;
    if (getline(&line, &cap, f) < 0 || sscanf(line, "drugflow-provenance\t1\t%127[^\t\n]", batch) != 1)
        rc = df_errorf(err, "%s: not a drugflow provenance file", path);
    while (rc == 0 && getline(&line, &cap, f) >= 0)
        rc = import_line(j, batch, line, &s, err);
    if (rc == 0 && s.n)
        rc = df_sources_put(j, batch, &s, err);
    free(line);
    fclose(f);
    df_sources_free(&s);
    return rc;
}
