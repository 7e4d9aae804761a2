/* base/queue.h — the one bounded queue between threads.
 *
 * A FIFO of fixed-size items, copied in and out, with room for `cap` of
 * them: producers wait while it is full, consumers while it is empty, so
 * memory between two stages never grows with the input. Closing says no
 * more items will come (consumers drain what is left, then see the end);
 * aborting stops both sides at once (a stage failed). A slot can be
 * reserved ahead of a push, for a producer that must know there is room
 * before it commits to work (drugflow-sim answers "busy" instead of
 * waiting). An optional hook runs on every push, for a consumer that sleeps
 * in something other than the queue (libcurl's multi poll). */
#ifndef DF_BASE_QUEUE_H
#define DF_BASE_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include "base/error.h"

typedef struct df_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    unsigned char *items;
    size_t item_size, cap, head, count, reserved;
    int closed;     /* no more pushes */
    int aborted;    /* stopped: pushes and pops return at once */
    void (*on_push)(void *arg);
    void *on_push_arg;
} df_queue;

int df_queue_init(df_queue *q, size_t cap, size_t item_size, df_error *err);
void df_queue_destroy(df_queue *q);

/* Waits for room and copies item in. 0, or -1 if the queue was aborted or
 * closed (the item was not queued). */
int df_queue_push(df_queue *q, const void *item);
/* Reserves room for one later df_queue_push_reserved without waiting:
 * 1 reserved, 0 full, -1 aborted or closed. */
int df_queue_reserve(df_queue *q);
void df_queue_unreserve(df_queue *q);
/* Pushes into a slot taken by df_queue_reserve (never waits). */
int df_queue_push_reserved(df_queue *q, const void *item);

/* Waits for an item and copies it out: 1, or 0 once the queue is closed
 * and drained, or -1 if it was aborted. */
int df_queue_pop(df_queue *q, void *item);
/* The same without waiting: 1 an item, 0 none now (more may come), -1 the
 * queue is closed and drained, or aborted. */
int df_queue_try_pop(df_queue *q, void *item);

void df_queue_close(df_queue *q);
void df_queue_abort(df_queue *q);
/* Items queued now (a snapshot, for progress and tests). */
size_t df_queue_count(df_queue *q);
/* Sets the push hook (called with the lock held: it must not call back). */
void df_queue_set_push_hook(df_queue *q, void (*fn)(void *arg), void *arg);

#endif
