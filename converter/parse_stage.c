/* converter/parse_stage.c — a parser thread feeding rows in batches; see parse_stage.h. */
#include "converter/parse_stage.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
    /* bounded queues of batches: free -> parser -> full -> consumer -> free */
    batch batches[NBATCHES];
    batch *freeq[NBATCHES], *fullq[NBATCHES];
    int nfree, full_head, nfull;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* parser side */
    batch *fill;
    /* consumer side */
    batch *read;
    size_t read_pos;
    int finished;      /* END or ERROR handed out: nothing more will come */
};

static batch *take_free(df_parse_stage *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->nfree == 0)
        pthread_cond_wait(&s->cv, &s->mu);
    batch *b = s->freeq[--s->nfree];
    pthread_mutex_unlock(&s->mu);
    b->len = 0;
    return b;
}

static void give_free(df_parse_stage *s, batch *b)
{
    pthread_mutex_lock(&s->mu);
    s->freeq[s->nfree++] = b;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void push_full(df_parse_stage *s, batch *b)
{
    pthread_mutex_lock(&s->mu);
    s->fullq[(s->full_head + s->nfull) % NBATCHES] = b;
    s->nfull++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static batch *take_full(df_parse_stage *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->nfull == 0)
        pthread_cond_wait(&s->cv, &s->mu);
    batch *b = s->fullq[s->full_head];
    s->full_head = (s->full_head + 1) % NBATCHES;
    s->nfull--;
    pthread_mutex_unlock(&s->mu);
    return b;
}

/* Room for need bytes in the batch being filled; a row bigger than a whole
 * batch gets a batch grown to fit (rows are bounded by DF_CSV_MAX_ROW). */
static int reserve(df_parse_stage *s, size_t need)
{
    if (s->fill->len + need <= s->fill->cap)
        return 0;
    if (s->fill->len > 0) {
        push_full(s, s->fill);
        s->fill = take_free(s);
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

static void put_item(df_parse_stage *s, int type, int a)
{
    item_header h = {.type = type, .nfields = a};
    reserve(s, sizeof h); /* a header always fits a batch */
    memcpy(s->fill->data + s->fill->len, &h, sizeof h);
    s->fill->len += sizeof h;
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
        return df_errorf(err, "out of memory");
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
    s->fill = take_free(s);
    for (int i = 0; i < s->ninputs; i++) {
        put_item(s, ITEM_FILE, i);
        if (df_csv_read(s->inputs[i], &s->dialect, on_parsed_row, s, s->bytes_done, &s->parse_err) != 0) {
            put_item(s, ITEM_ERROR, 0);
            push_full(s, s->fill);
            return NULL;
        }
    }
    put_item(s, ITEM_END, 0);
    push_full(s, s->fill);
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
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < NBATCHES; i++) {
        s->batches[i].cap = BATCH_SIZE;
        if (!(s->batches[i].data = malloc(BATCH_SIZE))) {
            df_parse_stage_free(s);
            return df_errorf(err, "out of memory");
        }
        s->freeq[s->nfree++] = &s->batches[i];
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
            s->read = take_full(s);
            s->read_pos = 0;
        }
        if (s->read_pos >= s->read->len) {
            give_free(s, s->read);
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
        /* Let a parser blocked on a full queue finish: drain until its END
         * or ERROR item has been seen, returning batches as we go. */
        atomic_store(&s->cancel, 1);
        df_csv_row *row = malloc(sizeof *row);
        df_error e;
        int fi;
        if (row && !s->finished)
            while (df_parse_stage_next(s, row, &fi, &e) > 0)
                ;
        free(row);
        pthread_join(s->thread, NULL);
    }
    for (int i = 0; i < NBATCHES; i++)
        free(s->batches[i].data);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
