/* uploader/upload.c — the upload loop and its bounded job queue; see upload.h. */
#include "uploader/upload.h"

#include "uploader/transfer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uploader/answer.h"
#include "uploader/client.h"
#include "uploader/reconcile.h"

int df_upload_queue_init(df_queue *q, size_t cap, df_error *err)
{
    return df_queue_init(q, cap ? cap : 1, sizeof(df_upload_job), err);
}

static void wake_multi(void *multi)
{
    curl_multi_wakeup(multi);
}

/* ---- loop ---- */

typedef struct task {
    df_upload_job job;
    df_transfer t;
    int attempt;        /* attempts made */
    long long due_ms;   /* when a waiting task may start again */
    struct task *next;
} task;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the server holds of one batch, asked once per loop (reconcile.h). */
typedef struct known_batch {
    char id[128];
    int asked;               /* 1: files holds the answer; 0: the server could not be asked */
    df_server_files files;
} known_batch;

typedef struct loop {
    const df_upload_options *o;
    df_upload_stats *st;
    known_batch *known;
    size_t nknown;
    CURLM *multi;
    int active;
    task *waiting;       /* retry later, unsorted */
    int stop;            /* start nothing new (server down, TLS refused, journal error) */
    int fatal;
    df_error *err;
    df_backoff backoff;
} loop;

static void note(loop *l, const char *fmt_msg)
{
    if (!l->st->first_error[0])
        snprintf(l->st->first_error, sizeof l->st->first_error, "%s", fmt_msg);
}

static int start(loop *l, task *k)
{
    const df_upload_options *o = l->o;
    df_error e;
    if (k->attempt == 0 && df_journal_set_state(o->journal, k->job.chunk, DF_CS_UPLOADING, &e) != 0) {
        /* e.g. already uploaded by another process: not ours to send */
        note(l, e.msg);
        return -1;
    }
    if (df_transfer_upload(o->client, &k->t, k->job.path, k->job.name, &e) != 0) {
        note(l, e.msg);
        return -1;
    }
    k->t.user = k;
    curl_multi_add_handle(l->multi, k->t.easy);
    l->active++;
    l->st->attempts++;
    return 0;
}

static void retry_later(loop *l, task *k, const char *why)
{
    const df_upload_options *o = l->o;
    k->attempt++;
    if (!df_backoff_again(&l->backoff, k->attempt)) {
        l->st->gave_up++;
        char m[1200];
        snprintf(m, sizeof m, "%s: %s (gave up after %d attempts)", k->job.name, why, k->attempt);
        note(l, m);
        if (o->progress)
            fprintf(o->progress, "drugflow: %s\n", m);
        l->stop = 1; /* the server is down or failing: leave the rest for a later run */
        free(k);
        return;
    }
    k->due_ms = now_ms() + df_backoff_delay_ms(&l->backoff, k->attempt);
    k->next = l->waiting;
    l->waiting = k;
}

static void finish(loop *l, task *k, CURLcode cc)
{
    const df_upload_options *o = l->o;
    df_error e;
    long http;
    char msg[1200];
    df_tx_class cls = df_transfer_classify(&k->t, cc, &http, msg, sizeof msg);
    df_answer a = {0};
    a.code = -1;
    const df_protocol *pr = &df_client_profile(o->client)->protocol;
    if (cls == DF_TX_OK) {
        df_code_class k2 = DF_CODE_OK;
        if (df_answer_parse(pr, k->t.body, k->t.len, DF_ANSWER_MAX_SMALL, &a, &e) != 0) {
            cls = DF_TX_REFUSED;
            snprintf(msg, sizeof msg, "%s: %s", k->t.url, e.msg);
        } else if ((k2 = df_protocol_class(pr, a.code)) != DF_CODE_OK) {
            cls = k2 == DF_CODE_TRANSIENT ? DF_TX_TRANSIENT : DF_TX_REFUSED;
            df_answer_code_message(pr, a.code, a.message, msg, sizeof msg);
        } else if (!a.file_id[0]) {
            cls = DF_TX_REFUSED;
            snprintf(msg, sizeof msg, "%s %d without <%s>: the answer is not as the profile describes",
                     df_an(pr, DF_AN_CODE), a.code, df_an(pr, DF_AN_FILE_ID));
        }
    }
    const char *outcome = cls == DF_TX_OK ? "ok" : cls == DF_TX_TRANSIENT ? "transient" : "refused";
    if (df_journal_attempt(o->journal, k->job.chunk, "upload", outcome, http, a.code,
                           cls == DF_TX_OK ? a.file_id : msg, &e) != 0)
        goto fatal;
    if (cls == DF_TX_OK) {
        if (df_journal_set_uploaded(o->journal, k->job.chunk, a.file_id, a.duplicate, &e) != 0)
            goto fatal;
        l->st->uploaded++;
        l->st->duplicates += a.duplicate;
        if (o->progress)
            fprintf(o->progress, "uploaded %s → %s%s\n", k->job.name, a.file_id, a.duplicate ? " (duplicate)" : "");
        df_transfer_cleanup(&k->t);
        free(k);
        return;
    }
    if (cls == DF_TX_TRANSIENT) {
        df_transfer_cleanup(&k->t);
        retry_later(l, k, msg);
        return;
    }
    /* refused: not retried */
    char m[1500];
    snprintf(m, sizeof m, "%s refused: %s", k->job.name, msg);
    note(l, m);
    if (o->progress)
        fprintf(o->progress, "drugflow: %s\n", m);
    if (df_journal_set_refused(o->journal, k->job.chunk, a.code >= 0 ? a.code : (int)http, msg, &e) != 0)
        goto fatal;
    l->st->refused++;
    const df_code_def *cd = a.code >= 0 ? df_protocol_code(pr, a.code) : NULL;
    if (a.code < 0 || (cd && cd->stop)) {
        /* TLS or identity: every other chunk would meet the same fate, and nothing was sent */
        l->st->tls_refused += a.code < 0 && http == 0;
        l->stop = 1;
    }
    df_transfer_cleanup(&k->t);
    free(k);
    return;
fatal:
    df_transfer_cleanup(&k->t);
    free(k);
    if (!l->fatal)
        *l->err = e;
    l->fatal = 1;
    l->stop = 1;
}

