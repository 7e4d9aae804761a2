/* uploader/run.c — the pipelined convert → sign → upload run; see run.h. */
#include "uploader/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct run_ctx {
    const df_run_options *o;
    df_run_result *r;
    df_upload_queue q;
    pthread_mutex_t mu;
    int failed;
    df_error upload_err;
    int upload_rc;
} run_ctx;

static void chunk_fail(run_ctx *c, const char *fmt_msg)
{
    pthread_mutex_lock(&c->mu);
    if (!c->failed)
        snprintf(c->r->chunk_error, sizeof c->r->chunk_error, "%s", fmt_msg);
    c->failed = 1;
    pthread_mutex_unlock(&c->mu);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* From a writer thread: a chunk is committed in the staging folder. */
static void on_chunk(void *arg, int seq, const df_chunk_result *res)
{
    run_ctx *c = arg;
    const df_run_options *o = c->o;
    df_journal *j = o->upload.journal;
    df_error e;
    const char *base = strrchr(res->path, '/');
    base = base ? base + 1 : res->path;
    char final[4096];
    snprintf(final, sizeof final, "%s/%s", o->out_dir, base);
    df_chunk_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.batch, sizeof row.batch, "%s", o->convert.meta.batch_id);
    row.seq = seq;
    snprintf(row.name, sizeof row.name, "%s", base);
    snprintf(row.path, sizeof row.path, "%s", final);
    for (int i = 0; i < 32; i++)
        sprintf(row.sha256 + 2 * i, "%02x", res->file_sha256[i]);
    row.records = (long long)res->records;
    row.bytes = (long long)res->bytes;
    row.state = o->convert.sign ? DF_CS_SIGNED : DF_CS_WRITTEN;

    df_chunk_row old;
    int found;
    if (df_journal_chunk_get(j, row.batch, seq, &old, &found, &e) != 0) {
        chunk_fail(c, e.msg);
        return;
    }
    if (found && old.file_id[0]) {
        if (strcmp(old.sha256, row.sha256) != 0) {
            char m[1024];
            snprintf(m, sizeof m, "chunk %d of batch %s is on the server (FileId %s) with other bytes than this "
                     "run produced: the input or settings changed; use a new --batch-id for changed data",
                     seq, row.batch, old.file_id);
            unlink(res->path);
            chunk_fail(c, m);
            return;
        }
        /* Confirmed by the server: the file in the batch folder stays as it is. */
        if (access(final, F_OK) == 0)
            unlink(res->path);
        else if (rename(res->path, final) != 0)
            unlink(res->path);
        pthread_mutex_lock(&c->mu);
        c->r->skipped++;
        pthread_mutex_unlock(&c->mu);
        return;
    }
    /* Same bytes as any earlier unconfirmed copy (deterministic output): replace it. */
    if (rename(res->path, final) != 0) {
        df_error_errno(&e, "cannot move %s to %s", res->path, final);
        chunk_fail(c, e.msg);
        return;
    }
    fsync_dir(o->out_dir);
    if (df_journal_chunk_put(j, &row, &e) != 0) {
        chunk_fail(c, e.msg);
        return;
    }
    df_upload_job job = {.chunk = row.id, .seq = seq};
    snprintf(job.name, sizeof job.name, "%s", row.name);
    snprintf(job.path, sizeof job.path, "%s", row.path);
    if (df_upload_queue_push(&c->q, &job) == 0) {
        pthread_mutex_lock(&c->mu);
        c->r->queued++;
        pthread_mutex_unlock(&c->mu);
    }
}

static void *upload_thread(void *arg)
{
    run_ctx *c = arg;
    c->upload_rc = df_upload_run(&c->o->upload, &c->r->upload, &c->upload_err);
    return NULL;
}

/* Removes what a killed run left in the staging folder: never journaled. */
static int clean_staging(const char *dir, df_error *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return df_error_errno(err, "%s: cannot create the staging folder", dir);
    DIR *d = opendir(dir);
    if (!d)
        return df_error_errno(err, "%s: cannot open the staging folder", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char p[4500];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    return 0;
}

int df_run(const df_run_options *o, df_convert_summary *s, df_run_result *r, df_error *err)
{
    memset(r, 0, sizeof *r);
    memset(s, 0, sizeof *s);
    char staging[4200];
    snprintf(staging, sizeof staging, "%s/.staging", o->out_dir);
    if (clean_staging(staging, err) != 0)
        return -1;
    run_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return df_errorf(err, "out of memory");
    c->o = o;
    c->r = r;
    pthread_mutex_init(&c->mu, NULL);
    int parallel = o->upload.parallel > 0 ? o->upload.parallel : 4;
    if (df_upload_queue_init(&c->q, o->queue_cap ? o->queue_cap : (size_t)parallel * 2, err) != 0) {
        free(c);
        return -1;
    }
    df_run_options *mo = (df_run_options *)o; /* the queue is ours to set */
    mo->upload.queue = &c->q;
    pthread_t th;
    if (pthread_create(&th, NULL, upload_thread, c) != 0) {
        df_upload_queue_destroy(&c->q);
        free(c);
        return df_errorf(err, "cannot start the upload thread");
    }
    df_convert_options co = o->convert;
    co.out_dir = staging;
    co.on_chunk = on_chunk;
    co.on_chunk_ctx = c;
    co.force = 0;
    co.keep_partial = 1;
    co.file_digests = 1;
    int crc = df_convert(&co, s, err);
    r->converted = crc == 0;
    df_upload_queue_close(&c->q);
    pthread_join(th, NULL);
    int rc = crc;
    if (c->upload_rc != 0 && rc == 0) {
        *err = c->upload_err;
        rc = -1;
    }
    if (c->failed && rc == 0) {
        df_errorf(err, "%s", r->chunk_error);
        rc = -1;
    }
    clean_staging(staging, err);
    rmdir(staging);
    df_upload_queue_destroy(&c->q);
    pthread_mutex_destroy(&c->mu);
    free(c);
    mo->upload.queue = NULL;
    return rc;
}
