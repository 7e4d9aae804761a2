/* converter/summary.c — bounded unmatched-key counts and summary output; see summary.h. */
#include "converter/summary.h"

#include "base/digest.h"
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

#include "mapping/catalog.h"

int df_topn_put(df_topn *t, const char *key, size_t len, df_topn_entry **e, int *is_new)
{
    *e = NULL;
    *is_new = 0;
    if (!t->slots) {
        t->cap = DF_TOPN_CAP * 2;
        t->slots = calloc(t->cap, sizeof *t->slots);
        if (!t->slots)
            return -1;
    }
    uint64_t h = df_hash_bytes(key, len);
    size_t mask = t->cap - 1, i = (size_t)h & mask;
    while (t->slots[i].key) {
        if (t->slots[i].len == len && memcmp(t->slots[i].key, key, len) == 0) {
            t->slots[i].count++;
            *e = &t->slots[i];
            return 0;
        }
        i = (i + 1) & mask;
    }
    if (t->n >= DF_TOPN_CAP) {
        t->untracked_rows++;
        return 0;
    }
    char *k = malloc(len + 1);
    if (!k)
        return -1;
    memcpy(k, key, len);
    k[len] = 0;
    t->slots[i].key = k;
    t->slots[i].len = len;
    t->slots[i].count = 1;
    t->n++;
    *e = &t->slots[i];
    *is_new = 1;
    return 0;
}

int df_topn_add(df_topn *t, const char *key, size_t len)
{
    df_topn_entry *e;
    int is_new;
    return df_topn_put(t, key, len, &e, &is_new);
}

static int by_count_desc(const void *a, const void *b)
{
    const df_topn_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

df_topn_entry *df_topn_top(const df_topn *t, size_t max, size_t *n)
{
    *n = 0;
    if (!t->n)
        return NULL;
    df_topn_entry *all = malloc(t->n * sizeof *all);
    if (!all)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key)
            all[k++] = t->slots[i];
    qsort(all, k, sizeof *all, by_count_desc);
    *n = k < max ? k : max;
    return all;
}

void df_topn_free(df_topn *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].key), free(t->slots[i].suggestion), free(t->slots[i].columns);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

void df_summary_free(df_convert_summary *s)
{
    for (int i = 0; i < DF_MAX_CATALOGS; i++)
        df_topn_free(&s->unmatched[i]);
    for (size_t i = 0; i < s->nchunks; i++)
        free(s->chunks[i].lines);
    free(s->chunks);
    s->chunks = NULL;
    s->nchunks = 0;
}

/* Prints a joined key with its parts separated by ", ". */
static void print_key(FILE *f, const char *k)
{
    for (; *k; k++) {
        if (*k == '\x1f')
            fputs(", ", f);
        else
            fputc(*k, f);
    }
}

static void hex(FILE *f, const unsigned char *d, size_t n)
{
    char buf[2 * 64 + 1];
    df_hex_encode(d, n < 64 ? n : 64, buf);
    fputs(buf, f);
}

void df_summary_print(const df_convert_summary *s, FILE *f, int top)
{
    fprintf(f, "%s batch %s: %llu rows read, %llu accepted, %llu rejected, %zu chunk%s",
            s->doc_type, s->batch_id, (unsigned long long)s->rows_read,
            (unsigned long long)s->accepted, (unsigned long long)s->rejected, s->nchunks,
            s->nchunks == 1 ? "" : "s");
    if (s->seconds > 0 && !s->limited)
        fprintf(f, " in %.2f s (%.0f rows/s, %.1f MB/s)", s->seconds, s->rows_read / s->seconds,
                s->input_bytes / 1e6 / s->seconds);
    fputc('\n', f);
    for (int r = 0; r < DF_R_COUNT; r++)
        if (s->by_reason[r])
            fprintf(f, "  %-22s %llu rows\n", df_reason_code((df_reason)r), (unsigned long long)s->by_reason[r]);
    if (s->limited)
        fprintf(f, "  stopped after the first %llu rows (--limit); the rest of the input was not read\n",
                (unsigned long long)s->rows_read);
    if (s->dry_run)
        fprintf(f, "  dry run: nothing was written\n");
    else if (s->rejected)
        fprintf(f, "  rejected rows with their reasons: %s\n",
                strcmp(s->rejects_path, "-") ? s->rejects_path : "standard output");
    for (int c = 0; c < s->ncatalogs; c++) {
        size_t n = 0;
        df_topn_entry *e = df_topn_top(&s->unmatched[c], (size_t)top, &n);
        if (n) {
            fprintf(f, "  not in the %s catalog (add them in the enterprise portal, or fix the ERP data):\n",
                    s->catalog_names[c]);
            for (size_t i = 0; i < n; i++) {
                fprintf(f, "    %8llu  ", (unsigned long long)e[i].count);
                print_key(f, e[i].key);
                if (e[i].suggestion)
                    fprintf(f, "\n              %s", e[i].suggestion);
                fputc('\n', f);
            }
            if (s->unmatched[c].n > n)
                fprintf(f, "    … %zu more distinct entries\n", s->unmatched[c].n - n);
        }
        free(e);
        if (s->missing_path[c][0] && s->missing[c])
            fprintf(f, "  %lld %s entr%s missing from the catalog, ready to import in the enterprise portal: %s\n",
                    s->missing[c], s->catalog_names[c], s->missing[c] == 1 ? "y" : "ies", s->missing_path[c]);
    }
}

