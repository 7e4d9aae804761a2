/* mapping/nearmiss.c — the nearest catalog entry to an unmatched key; see nearmiss.h. */
#include "mapping/nearmiss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPS 512           /* characters of a key looked at */
#define MAX_CANDIDATES 64     /* trigram candidates checked by edit distance */
#define MAX_PART_CANDIDATES 64
#define SEP 0x1Fu

/* ---- normalisation ---- */

enum {
    S_BRACKETS, S_DIGITS, S_LETTERS, S_PUNCT, S_SPACES, S_MULT, S_CASE, S_COMPANY, S_COUNT
};

/* How a needed step reads, from the row's side: the row changed by it,
 * the catalog's entry changed by it, both. */
static const char *const step_text[S_COUNT][3] = {
    [S_BRACKETS] = {"full-width brackets", "half-width brackets", "brackets"},
    [S_DIGITS] = {"full-width digits", "half-width digits", "full-width and half-width digits"},
    [S_LETTERS] = {"full-width letters", "half-width letters", "full-width and half-width letters"},
    [S_PUNCT] = {"full-width punctuation", "half-width punctuation", "full-width and half-width punctuation"},
    [S_SPACES] = {"extra spaces", "missing spaces", "spaces"},
    [S_MULT] = {"multiplication sign (×, x or *)", "multiplication sign (×, x or *)",
                "multiplication sign (×, x or *)"},
    [S_CASE] = {"letter case", "letter case", "letter case"},
    [S_COMPANY] = {"有限责任公司 for 有限公司", "有限公司 for 有限责任公司", "有限责任公司/有限公司"},
};

/* Lenient UTF-8 decoding: a bad byte is U+FFFD (the key is only compared). */
static size_t decode(const char *str, size_t len, uint32_t *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)str, *e = s + len;
    size_t n = 0;
    while (s < e && n < cap) {
        uint32_t c = *s;
        if (c < 0x80) {
            out[n++] = c;
            s++;
            continue;
        }
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (c >= 0x80 && (extra == 0 || e - s <= extra)) {
            out[n++] = 0xFFFD;
            s++;
            continue;
        }
        c = extra ? c & (0x3Fu >> extra) : c;
        int ok = 1;
        for (int k = 1; k <= extra; k++) {
            ok &= (s[k] & 0xC0) == 0x80;
            c = c << 6 | (s[k] & 0x3Fu);
        }
        out[n++] = ok ? c : 0xFFFD;
        s += ok ? (size_t)extra + 1 : 1;
    }
    return n;
}

static size_t encode(const uint32_t *cp, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        unsigned char b[4];
        int k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (o + (size_t)k + 1 > cap)
            break;
        if (k == 1)
            b[0] = (unsigned char)c;
        else {
            for (int j = k - 1; j > 0; j--, c >>= 6)
                b[j] = (unsigned char)(0x80 | (c & 0x3F));
            b[0] = (unsigned char)((k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | c);
        }
        memcpy(out + o, b, (size_t)k);
        o += (size_t)k;
    }
    out[o] = 0;
    return o;
}

static int is_digit(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19); }

