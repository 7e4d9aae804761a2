/* mapping/catalog.c — open-addressing hash sets of catalog keys; see catalog.h. */
#include "mapping/catalog.h"

#include "mapping/catalog_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void df_catalog_free(df_catalog *c)
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
        df_catalog_free(&s->cat[i]);
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

/* Whether the joined key is in the catalog, its hash known. A key too long
 * to join is in no catalog. */
static int contains_key(const df_catalog *c, const char *key, size_t kl, size_t cap, uint64_t hash)
{
    return c->cap && kl < cap && c->slots[find_slot(c, hash, key, kl)].hash != 0;
}

int df_catalog_contains(const df_catalog *c, const char *const *parts, const size_t *lens)
{
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    return contains_key(c, key, kl, sizeof key, df_hash_bytes(key, kl < sizeof key ? kl : sizeof key));
}

uint64_t df_catalog_key_hash(const df_catalog *c, const char *const *parts, const size_t *lens)
{
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    return df_hash_bytes(key, kl < sizeof key ? kl : sizeof key);
}

int df_catalog_contains_hashed(const df_catalog *c, const char *const *parts, const size_t *lens, uint64_t hash)
{
    char key[2048];
    size_t kl = df_catalog_join_key(c->def, parts, lens, key, sizeof key);
    return contains_key(c, key, kl, sizeof key, hash);
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

typedef struct csv_add {
    df_catalog *c;
    const char *path;
} csv_add;

static int add_row(void *arg, long line, const char *const *cols, const size_t *lens, df_error *err)
{
    csv_add *a = arg;
    const df_catalog_def *def = a->c->def;
    const char *parts[DF_MAX_KEY];
    size_t plens[DF_MAX_KEY];
    for (int k = 0; k < def->nkey; k++) {
        parts[k] = cols[def->key_columns[k]];
        plens[k] = lens[def->key_columns[k]];
    }
    if (df_catalog_add(a->c, parts, plens, err) != 0)
        return df_error_prefix(err, "%s:%ld", a->path, line);
    return 0;
}

int df_catalog_load_csv_enc(df_catalog *c, const char *path, df_encoding enc, df_error *err)
{
    csv_add a = {c, path};
    int rc = df_catalog_csv_read_enc(path, c->def, enc, add_row, &a, NULL, err);
    c->loaded = 1;
    return rc;
}

int df_catalog_load_csv(df_catalog *c, const char *path, df_error *err)
{
    return df_catalog_load_csv_enc(c, path, DF_ENC_UTF8, err);
}
