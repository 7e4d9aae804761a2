/* base/queue.c — the bounded queue between threads; see queue.h. */
#include "base/queue.h"

#include <stdlib.h>
#include <string.h>

int df_queue_init(df_queue *q, size_t cap, size_t item_size, df_error *err)
{
    memset(q, 0, sizeof *q);
    if (cap == 0 || item_size == 0)
        return df_errorf(err, "internal error: a queue needs a capacity and an item size");
    q->items = malloc(cap * item_size);
    if (!q->items)
        return df_errorf(err, "out of memory (queue of %zu items)", cap);
    q->cap = cap;
    q->item_size = item_size;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    return 0;
}

void df_queue_destroy(df_queue *q)
{
    if (!q->items)
        return;
    free(q->items);
    q->items = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
}

static void put_locked(df_queue *q, const void *item)
{
    memcpy(q->items + ((q->head + q->count) % q->cap) * q->item_size, item, q->item_size);
    q->count++;
    pthread_cond_signal(&q->not_empty);
    if (q->on_push)
        q->on_push(q->on_push_arg);
}

int df_queue_push(df_queue *q, const void *item)
{
    pthread_mutex_lock(&q->mu);
    while (!q->aborted && !q->closed && q->count + q->reserved >= q->cap)
        pthread_cond_wait(&q->not_full, &q->mu);
    int rc = -1;
    if (!q->aborted && !q->closed) {
        put_locked(q, item);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int df_queue_reserve(df_queue *q)
{
    pthread_mutex_lock(&q->mu);
    int rc = q->aborted || q->closed ? -1 : q->count + q->reserved < q->cap ? 1 : 0;
    if (rc == 1)
        q->reserved++;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void df_queue_unreserve(df_queue *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->reserved > 0)
        q->reserved--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

int df_queue_push_reserved(df_queue *q, const void *item)
{
    pthread_mutex_lock(&q->mu);
    if (q->reserved > 0)
        q->reserved--;
    int rc = -1;
    if (!q->aborted) {
        put_locked(q, item);
        rc = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

static void take_locked(df_queue *q, void *item)
{
    memcpy(item, q->items + q->head * q->item_size, q->item_size);
    q->head = (q->head + 1) % q->cap;
    q->count--;
    pthread_cond_signal(&q->not_full);
}

int df_queue_pop(df_queue *q, void *item)
{
    pthread_mutex_lock(&q->mu);
    while (!q->aborted && q->count == 0 && !(q->closed && q->reserved == 0))
        pthread_cond_wait(&q->not_empty, &q->mu);
    int rc = q->aborted ? -1 : q->count ? 1 : 0;
    if (rc == 1)
        take_locked(q, item);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int df_queue_try_pop(df_queue *q, void *item)
{
    pthread_mutex_lock(&q->mu);
    int rc;
    if (q->aborted)
        rc = -1;
    else if (q->count) {
        take_locked(q, item);
        rc = 1;
    } else
        rc = q->closed && q->reserved == 0 ? -1 : 0;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void df_queue_close(df_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    if (q->on_push)
        q->on_push(q->on_push_arg);
    pthread_mutex_unlock(&q->mu);
}

void df_queue_abort(df_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->aborted = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

size_t df_queue_count(df_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->count;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void df_queue_set_push_hook(df_queue *q, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&q->mu);
    q->on_push = fn;
    q->on_push_arg = arg;
    pthread_mutex_unlock(&q->mu);
}
