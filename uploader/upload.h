/* uploader/upload.h — the upload loop: N chunks in flight on one libcurl
 * multi handle, retries with exponential backoff and jitter, every attempt
 * and state change journaled.
 *
 * A chunk goes `uploading` in the journal before its first byte is sent and
 * `uploaded` with its FileId as soon as the answer arrives. Transport
 * errors, HTTP 5xx and Code 5000 are retried up to `attempts` times, with a
 * delay drawn uniformly from [0, min(cap, base·2^k)]; HTTP 4xx, failed TLS
 * verification and any other Code refuse the chunk at once (journal state
 * `refused`, with the interface's advice). Jobs come from a df_upload_queue:
 * filled up front by `drugflow upload`, or by the converter's writer
 * threads as chunks are committed in `drugflow run` (bounded: producers
 * wait while it is full). */
#ifndef DF_UPLOADER_UPLOAD_H
#define DF_UPLOADER_UPLOAD_H

#include <pthread.h>
#include <stdio.h>

#include "base/error.h"
#include "uploader/client.h"
#include "workspace/journal.h"

typedef struct df_upload_job {
    long long chunk;    /* journal id */
    int seq;
    char name[256];
    char path[4096];
} df_upload_job;

/* A bounded queue of jobs between producers and the upload loop. */
typedef struct df_upload_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_full;
    df_upload_job *items;
    size_t cap, head, count;
    int closed;    /* no more pushes will come */
    int aborted;   /* the loop stopped: pushes return at once */
    void *multi;   /* the loop's CURLM, woken on push */
} df_upload_queue;

int df_upload_queue_init(df_upload_queue *q, size_t cap, df_error *err);
void df_upload_queue_destroy(df_upload_queue *q);
/* Waits for room; returns -1 if the loop has stopped taking jobs. */
int df_upload_queue_push(df_upload_queue *q, const df_upload_job *job);
/* No more jobs: the loop ends once the queue is drained. */
void df_upload_queue_close(df_upload_queue *q);

typedef struct df_upload_options {
    df_client *client;
    df_journal *journal;
    df_upload_queue *queue;
    int parallel;        /* transfers at once (default 4) */
    int attempts;        /* per chunk, for transient failures (default 8) */
    long base_ms;        /* first backoff (default 500) */
    long cap_ms;         /* longest backoff (default 30000) */
    FILE *progress;      /* one line per outcome, or NULL */
} df_upload_options;

typedef struct df_upload_stats {
    int uploaded;        /* FileId received (new or duplicate) */
    int duplicates;      /* of which the server already had */
    int refused;         /* refused by the server or TLS: not retried */
    int gave_up;         /* transient failures until the attempts ran out */
    int tls_refused;     /* of refused: TLS verification or transport refusal (nothing sent) */
    long long attempts;
    char first_error[1024];
} df_upload_stats;

/* Runs until the queue is closed and drained (or a journal error). The
 * queue's consumer; call from one thread. Returns -1 only on a journal or
 * internal error; outcomes per chunk are in stats and the journal. */
int df_upload_run(const df_upload_options *o, df_upload_stats *stats, df_error *err);

#endif