void df_summary_json(const df_convert_summary *s, FILE *f, int top)
{
    fputc('{', f);
    df_json_version(f);
    fprintf(f, "\"doc_type\":");
    df_json_string(f, s->doc_type, strlen(s->doc_type));
    fprintf(f, ",\"batch_id\":");
    df_json_string(f, s->batch_id, strlen(s->batch_id));
    fprintf(f, ",\"rows_read\":%llu,\"accepted\":%llu,\"rejected\":%llu,\"input_bytes\":%llu,"
            "\"seconds\":%.3f,\"index_seconds\":%.3f,\"reasons\":{",
            (unsigned long long)s->rows_read, (unsigned long long)s->accepted,
            (unsigned long long)s->rejected, (unsigned long long)s->input_bytes, s->seconds, s->index_seconds);
    int first = 1;
    for (int r = 0; r < DF_R_COUNT; r++) {
        if (!s->by_reason[r])
            continue;
        fprintf(f, "%s\"%s\":%llu", first ? "" : ",", df_reason_code((df_reason)r),
                (unsigned long long)s->by_reason[r]);
        first = 0;
    }
    size_t prov = 0;
    for (size_t i = 0; i < s->nchunks; i++)
        prov += s->chunks[i].lines_len;
    fprintf(f, "},\"provenance_bytes\":%zu,\"limited\":%s,\"dry_run\":%s,\"rejects\":", prov,
            s->limited ? "true" : "false", s->dry_run ? "true" : "false");
    df_json_string(f, s->rejects_path, strlen(s->rejects_path));
    fprintf(f, ",\"chunks\":[");
    for (size_t i = 0; i < s->nchunks; i++) {
        const df_chunk_result *c = &s->chunks[i];
        fprintf(f, "%s{\"seq\":%zu,\"path\":", i ? "," : "", i + 1);
        df_json_string(f, c->path, strlen(c->path));
        fprintf(f, ",\"records\":%llu,\"bytes\":%llu", (unsigned long long)c->records,
                (unsigned long long)c->bytes);
        if (c->has_file_sha256) {
            fprintf(f, ",\"sha256\":\"");
            hex(f, c->file_sha256, 32);
            fputc('"', f);
        }
        fputc('}', f);
    }
    fprintf(f, "],\"unmatched\":{");
    for (int c = 0; c < s->ncatalogs; c++) {
        size_t n = 0;
        df_topn_entry *e = df_topn_top(&s->unmatched[c], (size_t)top, &n);
        fprintf(f, "%s\"%s\":{\"distinct\":%zu,\"top\":[", c ? "," : "", s->catalog_names[c],
                s->unmatched[c].n);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%s{\"key\":[", i ? "," : "");
            const char *k = e[i].key, *sep;
            int part = 0;
            for (;;) {
                sep = strchr(k, '\x1f');
                size_t l = sep ? (size_t)(sep - k) : strlen(k);
                fprintf(f, "%s", part++ ? "," : "");
                df_json_string(f, k, l);
                if (!sep)
                    break;
                k = sep + 1;
            }
            fprintf(f, "],\"rows\":%llu", (unsigned long long)e[i].count);
            if (e[i].suggestion) {
                fprintf(f, ",\"suggestion\":");
                df_json_string(f, e[i].suggestion, strlen(e[i].suggestion));
            }
            fputc('}', f);
        }
        fprintf(f, "]}");
        free(e);
    }
    fprintf(f, "}}\n");
}
