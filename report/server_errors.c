/* report/server_errors.c — server record errors traced to input rows; see server_errors.h. */
#include "report/server_errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv_write.h"
#include "converter/csv_reader.h"
#include "converter/decode.h"
#include "converter/provenance.h"
#include "converter/summary.h"
#include "converter/xlsx.h"

/* ---- collecting the errors from the journal ---- */

typedef struct gather {
    df_journal *j;
    df_server_errors *se;
    df_error *err;
    int failed;
    const df_chunk_row *chunk;
    unsigned char *lines;     /* the chunk's provenance, or NULL */
    size_t lines_len;
    df_lines_cursor cur;
    long long listed;         /* distinct records listed for the chunk */
} gather;

/* Appends " [note]" to an entry's message. */
static int add_note(df_server_error *e, const char *note)
{
    size_t a = e->message ? strlen(e->message) : 0, b = strlen(note);
    char *m = realloc(e->message, a + b + 4);
    if (!m)
        return -1;
    snprintf(m + a, b + 4, "%s[%s]", a ? " " : "", note);
    e->message = m;
    return 0;
}

/* Where record seq of the current chunk came from, or a note why not. */
static int trace(gather *g, df_server_error *e)
{
    if (e->record == 0)
        return add_note(e, "the whole file failed: fix the cause and send the batch again");
    if (!g->lines)
        return add_note(e, "drugflow has no record of this chunk's input lines (it was not converted by "
                           "'drugflow run' in this workspace)");
    int in, k;
    long line;
    while (g->cur.record < (uint64_t)e->record && (k = df_lines_cursor_next(&g->cur, &in, &line)) == 1)
        if (g->cur.record == (uint64_t)e->record) {
            e->input = in;
            e->line = line;
            return 0;
        }
    return add_note(e, "the record is not in the chunk's provenance");
}

static int merge_into(df_server_error *e, const df_record_error *r)
{
    size_t rl = strlen(e->reasons);
    char code[64];
    snprintf(code, sizeof code, " %s ", r->code);
    char padded[300];
    snprintf(padded, sizeof padded, " %s ", e->reasons);
    if (!strstr(padded, code))
        snprintf(e->reasons + rl, sizeof e->reasons - rl, " %s", r->code);
    size_t a = strlen(e->message), b = strlen(r->message);
    char *m = realloc(e->message, a + b + 3);
    if (!m)
        return -1;
    memcpy(m + a, "; ", 2);
    memcpy(m + a + 2, r->message, b + 1);
    e->message = m;
    return 0;
}

static int on_record_error(void *arg, const df_record_error *r)
{
    gather *g = arg;
    df_server_errors *se = g->se;
    df_server_error *last = se->n ? &se->v[se->n - 1] : NULL;
    if (last && last->chunk == g->chunk->seq && !strcmp(last->chunk_name, g->chunk->name) && r->seq > 0 &&
        last->record == r->seq) {
        if (merge_into(last, r) != 0)
            return g->failed = 1;
        return 0;
    }
    df_server_error *v = realloc(se->v, (se->n + 1) * sizeof *v);
    if (!v)
        return g->failed = 1;
    se->v = v;
    df_server_error *e = &se->v[se->n++];
    memset(e, 0, sizeof *e);
    e->input = -1;
    e->chunk = g->chunk->seq;
    e->record = r->seq;
    snprintf(e->chunk_name, sizeof e->chunk_name, "%s", g->chunk->name);
    snprintf(e->file_id, sizeof e->file_id, "%s", g->chunk->file_id);
    snprintf(e->reasons, sizeof e->reasons, "%s", r->code);
    e->message = strdup(r->message);
    if (!e->message || trace(g, e) != 0)
        return g->failed = 1;
    if (r->seq > 0)
        g->listed++;
    else
        se->whole_files++;
    return 0;
}

static int on_chunk(void *arg, const df_chunk_row *r)
{
    gather *g = arg;
    if (!df_chunk_state_final(r->state) || r->state == DF_CS_PASSED)
        return 0;
    int found;
    g->chunk = r;
    g->listed = 0;
    if (df_chunk_lines_get(g->j, r->batch, r->seq, &g->lines, &g->lines_len, &found, g->err) != 0)
        return g->failed = -1, 1;
    df_lines_cursor_init(&g->cur, g->lines, g->lines_len);
    int rc = df_journal_record_errors(g->j, r->id, on_record_error, g, g->err);
    free(g->lines);
    g->lines = NULL;
    if (rc != 0 || g->failed)
        return g->failed = g->failed ? g->failed : -1, 1;
    if (r->state == DF_CS_PARTIAL && r->failed > g->listed)
        g->se->unlisted += r->failed - g->listed;
    return 0;
}

