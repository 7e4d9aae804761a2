/* mapping/catalog.c — open-addressing hash sets of catalog keys; see catalog.h. */
#include "mapping/catalog.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_SEP '\x1f'

/* FNV-1a mixed through a 64-bit finaliser: fast on short keys, never 0. */
uint64_t df_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

size_t df_catalog_join_key(const df_catalog_def *def, const char *const *parts, const size_t *lens,
                           char *buf, size_t n)
{
    size_t o = 0;
    for (int i = 0; i < def->nkey; i++) {
        if (i && o < n)
            buf[o++] = KEY_SEP;
        size_t l = lens[i] < n - o ? lens[i] : n - o;
        memcpy(buf + o, parts[i], l);
        o += l;
    }
    return o;
}

void df_catalog_set_init(df_catalog_set *s, const df_profile *p)
{
    memset(s, 0, sizeof *s);
    s->n = p->ncatalogs;
    for (int i = 0; i < p->ncatalogs; i++)
        s->cat[i].def = &p->catalogs[i];
}

static void catalog_free(df_catalog *c)
{
    free(c->slots);
    free(c->arena);
    const df_catalog_def *def = c->def;
    memset(c, 0, sizeof *c);
    c->def = def;
}

void df_catalog_set_free(df_catalog_set *s)
{
    for (int i = 0; i < s->n; i++)
        catalog_free(&s->cat[i]);
}

/* Slot holding key (h, k, kl), or the empty slot where it would go. */
static size_t find_slot(const df_catalog *c, uint64_t h, const char *k, size_t kl)
{
    size_t mask = c->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const struct df_catalog_slot *sl = &c->slots[i];
        if (sl->hash == 0)
            return i;
        if (sl->hash == h && sl->len == kl && memcmp(c->arena + sl->offset + 4, k, kl) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int grow(df_catalog *c, df_error *err)
{
    size_t ncap = c->cap ? c->cap * 2 : 1024;
    struct df_catalog_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return df_errorf(err, "catalog %s: out of memory", c->def->name);
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].hash)
            continue;
        size_t j = (size_t)c->slots[i].hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = c->slots[i];
    }
    free(c->slots);
    c->slots = ns;
    c->cap = ncap;
    return 0;
}

int df_catalog_add(df_catalog *c, const char *const *parts, const size_t *lens, df_error *err)
{
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    if (kl >= sizeof key)
        return df_errorf(err, "catalog %s: key longer than %zu bytes", c->def->name, sizeof key - 1);
    c->loaded = 1;
    if ((c->count + 1) * 10 >= c->cap * 7 && grow(c, err) != 0)
        return -1;
    uint64_t h = df_hash_bytes(key, kl);
    size_t slot = find_slot(c, h, key, kl);
    if (c->slots[slot].hash)
        return 0; /* already present */
    if (c->arena_len + kl + 4 > c->arena_cap) {
        size_t ncap = c->arena_cap ? c->arena_cap * 2 : 65536;
        while (ncap < c->arena_len + kl + 4)
            ncap *= 2;
        if (ncap > UINT32_MAX)
            return df_errorf(err, "catalog %s: more than 4 GiB of keys", c->def->name);
        char *na = realloc(c->arena, ncap);
        if (!na)
            return df_errorf(err, "catalog %s: out of memory", c->def->name);
        c->arena = na;
        c->arena_cap = ncap;
    }
    uint32_t l32 = (uint32_t)kl;
    memcpy(c->arena + c->arena_len, &l32, 4);
    memcpy(c->arena + c->arena_len + 4, key, kl);
    c->slots[slot].hash = h;
    c->slots[slot].offset = (uint32_t)c->arena_len;
    c->slots[slot].len = l32;
    c->arena_len += kl + 4;
    c->count++;
    return 0;
}

int df_catalog_contains(const df_catalog *c, const char *const *parts, const size_t *lens)
{
    if (!c->cap)
        return 0;
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    if (kl >= sizeof key)
        return 0;
    return c->slots[find_slot(c, df_hash_bytes(key, kl), key, kl)].hash != 0;
}

uint64_t df_catalog_key_hash(const df_catalog *c, const char *const *parts, const size_t *lens)
{
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    return df_hash_bytes(key, kl < sizeof key ? kl : sizeof key);
}

int df_catalog_contains_hashed(const df_catalog *c, const char *const *parts, const size_t *lens, uint64_t hash)
{
    if (!c->cap)
        return 0;
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    if (kl >= sizeof key)
        return 0;
    return c->slots[find_slot(c, hash, key, kl)].hash != 0;
}

void df_catalog_prefetch(const df_catalog *c, uint64_t hash, int stage)
{
    if (!c->cap)
        return;
    const struct df_catalog_slot *sl = &c->slots[(size_t)hash & (c->cap - 1)];
    if (stage == 0)
        __builtin_prefetch(sl);
    else if (sl->hash == hash)
        __builtin_prefetch(c->arena + sl->offset);
}

void df_catalog_remove(df_catalog *c, const char *const *parts, const size_t *lens)
{
    if (!c->cap)
        return;
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    if (kl >= sizeof key)
        return;
    size_t i = find_slot(c, df_hash_bytes(key, kl), key, kl);
    if (!c->slots[i].hash)
        return;
    /* Backward-shift deletion keeps probe chains intact without tombstones;
     * the arena bytes stay (catalog deletions are rare). */
    size_t mask = c->cap - 1, j = i;
    c->slots[i].hash = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (!c->slots[j].hash)
            break;
        size_t home = (size_t)c->slots[j].hash & mask;
        int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        c->slots[i] = c->slots[j];
        c->slots[j].hash = 0;
        i = j;
    }
    c->count--;
}

