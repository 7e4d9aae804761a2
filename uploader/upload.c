/* uploader/upload.c — the upload loop and its bounded job queue; see upload.h. */
#include "uploader/upload.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uploader/answer.h"

/* ---- queue ---- */

int df_upload_queue_init(df_upload_queue *q, size_t cap, df_error *err)
{
    memset(q, 0, sizeof *q);
    q->cap = cap ? cap : 1;
    q->items = calloc(q->cap, sizeof *q->items);
    if (!q->items)
        return df_errorf(err, "out of memory");
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return 0;
}

void df_upload_queue_destroy(df_upload_queue *q)
{
    if (!q->items)
        return;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_full);
    free(q->items);
    q->items = NULL;
}

static void wake(df_upload_queue *q)
{
    if (q->multi)
        curl_multi_wakeup(q->multi);
}

int df_upload_queue_push(df_upload_queue *q, const df_upload_job *job)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap && !q->aborted)
        pthread_cond_wait(&q->not_full, &q->mu);
    if (q->aborted) {
        pthread_mutex_unlock(&q->mu);
        return -1;
    }
    q->items[(q->head + q->count) % q->cap] = *job;
    q->count++;
    wake(q);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

void df_upload_queue_close(df_upload_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    wake(q);
    pthread_mutex_unlock(&q->mu);
}

/* 1 got a job, 0 none now, -1 none ever again. */
static int queue_pop(df_upload_queue *q, df_upload_job *job)
{
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    if (q->count) {
        *job = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_broadcast(&q->not_full);
        rc = 1;
    } else if (q->closed || q->aborted) {
        rc = -1;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static void queue_abort(df_upload_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->aborted = 1;
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
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

static unsigned long long rng_next(unsigned long long *s)
{
    /* splitmix64: jitter only, not security */
    unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct loop {
    const df_upload_options *o;
    df_upload_stats *st;
    CURLM *multi;
    int active;
    task *waiting;       /* retry later, unsorted */
    int stop;            /* start nothing new (server down, TLS refused, journal error) */
    int fatal;
    df_error *err;
    unsigned long long rng;
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
    if (k->attempt >= o->attempts) {
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
    long long d = o->base_ms;
    for (int i = 1; i < k->attempt && d < o->cap_ms; i++)
        d *= 2;
    if (d > o->cap_ms)
        d = o->cap_ms;
    d = (long long)(rng_next(&l->rng) % (unsigned long long)(d + 1)); /* full jitter */
    k->due_ms = now_ms() + d;
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
    if (cls == DF_TX_OK) {
        if (df_answer_parse(k->t.body, k->t.len, DF_ANSWER_MAX_SMALL, &a, &e) != 0) {
            cls = DF_TX_REFUSED;
            snprintf(msg, sizeof msg, "%s: %s", k->t.url, e.msg);
        } else if (a.code == 5000) {
            cls = DF_TX_TRANSIENT;
            snprintf(msg, sizeof msg, "Code 5000 %s", a.message);
        } else if (a.code != 0) {
            cls = DF_TX_REFUSED;
            snprintf(msg, sizeof msg, "Code %d %s — %s", a.code, a.message, df_code_advice(a.code));
        } else if (!a.file_id[0]) {
            cls = DF_TX_REFUSED;
            snprintf(msg, sizeof msg, "Code 0 without a FileId: the answer is not as the interface describes");
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
    if (a.code < 0 || a.code == 1001) {
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
    if (opt.attempts < 1)
        opt.attempts = 8;
    if (opt.base_ms <= 0)
        opt.base_ms = 500;
    if (opt.cap_ms < opt.base_ms)
        opt.cap_ms = opt.base_ms > 30000 ? opt.base_ms : 30000;
    loop l = {.o = &opt, .st = stats, .err = err};
    l.rng = (unsigned long long)now_ms() ^ ((unsigned long long)(uintptr_t)&l << 16);
    l.multi = curl_multi_init();
    if (!l.multi)
        return df_errorf(err, "out of memory (curl)");
    curl_multi_setopt(l.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)opt.parallel);
    pthread_mutex_lock(&o->queue->mu);
    o->queue->multi = l.multi;
    pthread_mutex_unlock(&o->queue->mu);

    int drained = 0;
    for (;;) {
        long long wait_ms = 1000;
        /* start what we can */
        while (!l.stop && l.active < opt.parallel) {
            task *k = take_due(&l, &wait_ms);
            if (!k) {
                df_upload_job job;
                int g = drained ? -1 : queue_pop(o->queue, &job);
                if (g < 0)
                    drained = 1;
                if (g <= 0)
                    break;
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
            queue_abort(o->queue);
            df_upload_job job;
            while (queue_pop(o->queue, &job) > 0)
                ;
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
    pthread_mutex_lock(&o->queue->mu);
    o->queue->multi = NULL;
    o->queue->aborted = 1; /* nothing consumes any more */
    pthread_cond_broadcast(&o->queue->not_full);
    pthread_mutex_unlock(&o->queue->mu);
    curl_multi_cleanup(l.multi);
    return l.fatal ? -1 : 0;
}
