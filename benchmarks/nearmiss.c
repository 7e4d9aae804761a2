/* benchmarks/nearmiss.c — how long the near-miss index (mapping/nearmiss.h)
 * takes to build for a catalog export, and to answer: a misspelt key per
 * entry of a sample (a digit changed, brackets made half-width, a space
 * added, in turn), so that every search path is timed.
 *
 *   build/nearmiss CATALOG.csv commodity|partner [QUERIES]
 *
 * Prints the entries, the build time (shared-part index, and the trigram
 * index of multi-part keys, which is built on first need), and the
 * queries answered per second with how many found a suggestion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapping/catalog.h"
#include "mapping/nearmiss.h"
#include "mapping/profile.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Query k: entry k of the catalog, misspelt one of three ways. */
static size_t misspell(const char *key, size_t len, int k, char *out, size_t cap)
{
    size_t o = 0;
    int done = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        char c = key[i];
        if (!done && k % 3 == 0 && c >= '0' && c <= '9' && i + 1 < len && key[i + 1] != '\x1f' && i > len / 2) {
            out[o++] = c == '9' ? '0' : (char)(c + 1); /* a digit off, late in the key */
            done = 1;
        } else if (k % 3 == 1 && (unsigned char)c == 0xEF && i + 2 < len && (unsigned char)key[i + 1] == 0xBC &&
                   ((unsigned char)key[i + 2] == 0x88 || (unsigned char)key[i + 2] == 0x89)) {
            out[o++] = (unsigned char)key[i + 2] == 0x88 ? '(' : ')'; /* （） → () */
            i += 2;
        } else {
            out[o++] = c;
        }
    }
    if (k % 3 == 2)
        out[o++] = ' ';
    return o;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CATALOG.csv commodity|partner [QUERIES]\n", argv[0]);
        return 2;
    }
    static df_profile p;
    df_error err;
    char prof[DF_PATH_MAX];
    if (df_find_shipped("profile/gd-v1.yaml", prof, sizeof prof) != 0 || df_profile_load(&p, prof, &err) != 0) {
        fprintf(stderr, "nearmiss: cannot load the shipped profile\n");
        return 1;
    }
    int ci = df_profile_catalog_index(&p, argv[2]);
    long queries = argc > 3 ? atol(argv[3]) : 20000;
    df_catalog_set set;
    df_catalog_set_init(&set, &p);
    if (ci < 0 || df_catalog_load_csv(&set.cat[ci], argv[1], &err) != 0) {
        fprintf(stderr, "nearmiss: %s\n", ci < 0 ? "no such catalog" : err.msg);
        return 1;
    }
    df_catalog *c = &set.cat[ci];
    df_nearmiss *nm;
    double t0 = now();
    if (df_nearmiss_build(&nm, c, &err) != 0) {
        fprintf(stderr, "nearmiss: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    df_near r;
    df_nearmiss_find(nm, "\x01\x1f\x01", 3, &r); /* no shared part: the trigram index gets built */
    double t2 = now();
    long found = 0, n = 0;
    char q[4096];
    for (size_t s = 0; s < c->cap && n < queries; s++) {
        if (!c->slots[s].hash)
            continue;
        size_t ql = misspell(c->arena + c->slots[s].offset + 4, c->slots[s].len, (int)n, q, sizeof q);
        df_nearmiss_find(nm, q, ql, &r);
        found += r.found;
        n++;
    }
    double t3 = now();
    printf("%zu entries: index %.3f s, trigram index %.3f s (multi-part keys: on first need); %ld queries in "
           "%.3f s (%.0f/s, %.1f us each), %ld with a suggestion\n", df_nearmiss_size(nm), t1 - t0, t2 - t1, n,
           t3 - t2, n / (t3 - t2), (t3 - t2) / n * 1e6, found);
    df_nearmiss_free(nm);
    df_catalog_set_free(&set);
    return 0;
}