/* The step a full-width ASCII variant (U+FF01..U+FF5E) belongs to. */
static int fullwidth_step(uint32_t c)
{
    uint32_t a = c - 0xFEE0;
    if (a >= '0' && a <= '9')
        return S_DIGITS;
    if ((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z'))
        return S_LETTERS;
    if (a == '(' || a == ')' || a == '[' || a == ']' || a == '{' || a == '}')
        return S_BRACKETS;
    return a == '*' ? S_MULT : S_PUNCT;
}

/* One character through every step not in skip; -1 to drop it. */
static long norm_char(uint32_t c, uint32_t next, unsigned skip, unsigned *changed)
{
    int step = -1;
    uint32_t to = c;
    if (c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0)
        step = S_SPACES, to = 0;
    else if (c >= 0xFF01 && c <= 0xFF5E)
        step = fullwidth_step(c), to = c - 0xFEE0;
    else if (c == 0x3010 || c == 0x3011 || c == 0x3014 || c == 0x3015) /* 【】〔〕 */
        step = S_BRACKETS, to = c == 0x3010 ? '[' : c == 0x3011 ? ']' : c == 0x3014 ? '(' : ')';
    else if (c == 0xD7 || c == 0x2715 || c == 0x2716 || ((c == 'x' || c == 'X') && is_digit(next)))
        step = S_MULT, to = '*';
    if (step >= 0 && !(skip & (1u << step))) {
        *changed |= 1u << step;
        c = to;
    }
    if (step == S_SPACES && !(skip & (1u << S_SPACES)))
        return -1;
    if (c >= 'A' && c <= 'Z' && !(skip & (1u << S_CASE))) {
        *changed |= 1u << S_CASE;
        c += 32;
    }
    return (long)c;
}

/* The normalised characters of a key; *changed gets the steps that changed it. */
static size_t normalise(const char *s, size_t len, unsigned skip, uint32_t *out, unsigned *changed)
{
    uint32_t raw[MAX_CPS];
    size_t n = decode(s, len, raw, MAX_CPS), o = 0;
    *changed = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = raw[i];
        if (r < 0x80 && r > ' ' && !(r >= 'A' && r <= 'Z') && r != 'x') { /* most characters: as they are */
            out[o++] = r;
            continue;
        }
        long c = norm_char(r, i + 1 < n ? raw[i + 1] : 0, skip, changed);
        if (c >= 0)
            out[o++] = (uint32_t)c;
    }
    if (skip & (1u << S_COMPANY))
        return o;
    static const uint32_t full[6] = {0x6709, 0x9650, 0x8D23, 0x4EFB, 0x516C, 0x53F8}; /* 有限责任公司 */
    size_t w = 0;
    for (size_t r = 0; r < o; r++) {
        if (r + 6 <= o && !memcmp(out + r, full, sizeof full)) {
            out[w++] = full[0], out[w++] = full[1], out[w++] = full[4], out[w++] = full[5];
            r += 5;
            *changed |= 1u << S_COMPANY;
            continue;
        }
        out[w++] = out[r];
    }
    return w;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t hash_cps(const uint32_t *c, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ULL;
    return mix(h);
}

/* ---- posting lists: a key (trigram, part) → the entries that have it ---- */

typedef struct postings {
    size_t cap;               /* slots, power of two */
    uint64_t *keys;           /* 0: empty */
    uint32_t *start, *len;
    uint32_t *list;
} postings;

static size_t slot_of(const postings *p, uint64_t k, int insert)
{
    size_t m = p->cap - 1, i = (size_t)k & m;
    while (p->keys[i] && p->keys[i] != k)
        i = (i + 1) & m;
    return (p->keys[i] || insert) ? i : (size_t)-1;
}

static int postings_alloc(postings *p, size_t keys)
{
    p->cap = 1024;
    while (p->cap < keys * 2)
        p->cap *= 2;
    p->keys = calloc(p->cap, sizeof *p->keys);
    p->start = calloc(p->cap, sizeof *p->start);
    p->len = calloc(p->cap, sizeof *p->len);
    return p->keys && p->start && p->len ? 0 : -1;
}

static void postings_free(postings *p)
{
    free(p->keys), free(p->start), free(p->len), free(p->list);
}

static const uint32_t *postings_get(const postings *p, uint64_t k, uint32_t *n)
{
    size_t i = p->cap ? slot_of(p, k, 0) : (size_t)-1;
    *n = i == (size_t)-1 ? 0 : p->len[i];
    return i == (size_t)-1 ? NULL : p->list + p->start[i];
}

/* ---- the index ---- */

typedef struct entry {
    const char *key;
    uint32_t key_len;
    uint32_t off;             /* normalised characters in cps */
    uint32_t n;
    uint64_t hash;
} entry;

struct df_nearmiss {
    const df_catalog *cat;
    size_t n;
    entry *e;
    uint32_t *cps;
    size_t *norm;             /* normalised form → entry + 1 (open addressing) */
    size_t norm_cap;
    postings grams, parts;
    int grams_built;          /* the trigram index is built on its first use */
    int grams_failed;
    size_t frequent;          /* trigram lists longer than this are skipped */
    uint16_t *count;
    uint32_t *touched;
};

/* The trigrams (with start and end marks) of a normalised key, one per
 * character; a key's repeated trigram stays repeated (its posting list
 * then holds the entry twice in a row, which the search skips). */
static size_t trigrams_all(const uint32_t *c, size_t n, uint64_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t a = i ? c[i - 1] : 0x110000, d = i + 1 < n ? c[i + 1] : 0x110001;
        uint64_t g = (((uint64_t)a << 42) ^ ((uint64_t)c[i] << 21) ^ d) * 0x9E3779B97F4A7C15ULL;
        out[i] = (g ^ (g >> 29)) | 1; /* never 0: 0 marks an empty slot */
    }
    return n;
}

/* The distinct trigrams of a query. */
static size_t trigrams(const uint32_t *c, size_t n, uint64_t *out)
{
    size_t m = trigrams_all(c, n, out), k = 0;
    for (size_t i = 0; i < m; i++) {
        int dup = 0;
        for (size_t j = 0; j < k && !dup; j++)
            dup = out[j] == out[i];
        if (!dup)
            out[k++] = out[i];
    }
    return k;
}

/* One key per part of a multi-part key: (part index, its normalised characters). */
static size_t part_keys(const uint32_t *c, size_t n, uint64_t *out)
{
    size_t k = 0, from = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || c[i] == SEP) {
            out[k] = mix(hash_cps(c + from, i - from) ^ (k + 1));
            k++;
            from = i + 1;
        }
    return k > 1 ? k : 0;
}