/* The server's answer for a batch: asked on its first chunk, kept after. */
static known_batch *known_for(loop *l, const char *batch)
{
    for (size_t i = 0; i < l->nknown; i++)
        if (!strcmp(l->known[i].id, batch))
            return &l->known[i];
    known_batch *k = realloc(l->known, (l->nknown + 1) * sizeof *k);
    if (!k)
        return NULL;
    l->known = k;
    known_batch *b = &k[l->nknown++];
    memset(b, 0, sizeof *b);
    snprintf(b->id, sizeof b->id, "%s", batch);
    df_batch_info info;
    int found;
    df_error e;
    if (df_journal_batch_get(l->o->journal, batch, &info, &found, &e) != 0 || !found)
        memset(&info, 0, sizeof info);
    char since[40];
    df_reconcile_since(&info, since, sizeof since);
    b->asked = df_reconcile_fetch(l->o->client, &l->o->retry, batch, since, &b->files, &e) == 0;
    if (!b->asked) {
        note(l, e.msg);
        if (l->o->progress)
            fprintf(l->o->progress, "drugflow: %s\n", e.msg);
    }
    return b;
}

/* Before a chunk's first attempt: 1 if it must not be sent (the server
 * holds it: adopted; or the server could not be asked), 0 to send. */
static int held_by_server(loop *l, const df_upload_job *job)
{
    known_batch *b = known_for(l, job->batch);
    df_error e;
    if (!b) {
        df_errorf(l->err, "out of memory");
        l->fatal = l->stop = 1;
        return 1;
    }
    if (!b->asked) {
        l->st->not_asked++;
        l->stop = 1; /* the server is down or refusing: leave the rest for a later run */
        return 1;
    }
    int count;
    const df_server_file *f = df_server_files_find(&b->files, job->name, &count);
    if (!f)
        return 0;
    if (df_journal_adopt(l->o->journal, job->chunk, f->file_id, &e) != 0) {
        *l->err = e;
        l->fatal = l->stop = 1;
        return 1;
    }
    l->st->adopted++;
    if (count > 1 && l->st->server_doubles++ == 0)
        snprintf(l->st->note, sizeof l->st->note, "the server holds %s %d times (the first, file id %s, is taken); "
                 "ask the provincial help desk or the enterprise portal to delete the others", job->name, count,
                 f->file_id);
    if (l->o->progress)
        fprintf(l->o->progress, "adopted %s → %s (the server already holds it)\n", job->name, f->file_id);
    return 1;
}

/* The waiting task due first, if due by now; else NULL and *wait_ms. */
static task *take_due(loop *l, long long *wait_ms)
{
    task **best = NULL;
    for (task **p = &l->waiting; *p; p = &(*p)->next)
        if (!best || (*p)->due_ms < (*best)->due_ms)
            best = p;
    if (!best)
        return NULL;
    long long d = (*best)->due_ms - now_ms();
    if (d > 0) {
        if (d < *wait_ms)
            *wait_ms = d;
        return NULL;
    }
    task *k = *best;
    *best = k->next;
    k->next = NULL;
    return k;
}

