/* mapping/catalog_csv.c — the portal's catalog exports, decoded strictly
 * and streamed through libcsv; see catalog_csv.h. */
#include "mapping/catalog_csv.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/utf8.h"
#include "mapping/catalog.h"
#include "mapping/encoding.h"

#define MAX_HEADER 256
#define BLOCK (64 * 1024)

typedef struct reader {
    const df_catalog_def *def;
    const char *path;
    df_encoding enc;
    iconv_t cd;
    df_catalog_row_fn fn;
    void *arg;
    long row;                        /* rows done; 0 while reading the header */
    long line;                       /* line being parsed, from 1 */
    long row_nl;                     /* newlines inside the current row's fields */
    int col;                         /* field of the current row */
    int map[MAX_HEADER];             /* export column -> catalog column, or -1 */
    int nheader;
    char *val[DF_MAX_CATALOG_COLUMNS];
    size_t len[DF_MAX_CATALOG_COLUMNS], cap[DF_MAX_CATALOG_COLUMNS];
    int seen[DF_MAX_CATALOG_COLUMNS]; /* the current row had this column */
    long entries;
    int failed;
    df_error *err;
    long dec_line, dec_col;          /* where the text decoded so far ends: line, characters after it starts */
    df_catalog keys;                 /* keys so far, for duplicates */
    long dup_line;                   /* a key seen twice: the second line */
    char dup_key[2048];
    size_t dup_len;
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
    for (size_t i = 0; i < len; i++)
        r->row_nl += s[i] == '\n';
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

/* The row's key: into the set, or remembered as a duplicate (stops the read). */
static int note_key(reader *r, const char *const *cols, long line)
{
    const char *parts[DF_MAX_KEY];
    size_t plens[DF_MAX_KEY];
    for (int k = 0; k < r->def->nkey; k++) {
        parts[k] = cols[r->def->key_columns[k]];
        plens[k] = r->len[r->def->key_columns[k]];
    }
    if (!df_catalog_contains(&r->keys, parts, plens))
        return df_catalog_add(&r->keys, parts, plens, r->err);
    r->dup_line = line;
    r->dup_len = df_catalog_join_key(r->def, parts, plens, r->dup_key, sizeof r->dup_key);
    return df_errorf(r->err, "duplicate");
}

static int entry(reader *r, long line)
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
            return df_errorf(r->err, "%s:%ld: the row has fewer columns than the header (no %s)", r->path, line,
                             r->def->columns[r->def->key_columns[k]]);
    if (r->keys.def && note_key(r, cols, line) != 0)
        return -1;
    r->entries++;
    return r->fn(r->arg, line, cols, r->len, r->err);
}

static void on_row(int term, void *ctx)
{
    (void)term;
    reader *r = ctx;
    if (r->failed)
        return;
    long start = r->line - r->row_nl; /* the terminator is on the row's last line */
    if ((r->row == 0 ? check_header(r) : entry(r, start)) != 0)
        r->failed = 1;
    memset(r->seen, 0, sizeof r->seen);
    r->col = 0;
    r->row++;
    r->row_nl = 0;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Decoded text to libcsv, one line at a time so that r->line is the line
 * of every byte it sees. */
static int parse_text(reader *r, struct csv_parser *p, const char *s, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) + 1 : n;
        if (csv_parse(p, s, k, on_field, on_row, r) != k)
            return df_errorf(r->err, "%s:%ld: CSV error: %s", r->path, r->line, csv_strerror(csv_error(p)));
        if (r->failed)
            return -1;
        r->line += nl != NULL;
        s += k;
        n -= k;
    }
    return 0;
}

