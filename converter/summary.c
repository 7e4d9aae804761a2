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
    if (s->skipped)
        fprintf(f, "  %llu rows skipped (not data: the mapping's skip_footer and skip_if)\n",
                (unsigned long long)s->skipped);
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

/* The --stats figures as a JSON member ,"stats":{…}. */
static void stats_json(const df_convert_summary *s, FILE *f)
{
    const df_convert_stats *t = &s->stats;
    fprintf(f, ",\"stats\":{\"threads\":%d,\"wall_s\":%.3f,\"cpu_s\":%.3f,\"stages_s\":{\"read\":%.3f,\"parse\":%.3f,"
            "\"rows\":%.3f,\"write\":%.3f,\"sign\":%.3f,\"commit\":%.3f,\"sequence\":%.3f},\"waits_s\":{\"workers_idle\":%.3f,"
            "\"workers_commit_queue\":%.3f,\"stream_block\":%.3f,\"sequencer\":%.3f,\"committer_idle\":%.3f},",
            t->threads, t->wall_s, t->cpu_s, t->read_s, t->parse_s, t->rows_s, t->write_s, t->sign_s, t->commit_s,
            t->sequence_s, t->worker_idle_s, t->worker_commit_wait_s, t->stream_block_wait_s, t->sequencer_wait_s,
            t->committer_idle_s);
    fprintf(f, "\"bytes\":{\"input\":%llu,\"read\":%llu,\"xml\":%llu,\"rejects\":%llu},"
            "\"ranges\":{\"bytes\":%zu,\"count\":%llu,\"reparsed\":%llu,\"continued\":%llu,\"streamed_inputs\":%llu},"
            "\"blocks\":{\"count\":%zu,\"bytes\":%zu,\"sequenced\":%llu,\"most_in_use\":%llu,\"slices\":%llu},"
            "\"provenance_bytes\":%llu}",
            (unsigned long long)s->input_bytes, (unsigned long long)t->bytes_read,
            (unsigned long long)t->xml_bytes, (unsigned long long)t->rejects_bytes, t->range_bytes,
            (unsigned long long)t->ranges, (unsigned long long)t->ranges_reparsed,
            (unsigned long long)t->ranges_continued, (unsigned long long)t->stream_inputs, t->nblocks,
            t->block_bytes, (unsigned long long)t->blocks, (unsigned long long)t->max_inflight,
            (unsigned long long)t->slices, (unsigned long long)t->lines_bytes);
}

void df_stats_print(const df_convert_summary *s, FILE *f)
{
    const df_convert_stats *t = &s->stats;
    double wall = t->wall_s > 0 ? t->wall_s : 1e-9;
    fprintf(f, "stats: %.3f s wall, %.3f s CPU (process), %d worker thread%s; a stage's seconds are summed over "
            "its threads\n", t->wall_s, t->cpu_s, t->threads, t->threads == 1 ? "" : "s");
    fprintf(f, "  %-30s %9s %8s  %s\n", "stage", "seconds", "cores", "what went through");
    struct { char what[96]; } st[7];
    snprintf(st[0].what, sizeof st[0].what, "%.1f MB read (input %.1f MB)", t->bytes_read / 1e6, s->input_bytes / 1e6);
    snprintf(st[1].what, sizeof st[1].what, "%llu ranges of %zu KiB", (unsigned long long)t->ranges,
             t->range_bytes >> 10);
    snprintf(st[2].what, sizeof st[2].what, "%llu rows", (unsigned long long)s->rows_read);
    snprintf(st[3].what, sizeof st[3].what, "%.1f MB of records, %llu slices", t->xml_bytes / 1e6,
             (unsigned long long)t->slices);
    snprintf(st[4].what, sizeof st[4].what, "%zu chunks", s->nchunks);
    snprintf(st[5].what, sizeof st[5].what, "%zu chunks (committer thread)", s->nchunks);
    snprintf(st[6].what, sizeof st[6].what, "%llu blocks in order, %.1f MB of rejects.csv",
             (unsigned long long)t->blocks, t->rejects_bytes / 1e6);
    const char *names[7] = {"read (pread)", "parse (libcsv)", "rows (decode, check, render)",
                            "write + digest chunks", "finish + sign chunks", "commit (fsync, rename)",
                            "sequence (calling thread)"};
    double secs[7] = {t->read_s, t->parse_s, t->rows_s, t->write_s, t->sign_s, t->commit_s, t->sequence_s};
    for (int i = 0; i < 7; i++)
        fprintf(f, "  %-30s %9.3f %8.2f  %s\n", names[i], secs[i], secs[i] / wall, st[i].what);
    fprintf(f, "  waits: workers idle %.3f s, workers waiting for the committer %.3f s, stream waiting for a "
            "block %.3f s, sequencer waiting for blocks %.3f s, committer idle %.3f s\n",
            t->worker_idle_s, t->worker_commit_wait_s, t->stream_block_wait_s, t->sequencer_wait_s,
            t->committer_idle_s);
    fprintf(f, "  ranges: %llu, %llu parsed again (first row guessed wrong), %llu continued (block full); "
            "%llu inputs streamed (not splittable)\n", (unsigned long long)t->ranges,
            (unsigned long long)t->ranges_reparsed, (unsigned long long)t->ranges_continued,
            (unsigned long long)t->stream_inputs);
    fprintf(f, "  blocks: %zu of %zu KiB, at most %llu in use; %llu sequenced\n", t->nblocks, t->block_bytes >> 10,
            (unsigned long long)t->max_inflight, (unsigned long long)t->blocks);
    fprintf(f, "  provenance of the records (input, line): %llu bytes for %llu records (%.3f bytes per record)\n",
            (unsigned long long)t->lines_bytes, (unsigned long long)s->accepted,
            s->accepted ? (double)t->lines_bytes / (double)s->accepted : 0.0);
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
    fprintf(f, "},\"skipped_not_data\":%llu,\"provenance_bytes\":%zu,\"limited\":%s,\"dry_run\":%s,\"rejects\":",
            (unsigned long long)s->skipped, prov, s->limited ? "true" : "false", s->dry_run ? "true" : "false");
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
    fputc('}', f);
    if (s->stats.enabled)
        stats_json(s, f);
    fprintf(f, "}\n");
}
