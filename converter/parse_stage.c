/* converter/parse_stage.c — a parser thread feeding rows in batches; see parse_stage.h. */
#include "converter/parse_stage.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/queue.h"

#define BATCH_SIZE (512u * 1024)
#define NBATCHES 6

enum { ITEM_ROW = 1, ITEM_FILE = 2, ITEM_END = 3, ITEM_ERROR = 4 };

typedef struct batch {
    char *data;
    size_t len, cap;
} batch;

typedef struct item_header {
    int32_t type;
    int32_t nfields;   /* ROW: fields in the row; FILE: input index */
    int32_t kept;
    int32_t pad;
    int64_t line;
} item_header;

struct df_parse_stage {
    const char *const *inputs;
    int ninputs;
    df_csv_dialect dialect;
    uint64_t *bytes_done;
    pthread_t thread;
    int started;
    atomic_int cancel;
    df_error parse_err;
    /* batches go round: free -> parser -> full -> consumer -> free, through
     * two bounded queues (base/queue.h) of batch pointers */
    batch batches[NBATCHES];
    df_queue freeq, fullq;
    int queues;
    /* parser side */
    batch *fill;
    /* consumer side */
    batch *read;
    size_t read_pos;
    int finished;      /* END or ERROR handed out: nothing more will come */
};

/* A free batch for the parser, or NULL once the consumer has gone. */
static batch *take_free(df_parse_stage *s)
{
    batch *b = NULL;
    if (df_queue_pop(&s->freeq, &b) != 1)
        return NULL;
    b->len = 0;
    return b;
}

static void push_full(df_parse_stage *s, batch *b)
{
    df_queue_push(&s->fullq, &b); /* fails only once the consumer stopped */
}

/* Room for need bytes in the batch being filled; a row bigger than a whole
 * batch gets a batch grown to fit (rows are bounded by DF_CSV_MAX_ROW). */
static int reserve(df_parse_stage *s, size_t need)
{
    if (s->fill->len + need <= s->fill->cap)
        return 0;
    if (s->fill->len > 0) {
        push_full(s, s->fill);
        if (!(s->fill = take_free(s)))
            return -1;
    }
    if (need > s->fill->cap) {
        char *n = realloc(s->fill->data, need);
        if (!n)
            return -1;
        s->fill->data = n;
        s->fill->cap = need;
    }
    return 0;
}

