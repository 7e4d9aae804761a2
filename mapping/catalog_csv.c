/* mapping/catalog_csv.c — the portal's catalog exports, streamed with
 * libcsv; see catalog_csv.h. */
#include "mapping/catalog_csv.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADER 256

typedef struct reader {
    const df_catalog_def *def;
    const char *path;
    df_catalog_row_fn fn;
    void *arg;
    long row;                        /* rows done; 0 while reading the header */
    int col;                         /* field of the current row */
    int map[MAX_HEADER];             /* export column -> catalog column, or -1 */
    int nheader;
    char *val[DF_MAX_CATALOG_COLUMNS];
    size_t len[DF_MAX_CATALOG_COLUMNS], cap[DF_MAX_CATALOG_COLUMNS];
    int seen[DF_MAX_CATALOG_COLUMNS]; /* the current row had this column */
    long entries;
    int failed;
    df_error *err;
} reader;

static int keep(reader *r, int c, const char *s, size_t n)
{
    if (n + 1 > r->cap[c]) {
        size_t cap = r->cap[c] ? r->cap[c] : 64;
        while (cap < n + 1)
            cap *= 2;
        char *p = realloc(r->val[c], cap);
        if (!p)
            return df_errorf(r->err, "%s: out of memory", r->path);
        r->val[c] = p;
        r->cap[c] = cap;
    }
    memcpy(r->val[c], s, n);
    r->val[c][n] = 0;
    r->len[c] = n;
    r->seen[c] = 1;
    return 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
    reader *r = ctx;
    const char *s = data ? data : "";
    if (r->failed)
        return;
    if (r->row == 0) {
        if (r->col < MAX_HEADER) {
            r->map[r->col] = -1;
            for (int i = 0; i < r->def->ncolumns; i++)
                if (strlen(r->def->columns[i]) == len && !memcmp(r->def->columns[i], s, len))
                    r->map[r->col] = i;
            r->nheader = r->col + 1;
        }
    } else if (r->col < r->nheader && r->map[r->col] >= 0 && keep(r, r->map[r->col], s, len) != 0) {
        r->failed = 1;
    }
    r->col++;
}

static int check_header(reader *r)
{
    for (int k = 0; k < r->def->nkey; k++) {
        int want = r->def->key_columns[k], found = 0;
        for (int i = 0; i < r->nheader; i++)
            found |= r->map[i] == want;
        if (!found)
            return df_errorf(r->err, "%s:1: the header has no column '%s'; a %s catalog export needs the columns "
                             "%s%s%s", r->path, r->def->columns[want], r->def->name, r->def->columns[0],
                             r->def->ncolumns > 1 ? ", " : "", r->def->ncolumns > 1 ? r->def->columns[1] : "");
    }
    return 0;
}

static int entry(reader *r)
{
    const char *cols[DF_MAX_CATALOG_COLUMNS];
    int blank = 1;
    for (int i = 0; i < r->def->ncolumns; i++) {
        cols[i] = r->seen[i] ? r->val[i] : "";
        if (!r->seen[i])
            r->len[i] = 0;
        blank &= r->len[i] == 0;
    }
    if (blank)
        return 0;
    for (int k = 0; k < r->def->nkey; k++)
        if (!r->seen[r->def->key_columns[k]])
            return df_errorf(r->err, "%s: row %ld has fewer columns than the header (no %s)", r->path, r->row + 1,
                             r->def->columns[r->def->key_columns[k]]);
    r->entries++;
    return r->fn(r->arg, r->row + 1, cols, r->len, r->err);
}

static void on_row(int term, void *ctx)
{
    (void)term;
    reader *r = ctx;
    if (r->failed)
        return;
    if ((r->row == 0 ? check_header(r) : entry(r)) != 0)
        r->failed = 1;
    memset(r->seen, 0, sizeof r->seen);
    r->col = 0;
    r->row++;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int parse_fd(reader *r, int fd, struct csv_parser *p)
{
    char buf[65536];
    ssize_t n;
    int first = 1;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return df_error_errno(r->err, "%s: read error", r->path);
        const char *data = buf;
        size_t dlen = (size_t)n;
        /* The BOM goes before libcsv sees it: left in, it would make a
         * quoted first header field unquoted text. */
        if (first && dlen >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
            data += 3, dlen -= 3;
        first = 0;
        if (csv_parse(p, data, dlen, on_field, on_row, r) != dlen)
            return df_errorf(r->err, "%s: row %ld: CSV error: %s", r->path, r->row + 1, csv_strerror(csv_error(p)));
        if (r->failed)
            return -1;
    }
    if (csv_fini(p, on_field, on_row, r) != 0)
        return df_errorf(r->err, "%s: CSV error: %s", r->path, csv_strerror(csv_error(p)));
    if (r->failed)
        return -1;
    if (r->row == 0)
        return df_errorf(r->err, "%s: the catalog file is empty (a header with the %s catalog's columns is "
                         "expected)", r->path, r->def->name);
    return 0;
}

int df_catalog_csv_read(const char *path, const df_catalog_def *def, df_catalog_row_fn fn, void *arg, long *entries,
                        df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "%s: cannot open catalog", path);
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        close(fd);
        return df_errorf(err, "%s: out of memory", path);
    }
    csv_set_space_func(&p, no_space);
    reader r = {.def = def, .path = path, .fn = fn, .arg = arg, .err = err};
    int rc = parse_fd(&r, fd, &p);
    csv_free(&p);
    close(fd);
    for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
        free(r.val[i]);
    if (entries)
        *entries = r.entries;
    return rc;
}