/* ---- CSV export loading ---------------------------------------------- */

void df_catalog_export_path(const df_catalog_def *def, const char *dir, char *out, size_t n)
{
    char name[DF_NAME_MAX];
    size_t i;
    for (i = 0; def->list[i] && i + 1 < sizeof name; i++)
        name[i] = (char)((def->list[i] >= 'A' && def->list[i] <= 'Z') ? def->list[i] + 32 : def->list[i]);
    name[i] = 0;
    snprintf(out, n, "%s/%s.csv", dir, name);
}

typedef struct csv_load {
    df_catalog *c;
    const char *path;
    long row;             /* data rows seen, 1 = header */
    int ncols;            /* fields seen in the current row */
    int col_of_key[DF_MAX_KEY];
    char *fields[DF_MAX_KEY];
    size_t lens[DF_MAX_KEY];
    char header_names[64][DF_NAME_MAX];
    int nheader;
    int failed;
    df_error *err;
} csv_load;

static void load_field(void *data, size_t len, void *ctx)
{
    csv_load *L = ctx;
    if (L->failed)
        return;
    const char *s = data ? data : "";
    if (L->row == 0) {
        if (L->nheader < 64)
            snprintf(L->header_names[L->nheader++], DF_NAME_MAX, "%.*s", (int)len, s);
    } else {
        for (int k = 0; k < L->c->def->nkey; k++) {
            if (L->col_of_key[k] == L->ncols) {
                char *copy = malloc(len + 1);
                if (!copy) {
                    L->failed = 1;
                    df_errorf(L->err, "%s: out of memory", L->path);
                    return;
                }
                memcpy(copy, s, len);
                copy[len] = 0;
                free(L->fields[k]);
                L->fields[k] = copy;
                L->lens[k] = len;
            }
        }
    }
    L->ncols++;
}

static void load_row(int term, void *ctx)
{
    (void)term;
    csv_load *L = ctx;
    if (L->failed)
        return;
    if (L->row == 0) {
        for (int k = 0; k < L->c->def->nkey; k++) {
            const char *want = L->c->def->columns[L->c->def->key_columns[k]];
            L->col_of_key[k] = -1;
            for (int i = 0; i < L->nheader; i++)
                if (!strcmp(L->header_names[i], want))
                    L->col_of_key[k] = i;
            if (L->col_of_key[k] < 0) {
                L->failed = 1;
                df_errorf(L->err, "%s:1: the header has no column '%s'; a %s catalog export needs "
                          "the columns %s%s%s", L->path, want, L->c->def->name,
                          L->c->def->columns[0], L->c->def->ncolumns > 1 ? ", " : "",
                          L->c->def->ncolumns > 1 ? L->c->def->columns[1] : "");
                return;
            }
        }
    } else {
        const char *parts[DF_MAX_KEY];
        int present = 1;
        for (int k = 0; k < L->c->def->nkey; k++) {
            parts[k] = L->fields[k] ? L->fields[k] : "";
            if (!L->fields[k])
                present = 0;
        }
        if (!present) {
            L->failed = 1;
            df_errorf(L->err, "%s: row %ld has fewer columns than the header", L->path, L->row + 1);
            return;
        }
        if (df_catalog_add(L->c, parts, L->lens, L->err) != 0) {
            L->failed = 1;
            df_error_prefix(L->err, "%s: row %ld", L->path, L->row + 1);
            return;
        }
    }
    for (int k = 0; k < DF_MAX_KEY; k++) {
        free(L->fields[k]);
        L->fields[k] = NULL;
    }
    L->ncols = 0;
    L->row++;
}

static int no_space(unsigned char c) { (void)c; return 0; }

int df_catalog_load_csv(df_catalog *c, const char *path, df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "%s: cannot open catalog", path);
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csv_set_space_func(&p, no_space);
    csv_load L = {.c = c, .path = path, .err = err};
    char buf[65536];
    ssize_t n;
    int rc = 0, first = 1;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        const char *data = buf;
        size_t dlen = (size_t)n;
        /* The BOM goes before libcsv sees it: left in, it would make a
         * quoted first header field unquoted text. */
        if (first && dlen >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
            data += 3;
            dlen -= 3;
        }
        first = 0;
        if (csv_parse(&p, data, dlen, load_field, load_row, &L) != dlen) {
            rc = df_errorf(err, "%s: CSV error: %s", path, csv_strerror(csv_error(&p)));
            break;
        }
        if (L.failed) {
            rc = -1;
            break;
        }
    }
    if (n < 0)
        rc = df_error_errno(err, "%s: read error", path);
    if (rc == 0) {
        csv_fini(&p, load_field, load_row, &L);
        if (L.failed)
            rc = -1;
        else if (L.row == 0)
            rc = df_errorf(err, "%s: the catalog file is empty (no header row)", path);
    }
    for (int k = 0; k < DF_MAX_KEY; k++)
        free(L.fields[k]);
    csv_free(&p);
    close(fd);
    c->loaded = 1;
    return rc;
}
