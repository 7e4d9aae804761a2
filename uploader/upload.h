/* uploader/upload.h — the upload loop: N chunks in flight on one libcurl
 * multi handle, retries with exponential backoff and jitter, every attempt
 * and state change journaled.
 *
 * A chunk goes `uploading` in the journal before its first byte is sent and
 * `uploaded` with its FileId as soon as the answer arrives. Transport
 * errors, HTTP 5xx and answer codes of class transient (profile `protocol:
 * codes`) are retried up to `attempts` times, with a delay drawn as
 * base/backoff.h says; HTTP 4xx, failed TLS verification and any other code
 * refuse the chunk at once (journal state `refused`, with the profile's
 * advice); a code with `stop: true` stops the other uploads too. Jobs come
 * from a bounded queue:
 * filled up front by `drugflow upload`, or by the converter's writer
 * threads as chunks are committed in `drugflow run` (bounded: producers
 * wait while it is full). */
#ifndef DF_UPLOADER_UPLOAD_H
#define DF_UPLOADER_UPLOAD_H

#include <stdio.h>

#include "base/backoff.h"
#include "base/error.h"
#include "base/path.h"
#include "base/queue.h"
#include "workspace/journal.h"

struct df_client;

typedef struct df_upload_job {
    long long chunk;    /* journal id */
    char batch[128];
    int seq;
    char name[256];
    char path[DF_PATH_MAX];
} df_upload_job;

/* Jobs come through a df_queue (base/queue.h) of df_upload_job items; the
 * loop sets the queue's push hook to wake its libcurl poll. */
int df_upload_queue_init(df_queue *q, size_t cap, df_error *err);

typedef struct df_upload_options {
    struct df_client *client;
    df_journal *journal;
    df_queue *queue;     /* of df_upload_job */
    int parallel;        /* transfers at once (default 4) */
    df_retry retry;      /* attempts per chunk and backoff for transient failures */
    FILE *progress;      /* one line per outcome, or NULL */
    int reconcile;       /* before a batch's first upload, ask the server what it holds and adopt
                            those chunks instead of sending them (reconcile.h) */
} df_upload_options;

typedef struct df_upload_stats {
    int uploaded;        /* FileId received (new or duplicate) */
    int duplicates;      /* of which the server already had */
    int refused;         /* refused by the server or TLS: not retried */
    int gave_up;         /* transient failures until the attempts ran out */
    int tls_refused;     /* of refused: TLS verification or transport refusal (nothing sent) */
    int adopted;         /* not sent: the server already held them (reconcile.h) */
    int server_doubles;  /* names the server holds more than once */
    int not_asked;       /* not sent: the server could not be asked what it holds */
    long long attempts;
    char first_error[1024];
    char note[512];      /* about server_doubles */
} df_upload_stats;

/* Runs until the queue is closed and drained (or a journal error). The
 * queue's consumer; call from one thread. Returns -1 only on a journal or
 * internal error; outcomes per chunk are in stats and the journal. With
 * o->reconcile, a chunk whose name the server already holds is adopted,
 * not sent (stats->adopted); if the server cannot be asked about a batch
 * (after the retry budget), none of its chunks is sent (stats->not_asked)
 * and the loop stops as for a server that is down. */
int df_upload_run(const df_upload_options *o, df_upload_stats *stats, df_error *err);

/* Sends every chunk of batch (NULL: all batches) that the journal holds
 * without FileId; o->queue is made here. *nqueued gets how many. */
int df_upload_pending(const df_upload_options *o, const char *batch, df_upload_stats *stats, int *nqueued,
                      df_error *err);

/* Adds b's counts to a. */
void df_upload_stats_add(df_upload_stats *a, const df_upload_stats *b);

#endif