typedef size_t (*keys_fn)(const uint32_t *c, size_t n, uint64_t *out);

/* Doubles the slots, keeping the keys and their counts. */
static int postings_grow(postings *p)
{
    postings n = {0};
    if (postings_alloc(&n, p->cap) != 0) {
        postings_free(&n);
        return -1;
    }
    for (size_t s = 0; s < p->cap; s++)
        if (p->keys[s]) {
            size_t t = slot_of(&n, p->keys[s], 1);
            n.keys[t] = p->keys[s];
            n.len[t] = p->len[s];
        }
    postings_free(p);
    *p = n;
    return 0;
}

/* Counts, then fills, the posting lists of every entry's keys. */
static int build_postings(df_nearmiss *nm, postings *p, keys_fn fn, df_error *err)
{
    uint64_t *ks = malloc((MAX_CPS + 2) * sizeof *ks);
    size_t distinct = 0;
    if (!ks || postings_alloc(p, 512) != 0)
        return free(ks), df_errorf(err, "out of memory indexing the catalog");
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < nm->n; i++) {
            size_t k = fn(nm->cps + nm->e[i].off, nm->e[i].n, ks);
            for (size_t j = 0; j < k; j++) {
                if (!pass && distinct * 10 >= p->cap * 7 && postings_grow(p) != 0)
                    return free(ks), df_errorf(err, "out of memory indexing the catalog");
                size_t s = slot_of(p, ks[j], 1);
                if (pass)
                    p->list[p->start[s] + p->len[s]++] = (uint32_t)i;
                else if (!p->keys[s]) {
                    p->keys[s] = ks[j];
                    p->len[s] = 1;
                    distinct++;
                } else {
                    p->len[s]++;
                }
            }
        }
        if (!pass) {
            size_t at = 0;
            for (size_t s = 0; s < p->cap; s++) {
                p->start[s] = (uint32_t)at;
                at += p->len[s];
                p->len[s] = 0;
            }
            if (!(p->list = malloc((at ? at : 1) * sizeof *p->list)))
                return free(ks), df_errorf(err, "out of memory indexing the catalog");
        }
    }
    free(ks);
    return 0;
}