static int put_item(df_parse_stage *s, int type, int a)
{
    item_header h = {.type = type, .nfields = a};
    if (reserve(s, sizeof h) != 0) /* a header always fits a batch */
        return -1;
    memcpy(s->fill->data + s->fill->len, &h, sizeof h);
    s->fill->len += sizeof h;
    return 0;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static int on_parsed_row(void *ctx, const df_csv_row *row, df_error *err)
{
    df_parse_stage *s = ctx;
    if (atomic_load(&s->cancel))
        return df_errorf(err, "cancelled");
    size_t need = sizeof(item_header) + align8((size_t)row->kept * sizeof(uint32_t));
    for (int i = 0; i < row->kept; i++)
        need += row->len[i] + 1;
    need = align8(need);
    if (reserve(s, need) != 0)
        return df_errorf(err, s->fill ? "out of memory" : "cancelled");
    char *p = s->fill->data + s->fill->len;
    item_header h = {.type = ITEM_ROW, .nfields = row->nfields, .kept = row->kept, .line = row->line};
    memcpy(p, &h, sizeof h);
    uint32_t *lens = (uint32_t *)(p + sizeof h);
    char *d = p + sizeof h + align8((size_t)row->kept * sizeof(uint32_t));
    for (int i = 0; i < row->kept; i++) {
        lens[i] = (uint32_t)row->len[i];
        memcpy(d, row->field[i], row->len[i]);
        d[row->len[i]] = 0;
        d += row->len[i] + 1;
    }
    s->fill->len += need;
    return 0;
}

static void *parser_main(void *arg)
{
    df_parse_stage *s = arg;
    if (!(s->fill = take_free(s)))
        return NULL;
    int type = ITEM_END;
    for (int i = 0; i < s->ninputs && type == ITEM_END; i++) {
        if (put_item(s, ITEM_FILE, i) != 0)
            return NULL;
        if (df_csv_read(s->inputs[i], &s->dialect, on_parsed_row, s, s->bytes_done, &s->parse_err) != 0)
            type = ITEM_ERROR;
    }
    if (!s->fill)
        return NULL;
    if (put_item(s, type, 0) == 0)
        push_full(s, s->fill);
    df_queue_close(&s->fullq);
    return NULL;
}

int df_parse_stage_start(df_parse_stage **out, const char *const *inputs, int n, const df_csv_dialect *d,
                         uint64_t *bytes_done, df_error *err)
{
    df_parse_stage *s = calloc(1, sizeof *s);
    if (!s)
        return df_errorf(err, "out of memory");
    s->inputs = inputs;
    s->ninputs = n;
    s->dialect = *d;
    s->bytes_done = bytes_done;
    if (df_queue_init(&s->freeq, NBATCHES, sizeof(batch *), err) != 0) {
        free(s);
        return -1;
    }
    if (df_queue_init(&s->fullq, NBATCHES, sizeof(batch *), err) != 0) {
        df_queue_destroy(&s->freeq);
        free(s);
        return -1;
    }
    s->queues = 1;
    for (int i = 0; i < NBATCHES; i++) {
        s->batches[i].cap = BATCH_SIZE;
        batch *b = &s->batches[i];
        if (!(b->data = malloc(BATCH_SIZE))) {
            df_parse_stage_free(s);
            return df_errorf(err, "out of memory");
        }
        df_queue_push(&s->freeq, &b);
    }
    if (pthread_create(&s->thread, NULL, parser_main, s) != 0) {
        df_parse_stage_free(s);
        return df_errorf(err, "cannot start the parser thread");
    }
    s->started = 1;
    *out = s;
    return 0;
}

int df_parse_stage_next(df_parse_stage *s, df_csv_row *row, int *file_index, df_error *err)
{
    for (;;) {
        if (!s->read) {
            if (df_queue_pop(&s->fullq, &s->read) != 1) {
                s->read = NULL;
                s->finished = 1;
                return df_errorf(err, "internal error: the parser stopped without saying why");
            }
            s->read_pos = 0;
        }
        if (s->read_pos >= s->read->len) {
            df_queue_push(&s->freeq, &s->read);
            s->read = NULL;
            continue;
        }
        char *p = s->read->data + s->read_pos;
        item_header h;
        memcpy(&h, p, sizeof h);
        switch (h.type) {
        case ITEM_FILE:
            s->read_pos += sizeof h;
            *file_index = h.nfields;
            return DF_PARSE_FILE;
        case ITEM_END:
            s->finished = 1;
            return DF_PARSE_END;
        case ITEM_ERROR:
            s->finished = 1;
            *err = s->parse_err;
            return -1;
        default: {
            const uint32_t *lens = (const uint32_t *)(p + sizeof h);
            const char *d = p + sizeof h + align8((size_t)h.kept * sizeof(uint32_t));
            row->line = (long)h.line;
            row->nfields = h.nfields;
            row->kept = h.kept;
            size_t used = sizeof h + align8((size_t)h.kept * sizeof(uint32_t));
            for (int i = 0; i < h.kept; i++) {
                row->field[i] = d;
                row->len[i] = lens[i];
                d += lens[i] + 1;
                used += lens[i] + 1;
            }
            s->read_pos += align8(used);
            return DF_PARSE_ROW;
        }
        }
    }
}

void df_parse_stage_free(df_parse_stage *s)
{
    if (!s)
        return;
    if (s->started) {
        /* A parser waiting for a free batch or room in the full queue
         * returns at once from an aborted queue, and stops at its next
         * row when cancelled. */
        atomic_store(&s->cancel, 1);
        df_queue_abort(&s->freeq);
        df_queue_abort(&s->fullq);
        pthread_join(s->thread, NULL);
    }
    for (int i = 0; i < NBATCHES; i++)
        free(s->batches[i].data);
    if (s->queues) {
        df_queue_destroy(&s->freeq);
        df_queue_destroy(&s->fullq);
    }
    free(s);
}