int df_upload_run(const df_upload_options *o, df_upload_stats *stats, df_error *err)
{
    memset(stats, 0, sizeof *stats);
    df_upload_options opt = *o;
    if (opt.parallel < 1)
        opt.parallel = 4;
    loop l = {.o = &opt, .st = stats, .err = err};
    df_backoff_init(&l.backoff, &opt.retry);
    l.multi = curl_multi_init();
    if (!l.multi)
        return df_errorf(err, "out of memory (curl)");
    curl_multi_setopt(l.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)opt.parallel);
    df_queue_set_push_hook(o->queue, wake_multi, l.multi);

    int drained = 0;
    for (;;) {
        long long wait_ms = 1000;
        /* start what we can */
        while (!l.stop && l.active < opt.parallel) {
            task *k = take_due(&l, &wait_ms);
            if (!k) {
                df_upload_job job;
                int g = drained ? -1 : df_queue_try_pop(o->queue, &job);
                if (g < 0)
                    drained = 1;
                if (g <= 0)
                    break;
                if (opt.reconcile && held_by_server(&l, &job))
                    continue;
                k = calloc(1, sizeof *k);
                if (!k) {
                    df_errorf(err, "out of memory");
                    l.fatal = l.stop = 1;
                    break;
                }
                k->job = job;
            }
            if (start(&l, k) != 0) {
                if (k->attempt == 0)
                    stats->refused++;
                df_transfer_cleanup(&k->t);
                free(k);
            }
        }
        if (l.stop && !drained) {
            /* Stop taking jobs: producers are released, the chunks stay in the journal. */
            df_queue_abort(o->queue);
            drained = 1;
        }
        if (l.stop) {
            while (l.waiting) {
                task *k = l.waiting;
                l.waiting = k->next;
                free(k);
            }
        }
        if (l.active == 0 && !l.waiting && drained)
            break;
        int running = 0;
        curl_multi_perform(l.multi, &running);
        CURLMsg *m;
        int q;
        int done = 0;
        while ((m = curl_multi_info_read(l.multi, &q))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            df_transfer *t = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            task *k = t->user;
            CURLcode cc = m->data.result;
            curl_multi_remove_handle(l.multi, m->easy_handle);
            l.active--;
            finish(&l, k, cc);
            done = 1;
        }
        if (done)
            continue;
        if (l.active == 0 && !l.waiting && !drained)
            wait_ms = 1000; /* idle: wait for a push (wakeup) */
        if (wait_ms < 0)
            wait_ms = 0;
        curl_multi_poll(l.multi, NULL, 0, (int)wait_ms, NULL);
    }
    df_queue_set_push_hook(o->queue, NULL, NULL);
    df_queue_abort(o->queue); /* nothing consumes any more: producers return at once */
    curl_multi_cleanup(l.multi);
    for (size_t i = 0; i < l.nknown; i++)
        df_server_files_free(&l.known[i].files);
    free(l.known);
    return l.fatal ? -1 : 0;
}

void df_upload_stats_add(df_upload_stats *a, const df_upload_stats *b)
{
    a->adopted += b->adopted;
    a->server_doubles += b->server_doubles;
    a->not_asked += b->not_asked;
    if (!a->note[0])
        memcpy(a->note, b->note, sizeof b->note);
    a->uploaded += b->uploaded;
    a->duplicates += b->duplicates;
    a->refused += b->refused;
    a->gave_up += b->gave_up;
    a->tls_refused += b->tls_refused;
    a->attempts += b->attempts;
    if (!a->first_error[0])
        memcpy(a->first_error, b->first_error, sizeof b->first_error);
}

static int count_rows(void *arg, const df_chunk_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

static int push_row(void *arg, const df_chunk_row *r)
{
    df_upload_job job = {.chunk = r->id, .seq = r->seq};
    snprintf(job.batch, sizeof job.batch, "%s", r->batch);
    snprintf(job.name, sizeof job.name, "%s", r->name);
    snprintf(job.path, sizeof job.path, "%s", r->path);
    return df_queue_push(arg, &job) != 0;
}

int df_upload_pending(const df_upload_options *o, const char *batch, df_upload_stats *stats, int *nqueued,
                      df_error *err)
{
    int n = 0;
    memset(stats, 0, sizeof *stats);
    *nqueued = 0;
    if (df_journal_chunks(o->journal, batch, DF_JSEL_TO_UPLOAD, count_rows, &n, err) != 0)
        return -1;
    if (n == 0)
        return 0;
    df_queue q;
    if (df_upload_queue_init(&q, (size_t)n, err) != 0)
        return -1;
    if (df_journal_chunks(o->journal, batch, DF_JSEL_TO_UPLOAD, push_row, &q, err) != 0) {
        df_queue_destroy(&q);
        return -1;
    }
    *nqueued = (int)df_queue_count(&q);
    df_queue_close(&q);
    df_upload_options uo = *o;
    uo.queue = &q;
    int rc = df_upload_run(&uo, stats, err);
    df_queue_destroy(&q);
    return rc;
}