/* Where decoded text ends, in lines and characters, after s[0..n). */
static void advance(long *line, long *col, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 0;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int bad_bytes(reader *r, const char *good, size_t ngood, const unsigned char *at, size_t left)
{
    long line = r->dec_line, col = r->dec_col;
    advance(&line, &col, good, ngood);
    char hex[16] = "";
    for (size_t i = 0; i < left && i < 4; i++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%s%02X", i ? " " : "", at[i]);
    if (r->enc == DF_ENC_UTF8)
        return df_errorf(r->err, "%s:%ld:%ld: the bytes %s are not valid UTF-8: if the export is GBK, declare it "
                         "(catalogs_encoding: GBK in the configuration, or --catalogs-encoding GBK), or save it as "
                         "UTF-8", r->path, line, col + 1, left ? hex : "(end of file)");
    return df_errorf(r->err, "%s:%ld:%ld: the bytes %s are not valid %s: is the export in another encoding? "
                     "(catalogs_encoding or --catalogs-encoding: UTF-8, GBK or GB18030)", r->path, line, col + 1,
                     left ? hex : "(end of file)", df_encoding_name(r->enc));
}

/* Decodes raw[0..n) to UTF-8 and parses it. *keep gets how many bytes at
 * the end are a character cut short by the block (kept for the next). */
static int decode_block(reader *r, struct csv_parser *p, char *raw, size_t n, int last, char *out, size_t *kept)
{
    *kept = 0;
    const char *text = raw;
    size_t tn;
    if (r->enc == DF_ENC_UTF8) {
        tn = df_utf8_valid_prefix(raw, n);
        if (tn < n && (last || !df_utf8_cut_short(raw + tn, n - tn)))
            return bad_bytes(r, raw, tn, (unsigned char *)raw + tn, n - tn);
        *kept = n - tn;
    } else {
        char *ip = raw, *op = out;
        size_t il = n, ol = 4 * (size_t)BLOCK + 64;
        if (iconv(r->cd, &ip, &il, &op, &ol) == (size_t)-1 && (errno != EINVAL || last))
            return bad_bytes(r, out, (size_t)(op - out), (unsigned char *)ip, il);
        text = out;
        tn = (size_t)(op - out);
        *kept = il;
    }
    advance(&r->dec_line, &r->dec_col, text, tn);
    return parse_text(r, p, text, tn);
}

/* The first block's byte-order mark: UTF-8 (read as UTF-8), GB18030,
 * UTF-16/32 (refused). Returns the bytes to skip, or -1. */
static int leading_bom(reader *r, const char *buf, size_t n)
{
    if (df_refuse_unicode_bom(r->path, buf, n, r->err) != 0)
        return -1;
    if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        r->enc = DF_ENC_UTF8;
        return 3;
    }
    if (r->enc == DF_ENC_GB18030 && n >= 4 && !memcmp(buf, "\x84\x31\x95\x33", 4))
        return 4;
    return 0;
}

static int parse_fd(reader *r, int fd, struct csv_parser *p, char *raw, char *out)
{
    size_t have = 0;
    int first = 1;
    for (;;) {
        ssize_t n = read(fd, raw + have, BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return df_error_errno(r->err, "%s: read error", r->path);
        size_t len = have + (size_t)n, skip = 0;
        if (first && n > 0) {
            int b = leading_bom(r, raw, len);
            if (b < 0)
                return -1;
            skip = (size_t)b;
            first = 0;
        }
        size_t kept;
        if (decode_block(r, p, raw + skip, len - skip, n == 0, out, &kept) != 0)
            return -1;
        memmove(raw, raw + len - kept, kept);
        have = kept;
        if (n == 0)
            break;
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

/* One pass over the file; r is set up by the caller. */
static int read_file(reader *r)
{
    int fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(r->err, "%s: cannot open catalog", r->path);
    struct csv_parser p;
    char *raw = malloc(2 * (size_t)BLOCK + 8), *out = malloc(4 * (size_t)BLOCK + 64);
    int rc;
    if (!raw || !out || csv_init(&p, CSV_APPEND_NULL) != 0) {
        rc = df_errorf(r->err, "%s: out of memory", r->path);
        free(raw);
        free(out);
        close(fd);
        return rc;
    }
    r->cd = (iconv_t)-1;
    if (r->enc != DF_ENC_UTF8 && (r->cd = iconv_open("UTF-8", df_encoding_name(r->enc))) == (iconv_t)-1) {
        rc = df_errorf(r->err, "%s: cannot decode %s (iconv)", r->path, df_encoding_name(r->enc));
    } else {
        csv_set_space_func(&p, no_space);
        rc = parse_fd(r, fd, &p, raw, out);
    }
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    csv_free(&p);
    free(raw);
    free(out);
    close(fd);
    for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
        free(r->val[i]);
    return rc;
}

typedef struct first_of {
    const df_catalog_def *def;
    const char *key;
    size_t len;
    long line;
} first_of;

static int find_key(void *arg, long line, const char *const *cols, const size_t *lens, df_error *err)
{
    first_of *f = arg;
    const char *parts[DF_MAX_KEY];
    size_t plens[DF_MAX_KEY];
    for (int k = 0; k < f->def->nkey; k++) {
        parts[k] = cols[f->def->key_columns[k]];
        plens[k] = lens[f->def->key_columns[k]];
    }
    char key[2048];
    size_t l = df_catalog_join_key(f->def, parts, plens, key, sizeof key);
    if (l == f->len && !memcmp(key, f->key, l)) {
        f->line = line;
        return df_errorf(err, "found");
    }
    return 0;
}

/* The duplicate's message, after a second pass for its first line. */
static int duplicate_error(const reader *r, df_error *err)
{
    first_of f = {r->def, r->dup_key, r->dup_len, 0};
    reader r2 = {.def = r->def, .path = r->path, .enc = r->enc, .fn = find_key, .arg = &f, .line = 1,
                 .dec_line = 1, .err = err};
    read_file(&r2);
    char shown[600] = "";
    const char *k = r->dup_key;
    for (int i = 0; i < r->def->nkey; i++) {
        const char *sep = memchr(k, '\x1f', (size_t)(r->dup_key + r->dup_len - k));
        size_t l = sep ? (size_t)(sep - k) : (size_t)(r->dup_key + r->dup_len - k);
        snprintf(shown + strlen(shown), sizeof shown - strlen(shown), "%s%s '%.*s'", i ? ", " : "",
                 r->def->columns[r->def->key_columns[i]], (int)l, k);
        k = sep ? sep + 1 : k + l;
    }
    return df_errorf(err, "%s:%ld: the %s catalog holds the key %s twice: on line %ld and again on line %ld; the "
                     "portal never exports a key twice, so the file is damaged or joined from two exports: keep "
                     "one of the two rows", r->path, r->dup_line, r->def->name, shown, f.line, r->dup_line);
}

int df_catalog_csv_read_enc(const char *path, const df_catalog_def *def, df_encoding enc, df_catalog_row_fn fn,
                            void *arg, long *entries, df_error *err)
{
    reader r = {.def = def, .path = path, .enc = enc, .fn = fn, .arg = arg, .line = 1, .dec_line = 1, .err = err};
    r.keys.def = def;
    int rc = read_file(&r);
    if (rc != 0 && r.dup_line)
        rc = duplicate_error(&r, err);
    df_catalog_free(&r.keys);
    if (entries)
        *entries = r.entries;
    return rc;
}

int df_catalog_csv_read(const char *path, const df_catalog_def *def, df_catalog_row_fn fn, void *arg, long *entries,
                        df_error *err)
{
    return df_catalog_csv_read_enc(path, def, DF_ENC_UTF8, fn, arg, entries, err);
}