static int add_entries(df_nearmiss *nm, df_error *err)
{
    const df_catalog *c = nm->cat;
    size_t cap_cps = 4096;
    nm->e = calloc(c->count ? c->count : 1, sizeof *nm->e);
    nm->cps = malloc(cap_cps * sizeof *nm->cps);
    if (!nm->e || !nm->cps)
        return df_errorf(err, "out of memory indexing the catalog");
    uint32_t buf[MAX_CPS];
    size_t used = 0;
    for (size_t s = 0; s < c->cap; s++) {
        if (!c->slots[s].hash)
            continue;
        entry *e = &nm->e[nm->n++];
        e->key = c->arena + c->slots[s].offset + 4;
        e->key_len = c->slots[s].len;
        unsigned changed;
        size_t n = normalise(e->key, e->key_len, 0, buf, &changed);
        if (used + n > cap_cps) {
            while (used + n > cap_cps)
                cap_cps *= 2;
            uint32_t *ncps = realloc(nm->cps, cap_cps * sizeof *ncps);
            if (!ncps)
                return df_errorf(err, "out of memory indexing the catalog");
            nm->cps = ncps;
        }
        memcpy(nm->cps + used, buf, n * sizeof *buf);
        e->off = (uint32_t)used;
        e->n = (uint32_t)n;
        e->hash = hash_cps(buf, n);
        used += n;
    }
    return 0;
}

int df_nearmiss_build(df_nearmiss **out, const df_catalog *cat, df_error *err)
{
    df_nearmiss *nm = calloc(1, sizeof *nm);
    *out = NULL;
    if (!nm)
        return df_errorf(err, "out of memory indexing the catalog");
    nm->cat = cat;
    if (add_entries(nm, err) != 0)
        goto fail;
    nm->norm_cap = 1024;
    while (nm->norm_cap < nm->n * 2)
        nm->norm_cap *= 2;
    nm->norm = calloc(nm->norm_cap, sizeof *nm->norm);
    nm->count = calloc(nm->n ? nm->n : 1, sizeof *nm->count);
    nm->touched = malloc((nm->n ? nm->n : 1) * sizeof *nm->touched);
    if (!nm->norm || !nm->count || !nm->touched) {
        df_errorf(err, "out of memory indexing the catalog");
        goto fail;
    }
    for (size_t i = 0; i < nm->n; i++) {
        size_t m = nm->norm_cap - 1, s = (size_t)nm->e[i].hash & m;
        while (nm->norm[s])
            s = (s + 1) & m;
        nm->norm[s] = i + 1;
    }
    /* Single-part keys (names) need the trigrams at once; keys of several
     * parts mostly find their near miss by a shared part, so their
     * trigrams wait until a search needs them. */
    if (cat->def && cat->def->nkey > 1 ? build_postings(nm, &nm->parts, part_keys, err) != 0
                                       : build_postings(nm, &nm->grams, trigrams_all, err) != 0)
        goto fail;
    nm->grams_built = !(cat->def && cat->def->nkey > 1);
    nm->frequent = nm->n / 16 > 2000 ? nm->n / 16 : 2000;
    *out = nm;
    return 0;
fail:
    df_nearmiss_free(nm);
    return -1;
}

void df_nearmiss_free(df_nearmiss *nm)
{
    if (!nm)
        return;
    free(nm->e), free(nm->cps), free(nm->norm), free(nm->count), free(nm->touched);
    postings_free(&nm->grams);
    postings_free(&nm->parts);
    free(nm);
}

size_t df_nearmiss_size(const df_nearmiss *nm)
{
    return nm ? nm->n : 0;
}

/* ---- the search ---- */

/* Levenshtein distance between a and b if at most k, else k + 1: only
 * the diagonal band |i - j| <= k is computed (Ukkonen), so the cost is
 * (2k + 1) cells a character, and it stops once a row is all beyond k. */
static int edits_within(const uint32_t *a, size_t an, const uint32_t *b, size_t bn, int k)
{
    if ((an > bn ? an - bn : bn - an) > (size_t)k)
        return k + 1;
    int prev[MAX_CPS + 1], cur[MAX_CPS + 1];
    const int big = k + 1;
    for (size_t j = 0; j <= bn; j++)
        prev[j] = j <= (size_t)k ? (int)j : big;
    for (size_t i = 1; i <= an; i++) {
        size_t lo = i > (size_t)k ? i - (size_t)k : 1, hi = i + (size_t)k < bn ? i + (size_t)k : bn;
        cur[lo - 1] = lo == 1 ? (i <= (size_t)k ? (int)i : big) : big;
        int best = cur[lo - 1];
        for (size_t j = lo; j <= hi; j++) {
            int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (j < i + (size_t)k && prev[j] + 1 < v) /* prev[j] is outside the band when j == i + k */
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v > big ? big : v;
            best = cur[j] < best ? cur[j] : best;
        }
        if (hi < bn)
            cur[hi + 1] = big;
        if (best > k)
            return big;
        memcpy(prev + lo - 1, cur + lo - 1, (hi - lo + 2 + (hi < bn)) * sizeof *prev);
    }
    return prev[bn] <= k ? prev[bn] : big;
}

