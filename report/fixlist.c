/* report/fixlist.c — the merged, sorted fix list; see fixlist.h. */
#include "report/fixlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv_write.h"
#include "converter/csv_reader.h"

enum { C_FILE, C_LINE, C_REASONS, C_MESSAGE, C_SUGGESTION, C_FIXED };
static const char *const rejects_cols[C_FIXED] = {"file", "line", "reasons", "message", "suggestion"};

typedef struct merge {
    const df_server_errors *se;
    size_t next;               /* the next server entry to write */
    df_csv_out out;
    int header_done;
    int col[C_FIXED];          /* rejects.csv's column of each, or -1 */
    int first_field;           /* rejects.csv's first original field */
    df_fixlist_counts *n;
} merge;

static void write_header(merge *m, const df_csv_row *rejects_head)
{
    static const char *const head[] = {"file", "line", "source", "reasons", "message", "suggestion", "chunk",
                                       "record", "file_id"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        df_csv_out_str(&m->out, head[i]);
    if (rejects_head && rejects_head->kept > m->first_field) {
        for (int c = m->first_field; c < rejects_head->kept; c++)
            df_csv_out_field(&m->out, rejects_head->field[c], rejects_head->len[c]);
    } else {
        for (int c = 0; c < m->se->nheader; c++)
            df_csv_out_field(&m->out, m->se->header[c], m->se->hlen[c]);
    }
    df_csv_out_end_row(&m->out);
    m->header_done = 1;
}

/* Server entries that come before (input, line) in the list. */
static void flush_server(merge *m, int input, long line, int all)
{
    const df_server_errors *se = m->se;
    for (; m->next < se->n; m->next++) {
        const df_server_error *e = &se->v[m->next];
        if (!all && (e->input > input || (e->input == input && e->line > line)))
            break;
        if (e->record == 0)
            continue; /* a whole file: not a row to fix */
        char l[32] = "", chunk[32], rec[32];
        if (e->line > 0)
            snprintf(l, sizeof l, "%ld", e->line);
        snprintf(chunk, sizeof chunk, "%d", e->chunk);
        snprintf(rec, sizeof rec, "%lld", e->record);
        const char *f[] = {df_server_error_file(se, e), l, "server", e->reasons, e->message, "", chunk, rec,
                           e->file_id};
        for (size_t k = 0; k < sizeof f / sizeof *f; k++)
            df_csv_out_str(&m->out, f[k]);
        for (int c = 0; c < e->nfields; c++)
            df_csv_out_field(&m->out, e->fields[c], e->lens[c]);
        df_csv_out_end_row(&m->out);
        m->n->from_server++;
    }
}

static int input_index(const df_server_errors *se, const char *path, size_t len)
{
    for (int i = 0; i < se->src.n; i++)
        if (strlen(se->src.inputs[i].path) == len && !memcmp(se->src.inputs[i].path, path, len))
            return i;
    return se->src.n; /* unknown inputs after the known ones */
}

static void field(merge *m, const df_csv_row *row, int which)
{
    int c = m->col[which];
    if (c >= 0 && c < row->kept)
        df_csv_out_verbatim(&m->out, row->field[c], row->len[c]);
    else
        df_csv_out_str(&m->out, "");
}

static int on_reject(void *ctx, const df_csv_row *row, df_error *err)
{
    merge *m = ctx;
    (void)err;
    if (!m->header_done) {
        m->first_field = 0;
        for (int k = 0; k < C_FIXED; k++) {
            m->col[k] = -1;
            for (int c = 0; c < row->kept && m->col[k] < 0; c++) /* the first: an export may name a column "line" */
                if (row->len[c] == strlen(rejects_cols[k]) && !memcmp(row->field[c], rejects_cols[k], row->len[c])) {
                    m->col[k] = c;
                    m->first_field = c + 1 > m->first_field ? c + 1 : m->first_field;
                }
        }
        write_header(m, row);
        return 0;
    }
    int input = m->col[C_FILE] >= 0 && m->col[C_FILE] < row->kept
                    ? input_index(m->se, row->field[m->col[C_FILE]], row->len[m->col[C_FILE]])
                    : m->se->src.n;
    long line = m->col[C_LINE] >= 0 && m->col[C_LINE] < row->kept ? strtol(row->field[m->col[C_LINE]], NULL, 10) : 0;
    flush_server(m, input, line - 1, 0);
    field(m, row, C_FILE);
    field(m, row, C_LINE);
    df_csv_out_str(&m->out, "drugflow");
    field(m, row, C_REASONS);
    field(m, row, C_MESSAGE);
    field(m, row, C_SUGGESTION);
    for (int k = 0; k < 3; k++)
        df_csv_out_str(&m->out, "");
    for (int c = m->first_field; c < row->kept; c++)
        df_csv_out_verbatim(&m->out, row->field[c], row->len[c]);
    df_csv_out_end_row(&m->out);
    m->n->from_drugflow++;
    return 0;
}

int df_fixlist_write(const df_server_errors *se, const char *rejects_path, const char *path, int format,
                     df_fixlist_counts *n, df_error *err)
{
    memset(n, 0, sizeof *n);
    merge m = {.se = se, .n = n};
    if (df_csv_out_open_format(&m.out, path, (df_csv_format)format, err) != 0)
        return -1;
    if (rejects_path && access(rejects_path, F_OK) == 0) {
        df_csv_dialect d = {',', '"'};
        if (df_csv_read(rejects_path, &d, on_reject, &m, NULL, err) != 0) {
            df_csv_out_abort(&m.out);
            return df_error_prefix(err, "reading %s for the fix list", rejects_path);
        }
    }
    if (!m.header_done)
        write_header(&m, NULL);
    flush_server(&m, 0, 0, 1);
    return df_csv_out_commit(&m.out, err);
}

int df_fix_files_write(df_journal *j, const char *batch, const char *dir, int format, df_fix_files *f, df_error *err)
{
    memset(f, 0, sizeof *f);
    char rejects[DF_PATH_MAX];
    if (df_path_join(f->server_errors_path, sizeof f->server_errors_path, dir, "server-errors.csv", err) != 0 ||
        df_path_join(f->fixlist_path, sizeof f->fixlist_path, dir, "fixlist.csv", err) != 0 ||
        df_path_join(rejects, sizeof rejects, dir, "rejects.csv", err) != 0)
        return -1;
    df_server_errors se;
    if (df_server_errors_load(j, batch, &se, err) != 0)
        return -1;
    int rc = df_server_errors_write(&se, f->server_errors_path, format, err) == 0 &&
                     df_fixlist_write(&se, rejects, f->fixlist_path, format, &f->fix, err) == 0
                 ? 0
                 : -1;
    f->server_errors = (long long)se.n;
    f->unlisted = se.unlisted;
    f->whole_files = se.whole_files;
    df_server_errors_free(&se);
    return rc;
}

typedef struct read_ctx {
    df_fixlist_row_fn fn;
    void *arg;
    long row;
    int stopped;
} read_ctx;

static int on_list_row(void *ctx, const df_csv_row *row, df_error *err)
{
    read_ctx *r = ctx;
    if (r->fn(r->arg, r->row++, row->field, row->len, row->kept)) {
        r->stopped = 1;
        return df_errorf(err, "stopped");
    }
    return 0;
}

int df_fixlist_read(const char *path, df_fixlist_row_fn fn, void *arg, df_error *err)
{
    read_ctx r = {fn, arg, 0, 0};
    df_csv_dialect d = {',', '"'};
    if (df_csv_read(path, &d, on_list_row, &r, NULL, err) != 0 && !r.stopped)
        return -1;
    return 0;
}