static int by_place(const void *a, const void *b)
{
    const df_server_error *x = a, *y = b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

/* ---- reading the rows again ---- */

typedef struct reread {
    df_server_errors *se;
    size_t k, end;            /* the entries of this input still to find */
    int skip_left, need_header, want_header;
    df_decoder dec;
    int done, oom;
} reread;

/* Decodes a row's fields into malloc'ed UTF-8 strings. */
static int take_fields(reread *r, const df_csv_row *row, char ***fields, size_t **lens, int *n)
{
    *fields = calloc((size_t)(row->kept ? row->kept : 1), sizeof **fields);
    *lens = calloc((size_t)(row->kept ? row->kept : 1), sizeof **lens);
    if (!*fields || !*lens)
        return -1;
    *n = row->kept;
    for (int i = 0; i < row->kept; i++) {
        size_t cap = row->len[i] * 3 + 1;
        if (!((*fields)[i] = malloc(cap)))
            return -1;
        (*lens)[i] = df_decode_lossy(&r->dec, row->field[i], row->len[i], (*fields)[i], cap);
    }
    return 0;
}

static int on_row(void *ctx, const df_csv_row *row, df_error *err)
{
    reread *r = ctx;
    if (r->skip_left > 0) {
        r->skip_left--;
        return 0;
    }
    if (r->need_header) {
        r->need_header = 0;
        if (r->want_header && take_fields(r, row, &r->se->header, &r->se->hlen, &r->se->nheader) != 0)
            return r->oom = 1, df_errorf(err, "out of memory");
        return 0;
    }
    while (r->k < r->end && r->se->v[r->k].line < row->line)
        r->k++;
    while (r->k < r->end && r->se->v[r->k].line == row->line) {
        df_server_error *e = &r->se->v[r->k++];
        if (take_fields(r, row, &e->fields, &e->lens, &e->nfields) != 0)
            return r->oom = 1, df_errorf(err, "out of memory");
    }
    if (r->k >= r->end) {
        r->done = 1;
        return df_errorf(err, "done");
    }
    return 0;
}

/* A workbook's sheet row by row into on_row, as df_csv_read does a CSV
 * (the rows' lines are the sheet's row numbers); 0 at the end. */
static int reread_sheet(const df_input_source *in, reread *r, df_error *err)
{
    df_xlsx *x = NULL;
    df_csv_row *row = malloc(sizeof *row);
    if (!row)
        return df_errorf(err, "out of memory");
    int rc = df_xlsx_open(in->abs_path, in->sheet[0] ? in->sheet : NULL, &x, err), k = 0;
    while (rc == 0 && (k = df_xlsx_next(x, row, err)) == 1)
        rc = on_row(r, row, err);
    df_xlsx_close(x);
    free(row);
    return rc != 0 || k < 0 ? -1 : 0;
}

/* Reads input i again for the entries [first, end) of it. */
static int reread_input(df_server_errors *se, int i, size_t first, size_t end, df_error *err)
{
    const df_input_source *in = &se->src.inputs[i];
    char why[DF_PATH_MAX + 128];
    int changed = df_input_source_changed(in, why, sizeof why);
    if (!changed && !in->workbook && df_xlsx_is_workbook(in->abs_path)) {
        /* recorded before the journal kept workbooks: which sheet is not known */
        snprintf(why, sizeof why, "is a workbook, and the batch was recorded without its sheet");
        changed = 1;
    }
    if (changed) {
        char note[sizeof why + 64];
        snprintf(note, sizeof note, "the input %s: its fields are not shown", why);
        for (size_t k = first; k < end; k++)
            if (add_note(&se->v[k], note) != 0)
                return df_errorf(err, "out of memory");
        return 0;
    }
    reread r = {.se = se, .k = first, .end = end, .skip_left = se->src.skip_rows, .need_header = se->src.header,
                .want_header = se->src.header && !se->header};
    /* a workbook's cells are UTF-8 whatever the mapping declares, as in the conversion */
    if (df_decoder_open(&r.dec, in->workbook ? DF_ENC_UTF8 : se->src.encoding, err) != 0)
        return -1;
    df_csv_dialect d = {se->src.delimiter, se->src.quote};
    df_error e;
    int rc = in->workbook ? reread_sheet(in, &r, &e) : df_csv_read(in->abs_path, &d, on_row, &r, NULL, &e);
    df_decoder_close(&r.dec);
    if (r.oom)
        return df_errorf(err, "out of memory");
    for (size_t k = first; k < end; k++)
        if (!se->v[k].fields) {
            char note[DF_PATH_MAX + 160];
            snprintf(note, sizeof note, "line %ld was not found in the input%s%s", se->v[k].line,
                     rc != 0 && !r.done ? ": " : "", rc != 0 && !r.done ? e.msg : "");
            if (add_note(&se->v[k], note) != 0)
                return df_errorf(err, "out of memory");
        }
    return 0;
}

int df_server_errors_load(df_journal *j, const char *batch, df_server_errors *se, df_error *err)
{
    memset(se, 0, sizeof *se);
    int found;
    if (df_sources_get(j, batch, &se->src, &found, err) != 0)
        return -1;
    gather g = {.j = j, .se = se, .err = err};
    if (df_journal_chunks(j, batch, DF_JSEL_ALL, on_chunk, &g, err) != 0 || g.failed) {
        if (g.failed > 0)
            df_errorf(err, "out of memory");
        df_server_errors_free(se);
        return -1;
    }
    if (se->n > 1)
        qsort(se->v, se->n, sizeof *se->v, by_place);
    for (size_t k = 0; k < se->n;) {
        size_t end = k + 1;
        while (end < se->n && se->v[end].input == se->v[k].input)
            end++;
        int in = se->v[k].input;
        if (in >= 0 && in < se->src.n && reread_input(se, in, k, end, err) != 0) {
            df_server_errors_free(se);
            return -1;
        }
        k = end;
    }
    return 0;
}

static void free_fields(char **f, size_t *l, int n)
{
    for (int i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
    free(l);
}

void df_server_errors_free(df_server_errors *se)
{
    for (size_t i = 0; i < se->n; i++) {
        free(se->v[i].message);
        free_fields(se->v[i].fields, se->v[i].lens, se->v[i].nfields);
    }
    free(se->v);
    free_fields(se->header, se->hlen, se->nheader);
    df_sources_free(&se->src);
    memset(se, 0, sizeof *se);
}

const char *df_server_error_file(const df_server_errors *se, const df_server_error *e)
{
    return e->input >= 0 && e->input < se->src.n ? se->src.inputs[e->input].path : e->chunk_name;
}

/* ---- server-errors.csv ---- */

int df_server_errors_write(const df_server_errors *se, const char *path, int format, df_error *err)
{
    df_csv_out out;
    if (df_csv_out_open_format(&out, path, (df_csv_format)format, err) != 0)
        return -1;
    static const char *const head[] = {"file", "line", "reasons", "message", "suggestion", "chunk", "record", "file_id"};
    int width = se->nheader;
    for (size_t i = 0; i < se->n; i++)
        width = se->v[i].nfields > width ? se->v[i].nfields : width;
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        df_csv_out_str(&out, head[i]);
    for (int c = 0; c < width; c++) {
        char col[32];
        snprintf(col, sizeof col, "column %d", c + 1);
        if (c < se->nheader)
            df_csv_out_field(&out, se->header[c], se->hlen[c]);
        else
            df_csv_out_str(&out, col);
    }
    df_csv_out_end_row(&out);
    for (size_t i = 0; i < se->n; i++) {
        const df_server_error *e = &se->v[i];
        char line[32] = "", chunk[32], rec[32];
        if (e->line > 0)
            snprintf(line, sizeof line, "%ld", e->line);
        snprintf(chunk, sizeof chunk, "%d", e->chunk);
        snprintf(rec, sizeof rec, "%lld", e->record);
        const char *f[] = {df_server_error_file(se, e), line, e->reasons, e->message, "", chunk, rec, e->file_id};
        for (size_t k = 0; k < sizeof f / sizeof *f; k++)
            df_csv_out_str(&out, f[k]);
        for (int c = 0; c < e->nfields; c++)
            df_csv_out_field(&out, e->fields[c], e->lens[c]);
        df_csv_out_end_row(&out);
    }
    return df_csv_out_commit(&out, err);
}

int df_provenance_save(const df_mapping *m, const char *const *inputs, int n, const df_convert_summary *s,
                       const char *dir, df_error *err)
{
    df_batch_sources src;
    if (df_sources_from(m, inputs, n, &src, err) != 0)
        return -1;
    const unsigned char **blobs = calloc(s->nchunks + 1, sizeof *blobs);
    size_t *lens = calloc(s->nchunks + 1, sizeof *lens);
    int rc = blobs && lens ? 0 : df_errorf(err, "out of memory");
    for (size_t c = 0; rc == 0 && c < s->nchunks; c++)
        blobs[c] = s->chunks[c].lines, lens[c] = s->chunks[c].lines_len;
    char path[DF_PATH_MAX];
    df_sources_file_path(dir, s->batch_id, path, sizeof path);
    if (rc == 0)
        rc = df_sources_save(path, s->batch_id, &src, (int)s->nchunks, blobs, lens, err);
    free(blobs);
    free(lens);
    df_sources_free(&src);
    return rc;
}