typedef struct query {
    uint32_t c[MAX_CPS];
    size_t n;
    int k;
    long best;                /* entry, or -1 */
    int best_d;
} query;

/* Parts of two normalised multi-part keys that differ. */
static int parts_differing(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
    int n = 0;
    size_t i = 0, j = 0;
    while (i <= an && j <= bn) {
        size_t ie = i, je = j;
        while (ie < an && a[ie] != SEP)
            ie++;
        while (je < bn && b[je] != SEP)
            je++;
        n += ie - i != je - j || memcmp(a + i, b + j, (ie - i) * sizeof *a);
        i = ie + 1;
        j = je + 1;
    }
    return n;
}

static void consider(const df_nearmiss *nm, query *q, uint32_t i)
{
    const entry *e = &nm->e[i];
    /* A key of several parts is near only when one part is off: a DrugCode
     * and a PackSpec both wrong is another product. */
    int k = q->best >= 0 ? q->best_d : q->k; /* only as near as the best so far matters */
    if ((e->n > q->n ? e->n - q->n : q->n - e->n) > (size_t)k)
        return;
    if (nm->parts.cap && parts_differing(q->c, q->n, nm->cps + e->off, e->n) > 1)
        return;
    int d = edits_within(q->c, q->n, nm->cps + e->off, e->n, k);
    if (d > q->k)
        return;
    if (q->best >= 0 && (d > q->best_d || (d == q->best_d && (e->key_len > nm->e[q->best].key_len ||
        (e->key_len == nm->e[q->best].key_len && memcmp(e->key, nm->e[q->best].key, e->key_len) >= 0)))))
        return; /* the nearest wins; ties go to the shorter, then smaller key: the same answer every run */
    q->best = (long)i;
    q->best_d = d;
}

/* The trigram candidates that share enough of the key. The rarest
 * trigrams are the telling ones: lists are read rarest first, up to
 * SCAN_BUDGET postings (a common trigram such as 有限公 says little and
 * costs much). Entries within k edits share at least scanned - 3k of the
 * trigrams read (the q-gram lemma); of those, the MAX_CANDIDATES sharing
 * most are checked, the cut-off found from a histogram of the counts. */
#define SCAN_BUDGET 1500
static void trigram_candidates(df_nearmiss *nm, query *q)
{
    uint64_t gs[MAX_CPS + 2];
    struct gl { const uint32_t *l; uint32_t len; } lists[MAX_CPS + 2];
    size_t ng = trigrams(q->c, q->n, gs), nl = 0, touched = 0, scanned = 0, budget = 0;
    for (size_t g = 0; g < ng; g++) {
        uint32_t len;
        const uint32_t *l = postings_get(&nm->grams, gs[g], &len);
        if (len && len <= nm->frequent) {
            size_t at = nl++; /* insertion by length: a key has a few dozen trigrams */
            while (at > 0 && lists[at - 1].len > len)
                lists[at] = lists[at - 1], at--;
            lists[at] = (struct gl){l, len};
        }
    }
    for (size_t g = 0; g < nl && (g == 0 || budget + lists[g].len <= SCAN_BUDGET); g++) {
        scanned++;
        budget += lists[g].len;
        for (uint32_t j = 0; j < lists[g].len; j++)
            if ((j == 0 || lists[g].l[j] != lists[g].l[j - 1]) && nm->count[lists[g].l[j]]++ == 0)
                nm->touched[touched++] = lists[g].l[j];
    }
    long need = (long)scanned - 3L * q->k;
    size_t hist[MAX_CPS + 3] = {0};
    for (size_t t = 0; t < touched; t++)
        hist[nm->count[nm->touched[t]]]++;
    long cut = (long)scanned, have = 0;
    for (; cut > 1 && cut > need; cut--) {
        have += (long)hist[cut];
        if (have >= MAX_CANDIDATES)
            break;
    }
    if (cut < 1)
        cut = 1;
    int taken = 0;
    for (size_t t = 0; t < touched; t++) {
        uint32_t i = nm->touched[t];
        if (nm->count[i] >= cut && taken < MAX_CANDIDATES) {
            consider(nm, q, i);
            taken++;
        }
        nm->count[i] = 0;
    }
}

