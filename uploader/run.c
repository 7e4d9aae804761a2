/* uploader/run.c — the pipelined convert → sign → upload run; see run.h. */
#include "uploader/run.h"

#include "base/digest.h"
#include "base/path.h"
#include "config/values.h"
#include "workspace/sources.h"
#include "converter/unmatched.h"
#include "report/html.h"
#include "writer/header_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct run_ctx {
    const df_run_options *o;
    df_run_result *r;
    df_queue q;
    pthread_mutex_t mu;
    int failed;
    df_error upload_err;
    int upload_rc;
    int refused_overwrite; /* a chunk in the folder was not ours to replace */
} run_ctx;

static void chunk_fail(run_ctx *c, const char *fmt_msg)
{
    pthread_mutex_lock(&c->mu);
    if (!c->failed)
        snprintf(c->r->chunk_error, sizeof c->r->chunk_error, "%s", fmt_msg);
    c->failed = 1;
    pthread_mutex_unlock(&c->mu);
}

/* 0 if final may be replaced by a chunk of sha256 new_sha: it does not
 * exist, this journal wrote it (old names it), it holds the same bytes, or
 * --force (never an input or another guarded file). */
static int may_replace(const df_run_options *o, const char *final, const df_chunk_row *old, const char *new_sha,
                       df_error *err)
{
    struct stat st;
    if (lstat(final, &st) != 0)
        return 0;
    if (df_guard_replace(&o->convert, final, err) != 0)
        return -1;
    if (o->force || (old && !strcmp(old->path, final)))
        return 0;
    unsigned char sha[32];
    char hex[65];
    long long size;
    if (S_ISREG(st.st_mode) && df_sha256_file(final, sha, &size, err) == 0) {
        df_hex_encode(sha, 32, hex);
        if (!strcmp(hex, new_sha))
            return 0;
    }
    return df_errorf(err, "%s is a signed chunk that this journal (%s) did not write, and this run makes other bytes "
                     "for it: it is not overwritten. Was journal.sqlite deleted or replaced? To send the batch as "
                     "it is, run 'drugflow upload %s' (the server is asked what it already holds); to replace the "
                     "files, run again with --force; for other data, give another --batch-id", final,
                     df_journal_workspace(o->upload.journal), o->out_dir);
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
    char final[DF_PATH_MAX];
    snprintf(final, sizeof final, "%s/%s", o->out_dir, base);
    df_chunk_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.batch, sizeof row.batch, "%s", o->convert.meta.batch_id);
    row.seq = seq;
    snprintf(row.name, sizeof row.name, "%s", base);
    snprintf(row.path, sizeof row.path, "%s", final);
    df_hex_encode(res->file_sha256, 32, row.sha256);
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
            snprintf(m, sizeof m, "chunk %d of batch %s is on the server (file id %s) with other bytes than this "
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
        if (df_chunk_lines_put(j, row.batch, seq, res->lines, res->lines_len, &e) != 0)
            chunk_fail(c, e.msg);
        pthread_mutex_lock(&c->mu);
        c->r->skipped++;
        c->r->skipped_records += (long long)res->records;
        pthread_mutex_unlock(&c->mu);
        return;
    }
    /* An earlier unconfirmed copy this journal wrote is replaced (the same
     * bytes: the output is deterministic); a file it did not write only if
     * the bytes are the same, or with --force. */
    if (may_replace(o, final, found ? &old : NULL, row.sha256, &e) != 0) {
        unlink(res->path);
        c->refused_overwrite = 1;
        chunk_fail(c, e.msg);
        return;
    }
    if (rename(res->path, final) != 0) {
        df_error_errno(&e, "cannot move %s to %s", res->path, final);
        chunk_fail(c, e.msg);
        return;
    }
    df_fsync_dir(o->out_dir);
    if (df_journal_chunk_put(j, &row, &e) != 0 ||
        df_chunk_lines_put(j, row.batch, seq, res->lines, res->lines_len, &e) != 0) {
        chunk_fail(c, e.msg);
        return;
    }
    df_upload_job job = {.chunk = row.id, .seq = seq};
    snprintf(job.batch, sizeof job.batch, "%s", row.batch);
    snprintf(job.name, sizeof job.name, "%s", row.name);
    snprintf(job.path, sizeof job.path, "%s", row.path);
    if (df_queue_push(&c->q, &job) == 0) {
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

/* A chunk file's Header (writer/header_scan.h). */
static int header_of(const df_profile *p, const char *path, df_header_scan *hs, df_error *err)
{
    if (df_header_scan_init(hs, p, 1) != 0)
        return df_errorf(err, "out of memory");
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s", path);
    char buf[16384];
    size_t k;
    int done = 0;
    while (!done && (k = fread(buf, 1, sizeof buf, f)) > 0)
        done = df_header_scan_feed(hs, buf, k, 0);
    if (!done)
        df_header_scan_feed(hs, "", 0, 1);
    fclose(f);
    if (df_header_scan_finish(hs) != 0)
        return df_errorf(err, "%s: not a readable chunk file: %s", path, hs->msg);
    return 0;
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
        char p[DF_PATH_MAX];
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
    char staging[DF_PATH_MAX];
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
        df_queue_destroy(&c->q);
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
    df_queue_close(&c->q);
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
    r->usage_error |= c->refused_overwrite;
    df_queue_destroy(&c->q);
    pthread_mutex_destroy(&c->mu);
    free(c);
    mo->upload.queue = NULL;
    return rc;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A batch the journal does not know whose folder holds its signed chunks
 * (the journal was lost): their Header's CreatedAt, so that the rerun
 * makes the same bytes. 1 with b->created_at set, 0 if the folder holds
 * none, -1 (usage) if they are other data than the request's. */
static int folder_created_at(const df_profile *p, df_batch_info *b, const df_batch_request *req, df_error *err)
{
    struct dirent **list;
    int n = scandir(b->out_dir, &list, NULL, alphasort), rc = 0;
    for (int i = 0; i < n; i++) {
        char path[DF_PATH_MAX];
        if (rc == 0 && df_chunk_name_of_batch(list[i]->d_name, b->id) &&
            df_path_join(path, sizeof path, b->out_dir, list[i]->d_name, err) == 0) {
            df_header_scan *hs = malloc(sizeof *hs);
            rc = hs ? header_of(p, path, hs, err) : df_errorf(err, "out of memory");
            if (rc == 0) {
                const char *ca = df_header_scan_get(hs, DF_HV_CREATED_AT), *pe = df_header_scan_get(hs, DF_HV_PERIOD),
                           *dt = df_header_scan_get(hs, DF_HV_DOC_TYPE);
                if (!ca || !pe || !dt || strcmp(pe, b->period) || strcmp(dt, b->doc_type) ||
                    (req->created_at && strcmp(req->created_at, ca)))
                    rc = df_errorf(err, "%s holds signed chunks of batch %s for %s %s, CreatedAt %s, that the journal "
                                   "does not know: give other data another --batch-id, or --force to replace them",
                                   b->out_dir, b->id, dt ? dt : "?", pe ? pe : "?", ca ? ca : "?");
                else
                    rc = snprintf(b->created_at, sizeof b->created_at, "%s", ca) > 0;
            }
            if (hs)
                df_header_scan_free(hs);
            free(hs);
        }
        free(list[i]);
    }
    if (n > 0)
        free(list);
    return rc;
}

/* The batch of req: the journal's (resumed) or a new one, journaled. */
static int resolve_batch(df_session *s, const df_mapping *m, const df_batch_request *req, df_batch_info *b,
                         df_run_result *r, df_error *err)
{
    memset(b, 0, sizeof *b);
    char why[256];
    if (req->batch_id && df_batch_id_check_max(req->batch_id, s->profile->batch_id_max, why, sizeof why) != 0) {
        r->usage_error = 1;
        return df_errorf(err, "--batch-id '%s' %s", req->batch_id, why);
    }
    if (req->batch_id)
        snprintf(b->id, sizeof b->id, "%s", req->batch_id);
    else if (df_batch_id_default(req->period, m->dt->code, b->id, sizeof b->id, err) != 0)
        return r->usage_error = 1, -1;
    int found;
    df_batch_info old;
    if (df_journal_batch_get(s->journal, b->id, &old, &found, err) != 0)
        return -1;
    if (found) {
        if (strcmp(old.period, req->period) || strcmp(old.doc_type, m->dt->code) ||
            (req->created_at && strcmp(req->created_at, old.created_at))) {
            r->usage_error = 1;
            return df_errorf(err, "batch %s is in the journal for %s %s, CreatedAt %s; give another --batch-id for "
                             "other data", b->id, old.doc_type, old.period, old.created_at);
        }
        *b = old;
        if (req->log)
            fprintf(req->log, "drugflow run: resuming batch %s (CreatedAt %s)\n", b->id, b->created_at);
    } else {
        uint64_t crec, cbytes;
        snprintf(b->doc_type, sizeof b->doc_type, "%s", m->dt->code);
        snprintf(b->period, sizeof b->period, "%s", req->period);
        if (req->out_dir)
            snprintf(b->out_dir, sizeof b->out_dir, "%s", req->out_dir);
        else if (df_path_join(b->out_dir, sizeof b->out_dir, s->cfg.workspace, b->id, err) != 0)
            return r->usage_error = 1, -1;
        int got = req->force ? 0 : folder_created_at(s->profile, b, req, err);
        if (got < 0)
            return r->usage_error = 1, -1;
        r->recovered = got;
        if ((!got && df_created_at(req->created_at, b->created_at, sizeof b->created_at, err) != 0) ||
            df_chunk_limits(req->chunk_records ? req->chunk_records : (uint64_t)s->cfg.chunk_records,
                            req->chunk_bytes ? req->chunk_bytes : (uint64_t)s->cfg.chunk_bytes, &crec, &cbytes,
                            err) != 0)
            return r->usage_error = 1, -1;
        b->chunk_records = (long long)crec;
        b->chunk_bytes = (long long)cbytes;
    }
    if (req->out_dir && strcmp(req->out_dir, b->out_dir) != 0) {
        char a1[DF_PATH_MAX], a2[DF_PATH_MAX];
        if (!realpath(req->out_dir, a1) || !realpath(b->out_dir, a2) || strcmp(a1, a2) != 0) {
            r->usage_error = 1;
            return df_errorf(err, "batch %s's folder is %s, not %s", b->id, b->out_dir, req->out_dir);
        }
    }
    char abs_out[DF_PATH_MAX];
    if ((mkdir(b->out_dir, 0755) != 0 && errno != EEXIST) || !realpath(b->out_dir, abs_out)) {
        r->usage_error = 1;
        return df_error_errno(err, "%s: cannot create the batch folder", b->out_dir);
    }
    snprintf(b->out_dir, sizeof b->out_dir, "%s", abs_out);
    return found ? 0 : df_journal_batch_put(s->journal, b, err);
}

int df_run_batch(df_session *s, df_mapping *m, const df_catalog_set *cats, const char *const *inputs, int ninputs,
                 const df_batch_request *req, df_batch_info *b, df_convert_summary *sum, df_run_result *r,
                 df_error *err)
{
    memset(r, 0, sizeof *r);
    memset(sum, 0, sizeof *sum);
    if (!s->cfg.enterprise_code[0] || !s->cfg.enterprise_name[0]) {
        r->usage_error = 1;
        return df_errorf(err, "the enterprise code and name are needed: set 'enterprise:' in the configuration");
    }
    if (resolve_batch(s, m, req, b, r, err) != 0)
        return -1;
    /* Where the records come from, so that server errors name input lines. */
    df_batch_sources src;
    if (df_sources_from(m, inputs, ninputs, &src, err) != 0 || df_sources_put(s->journal, b->id, &src, err) != 0) {
        df_sources_free(&src);
        return -1;
    }
    df_sources_free(&src);
    char rejects[DF_PATH_MAX];
    if (df_path_join(rejects, sizeof rejects, b->out_dir, "rejects.csv", err) != 0)
        return -1;
    df_upload_options uo = {
        .client = s->client,
        .journal = s->journal,
        .parallel = s->cfg.uploads,
        .retry = {s->cfg.attempts, s->cfg.retry_base_ms, 0},
        .progress = req->progress || req->verbose ? req->log : NULL,
        .reconcile = 1,
    };
    const df_guarded_file guarded[] = {
        {s->cfg.source, "the configuration"}, {s->profile->path, "the profile"}, {s->cfg.key, "the enterprise key"},
        {s->cfg.cert, "the enterprise certificate"}, {s->cfg.passphrase_file, "the passphrase file"},
    };
    df_run_options ro = {
        .convert = {
            .profile = s->profile,
            .mapping = m,
            .catalogs = cats,
            .inputs = inputs,
            .ninputs = ninputs,
            .rejects_path = rejects,
            .rejects_format = req->rejects_format,
            .meta = {s->cfg.enterprise_code, s->cfg.enterprise_name, m->dt->code, b->period, b->id, b->created_at},
            .chunk_records = (uint64_t)b->chunk_records,
            .chunk_bytes = (uint64_t)b->chunk_bytes,
            .threads = req->threads > 0 ? req->threads : s->cfg.threads,
            .sign = df_signer_sign_digest,
            .sign_ctx = s->signer,
            .progress = req->progress,
            .stats = req->stats,
            .guarded = guarded,
            .nguarded = (int)(sizeof guarded / sizeof *guarded),
        },
        .out_dir = b->out_dir,
        .upload = uo,
        .force = req->force,
    };
    double t0 = seconds_now();
    int recovered = r->recovered;
    int rc = df_run(&ro, sum, r, err);
    r->recovered = recovered;
    if (rc != 0 || (r->converted && df_missing_write(sum, s->profile, b->out_dir, err) != 0))
        return -1;
    df_stage_time times[4] = {{"convert", sum->seconds}, {"near-miss index", sum->index_seconds},
                              {"convert, sign and upload (pipelined)", seconds_now() - t0}};
    int ntimes = 3;
    /* Chunks of this batch left unsent by an earlier run and not produced again. */
    if (!r->upload.gave_up && !r->upload.refused) {
        df_upload_stats extra;
        int requeued;
        double t1 = seconds_now();
        if (df_upload_pending(&uo, b->id, &extra, &requeued, err) != 0)
            return -1;
        df_upload_stats_add(&r->upload, &extra);
        if (requeued)
            times[ntimes++] = (df_stage_time){"upload of earlier chunks", seconds_now() - t1};
    }
    /* For the batch report, even when written later by `drugflow report`. */
    return df_report_save_run(s->journal, sum, r->skipped_records, times, ntimes, err);
}