/* Entries sharing one part of a multi-part key exactly (same DrugCode). */
static void part_candidates(df_nearmiss *nm, query *q)
{
    uint64_t ks[DF_MAX_KEY + MAX_CPS];
    size_t np = part_keys(q->c, q->n, ks);
    for (size_t p = 0; p < np; p++) {
        uint32_t len;
        const uint32_t *l = postings_get(&nm->parts, ks[p], &len);
        if (len > MAX_PART_CANDIDATES)
            continue; /* a part many entries share (a common PackSpec) tells little */
        for (uint32_t j = 0; j < len; j++)
            consider(nm, q, l[j]);
    }
}

static void add_text(char *buf, size_t cap, const char *t)
{
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "%s%s", l ? "; " : "", t);
}

/* The steps that made the row and the entry equal: each one that, left
 * out, leaves them different; said from the row's side. */
static void explain_steps(const char *row, size_t rl, const entry *e, char *buf, size_t cap)
{
    uint32_t a[MAX_CPS], b[MAX_CPS];
    unsigned rch, cch, x;
    normalise(row, rl, 0, a, &rch);
    normalise(e->key, e->key_len, 0, b, &cch);
    for (int s = 0; s < S_COUNT; s++) {
        if (!((rch | cch) & (1u << s)))
            continue;
        size_t an = normalise(row, rl, 1u << s, a, &x), bn = normalise(e->key, e->key_len, 1u << s, b, &x);
        if (an == bn && !memcmp(a, b, an * sizeof *a))
            continue; /* not needed: they were alike in this respect */
        int r = !!(rch & (1u << s)), c = !!(cch & (1u << s));
        add_text(buf, cap, step_text[s][r && c ? 2 : r ? 0 : 1]);
    }
}

/* Where the normalised forms differ, part by part: "PackSpec '48' → '24'". */
static void explain_edits(const df_nearmiss *nm, const query *q, const entry *e, char *buf, size_t cap)
{
    const uint32_t *b = nm->cps + e->off;
    size_t ai = 0, bi = 0;
    for (int part = 0; ai <= q->n && bi <= e->n; part++) {
        size_t ae = ai, be = bi;
        while (ae < q->n && q->c[ae] != SEP)
            ae++;
        while (be < e->n && b[be] != SEP)
            be++;
        size_t pre = 0, suf = 0, al = ae - ai, bl = be - bi;
        while (pre < al && pre < bl && q->c[ai + pre] == b[bi + pre])
            pre++;
        while (suf < al - pre && suf < bl - pre && q->c[ae - 1 - suf] == b[be - 1 - suf])
            suf++;
        /* A number is shown whole: '12' → '10', not '2' → '0'. */
#define NUM(x) (((x) >= '0' && (x) <= '9') || (x) == '.')
        while (pre > 0 && NUM(q->c[ai + pre - 1]) &&
               ((pre < al - suf && NUM(q->c[ai + pre])) || (pre < bl - suf && NUM(b[bi + pre]))))
            pre--;
        while (suf > 0 && NUM(q->c[ae - suf]) &&
               ((al - suf > pre && NUM(q->c[ae - suf - 1])) || (bl - suf > pre && NUM(b[be - suf - 1]))))
            suf--;
#undef NUM
        if (pre != al || pre != bl) {
            char x[200], y[200], t[480];
            size_t xl = al - pre - suf, yl = bl - pre - suf;
            encode(q->c + ai + pre, xl > 40 ? 40 : xl, x, sizeof x);
            encode(b + bi + pre, yl > 40 ? 40 : yl, y, sizeof y);
            const char *name = nm->cat->def && nm->cat->def->nkey > 1 && part < nm->cat->def->nkey
                                   ? nm->cat->def->record_fields[part] : "";
            if (!xl)
                snprintf(t, sizeof t, "%s%s'%s' missing", name, *name ? " " : "", y);
            else if (!yl)
                snprintf(t, sizeof t, "%s%sextra '%s'", name, *name ? " " : "", x);
            else
                snprintf(t, sizeof t, "%s%s'%s' → '%s'", name, *name ? " " : "", x, y);
            add_text(buf, cap, t);
        }
        ai = ae + 1;
        bi = be + 1;
    }
}

void df_nearmiss_find(df_nearmiss *nm, const char *key, size_t len, df_near *out)
{
    memset(out, 0, sizeof *out);
    if (!nm || !nm->n)
        return;
    static __thread query q;
    unsigned changed;
    q.n = normalise(key, len, 0, q.c, &changed);
    uint64_t h = hash_cps(q.c, q.n);
    for (size_t m = nm->norm_cap - 1, s = (size_t)h & m; nm->norm[s]; s = (s + 1) & m) {
        const entry *e = &nm->e[nm->norm[s] - 1];
        if (e->hash == h && e->n == q.n && !memcmp(nm->cps + e->off, q.c, q.n * sizeof *q.c)) {
            out->found = out->normalised = 1;
            out->key = e->key;
            out->key_len = e->key_len;
            explain_steps(key, len, e, out->differs, sizeof out->differs);
            return;
        }
    }
    int k = (int)(q.n / 5);
    q.k = k < 1 ? 1 : k > DF_NEARMISS_MAX_EDITS ? DF_NEARMISS_MAX_EDITS : k;
    q.best = -1;
    /* A key of several parts: the entries sharing one part exactly first
     * (the same DrugCode: another pack of the same drug is the likeliest
     * meaning); the trigrams only when none of them is near. */
    if (nm->parts.cap)
        part_candidates(nm, &q);
    if (q.best < 0 && !nm->grams_built && !nm->grams_failed) {
        df_error e;
        nm->grams_built = build_postings(nm, &nm->grams, trigrams_all, &e) == 0;
        nm->grams_failed = !nm->grams_built; /* out of memory: no trigram search */
    }
    if (q.best < 0 && nm->grams_built)
        trigram_candidates(nm, &q);
    if (q.best < 0)
        return;
    const entry *e = &nm->e[q.best];
    out->found = 1;
    out->distance = q.best_d;
    out->key = e->key;
    out->key_len = e->key_len;
    unsigned cch;
    static __thread uint32_t tmp[MAX_CPS];
    normalise(e->key, e->key_len, 0, tmp, &cch);
    for (int s = 0; s < S_COUNT; s++) /* the forms each side had that the other had not */
        if ((changed ^ cch) & (1u << s))
            add_text(out->differs, sizeof out->differs, step_text[s][changed & (1u << s) ? 0 : 1]);
    explain_edits(nm, &q, e, out->differs, sizeof out->differs);
}

size_t df_near_format(const df_near *n, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    buf[0] = 0;
    if (!n->found)
        return 0;
    int parts = memchr(n->key, SEP, n->key_len) != NULL;
    size_t o = (size_t)snprintf(buf, cap, "did you mean %s\"", parts ? "(" : "");
    for (size_t i = 0; i < n->key_len && o + 8 < cap; i++) {
        if (n->key[i] == (char)SEP) {
            memcpy(buf + o, "\", \"", 4);
            o += 4;
        } else {
            buf[o++] = n->key[i];
        }
    }
    buf[o] = 0;
    snprintf(buf + o, cap - o, "\"%s%s%s%s", parts ? ")" : "", n->differs[0] ? " (differs: " : "", n->differs,
             n->differs[0] ? ")" : "");
    /* A cut never leaves half a character. */
    size_t l = strlen(buf);
    if (l + 1 >= cap) {
        while (l > 0 && ((unsigned char)buf[l - 1] & 0xC0) == 0x80)
            l--;
        if (l > 0 && ((unsigned char)buf[l - 1] & 0xC0) == 0xC0)
            l--;
        buf[l] = 0;
    }
    return strlen(buf);
}
