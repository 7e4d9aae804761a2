/* report/html.c — the self-contained HTML batch report; see html.h. */
#include "report/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "mapping/rules.h"
#include "base/csv_write.h"
#include "report/fixlist.h"
#include "workspace/run_record.h"

#define TOP_PER_CATALOG 20

/* ---- what a run found, into the journal ---- */

int df_report_save_run(df_journal *j, const df_convert_summary *s, long long skipped_records,
                       const df_stage_time *times, int ntimes, df_error *err)
{
    static df_run_record r; /* large; one writer at a time (the run's main thread) */
    memset(&r, 0, sizeof r);
    snprintf(r.batch, sizeof r.batch, "%s", s->batch_id);
    r.rows_read = (long long)s->rows_read;
    r.accepted = (long long)s->accepted;
    r.rejected = (long long)s->rejected;
    r.skipped = skipped_records;
    r.not_data = (long long)s->skipped;
    r.input_bytes = (long long)s->input_bytes;
    for (int k = 0; k < DF_R_COUNT && r.nreasons < DF_RUN_MAX_REASONS; k++)
        if (s->by_reason[k]) {
            snprintf(r.reasons[r.nreasons].code, sizeof r.reasons[0].code, "%s", df_reason_code((df_reason)k));
            r.reasons[r.nreasons++].rows = (long long)s->by_reason[k];
        }
    for (int c = 0; c < s->ncatalogs && c < DF_MAX_CATALOGS; c++) {
        r.distinct_unmatched[c] = (long long)s->unmatched[c].n;
        size_t n = 0;
        df_topn_entry *e = df_topn_top(&s->unmatched[c], TOP_PER_CATALOG, &n);
        for (size_t i = 0; i < n && r.nunmatched < DF_RUN_MAX_UNMATCHED; i++) {
            __typeof__(r.unmatched[0]) *u = &r.unmatched[r.nunmatched++];
            snprintf(u->catalog, sizeof u->catalog, "%s", s->catalog_names[c]);
            size_t o = 0;
            for (const char *k = e[i].key; *k && o + 3 < sizeof u->key; k++)
                if (*k == '\x1f')
                    u->key[o++] = ',', u->key[o++] = ' ';
                else
                    u->key[o++] = *k;
            u->key[o] = 0;
            u->rows = (long long)e[i].count;
            snprintf(u->suggestion, sizeof u->suggestion, "%s", e[i].suggestion ? e[i].suggestion : "");
        }
        free(e);
    }
    for (int i = 0; i < ntimes && r.ntimings < DF_RUN_MAX_TIMINGS; i++) {
        snprintf(r.timings[r.ntimings].stage, sizeof r.timings[0].stage, "%s", times[i].stage);
        r.timings[r.ntimings++].seconds = times[i].seconds;
    }
    return df_run_record_put(j, &r, err);
}

int df_report_save_time(df_journal *j, const char *batch, const char *stage, double seconds, df_error *err)
{
    return df_run_record_timing(j, batch, stage, seconds, err);
}

/* ---- gathering the page's facts ---- */

typedef struct state_row {
    int chunks;
    long long records, total, passed, failed;
} state_row;

typedef struct fix_rows {
    int max, n, ncols;
    char *cells[64][6];     /* file, line, source, reasons, message, suggestion */
} fix_rows;

typedef struct page {
    df_batch_info b;
    df_run_record run;
    int have_run;
    df_fix_files fix;
    state_row states[DF_CS_COUNT];
    fix_rows rows;
} page;

static int count_state(void *arg, const df_chunk_row *r)
{
    state_row *s = &((page *)arg)->states[r->state];
    s->chunks++;
    s->records += r->records;
    s->total += r->total;
    s->passed += r->passed;
    s->failed += r->failed;
    return 0;
}

static int take_fix_row(void *arg, long row, const char *const *cols, const size_t *lens, int n)
{
    fix_rows *f = arg;
    if (row == 0)
        return 0;
    if (f->n >= f->max || f->n >= 64)
        return 1;
    for (int c = 0; c < 6; c++)
        f->cells[f->n][c] = c < n ? strndup(cols[c], lens[c]) : strdup("");
    f->n++;
    return 0;
}

static int last_batch(void *arg, const df_batch_info *b)
{
    snprintf(arg, 128, "%s", b->id);
    return 0;
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char style[] =
    "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:24px 32px;color:#1d2733;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;"
    "padding-bottom:4px}.meta{color:#5a6978;margin:0 0 12px}.cards{display:flex;gap:12px;flex-wrap:wrap}"
    ".card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;"
    "font-size:22px}.card span{color:#5a6978;font-size:13px}table{border-collapse:collapse;font-size:13px;"
    "margin-top:6px}td,th{border:1px solid #dde3ea;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f3f6f9}td.n{text-align:right}.note{color:#5a6978;font-size:13px}svg text{font-size:12px;"
    "fill:#1d2733}";

/* Horizontal bars, one per value. */
static void bars(FILE *f, const char *label, const char *const *names, const double *v, int n, const char *unit,
                 const char *const *colors)
{
    double max = 0;
    for (int i = 0; i < n; i++)
        max = v[i] > max ? v[i] : max;
    int h = 26 * n + 8;
    fprintf(f, "<svg width=\"760\" height=\"%d\" viewBox=\"0 0 760 %d\" role=\"img\" aria-label=\"", h, h);
    esc(f, label);
    fputs("\">", f);
    for (int i = 0; i < n; i++) {
        double w = max > 0 ? v[i] / max * 420 : 0;
        int y = 4 + 26 * i;
        fprintf(f, "<text x=\"230\" y=\"%d\" text-anchor=\"end\">", y + 14);
        esc(f, names[i]);
        fprintf(f, "</text><rect x=\"240\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>", y, w < 1 && v[i] > 0 ? 1 : w,
                colors[i % 8]);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">", 246 + w, y + 14);
        if (!strcmp(unit, "s"))
            fprintf(f, "%.2f s", v[i]);
        else
            fprintf(f, "%.0f %.*s", v[i], (int)strlen(unit) - (v[i] == 1 && unit[strlen(unit) - 1] == 's'), unit);
        fputs("</text>", f);
    }
    fputs("</svg>\n", f);
}

static const char *const palette[8] = {"#3b7dd8", "#e0803a", "#d64541", "#7a5bc7", "#2e9e6b", "#c9a227", "#5a6978",
                                       "#1fa3b5"};

static void section_rows(FILE *f, const page *pg)
{
    const df_run_record *r = &pg->run;
    fputs("<section id=\"rows\"><h2>Rows</h2>", f);
    if (!pg->have_run) {
        fputs("<p class=\"note\">No conversion of this batch was recorded in this workspace (converted with "
              "<code>drugflow convert</code>, or before this version).</p></section>\n", f);
        return;
    }
    fprintf(f, "<div class=\"cards\"><div class=\"card\"><b>%lld</b><span>rows read</span></div>"
               "<div class=\"card\"><b>%lld</b><span>accepted</span></div>"
               "<div class=\"card\"><b>%lld</b><span>rejected</span></div>"
               "<div class=\"card\"><b>%lld</b><span>skipped (not data: footers, subtotals)</span></div>"
               "<div class=\"card\"><b>%lld</b><span>records skipped (already on the server)</span></div></div>",
            r->rows_read, r->accepted, r->rejected, r->not_data, r->skipped);
    double total = (double)(r->accepted + r->rejected);
    double wa = total > 0 ? (double)r->accepted / total * 720 : 0;
    fprintf(f, "<svg width=\"760\" height=\"34\" role=\"img\" aria-label=\"accepted and rejected rows\">"
               "<rect x=\"0\" y=\"8\" width=\"%.1f\" height=\"18\" fill=\"#2e9e6b\"/>"
               "<rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"18\" fill=\"#d64541\"/></svg>", wa, wa, 720 - wa);
    fputs("</section>\n", f);
}

static void section_reasons(FILE *f, const page *pg)
{
    fputs("<section id=\"reasons\"><h2>Rejects per reason</h2>", f);
    const char *names[DF_RUN_MAX_REASONS];
    double v[DF_RUN_MAX_REASONS];
    for (int i = 0; i < pg->run.nreasons; i++)
        names[i] = pg->run.reasons[i].code, v[i] = (double)pg->run.reasons[i].rows;
    if (pg->run.nreasons)
        bars(f, "rejected rows per reason", names, v, pg->run.nreasons, "rows", palette);
    else
        fputs("<p class=\"note\">No row was rejected.</p>", f);
    fputs("</section>\n", f);
}

static void section_unmatched(FILE *f, const page *pg)
{
    fputs("<section id=\"unmatched\"><h2>Top unmatched catalog entries</h2>", f);
    if (!pg->run.nunmatched) {
        fputs("<p class=\"note\">Every partner and commodity matched the catalogs.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>catalog</th><th>entry in the rows</th><th>rows</th><th>suggestion</th></tr>", f);
    for (int i = 0; i < pg->run.nunmatched; i++) {
        fputs("<tr><td>", f);
        esc(f, pg->run.unmatched[i].catalog);
        fputs("</td><td>", f);
        esc(f, pg->run.unmatched[i].key);
        fprintf(f, "</td><td class=\"n\">%lld</td><td>", pg->run.unmatched[i].rows);
        esc(f, pg->run.unmatched[i].suggestion[0] ? pg->run.unmatched[i].suggestion : "— (missing: see missing-*.csv)");
        fputs("</td></tr>", f);
    }
    fputs("</table></section>\n", f);
}

/* drugflow's word for a chunk state, for people: lower case, so that the
 * page never repeats a protocol's state names (they are the profile's). */
static const char *state_word(int s)
{
    static const char *const words[] = {"written", "signed", "uploading", "pending", "refused",
                                        "passed",  "partial", "failed"};
    return s >= 0 && (size_t)s < sizeof words / sizeof *words ? words[s] : df_chunk_state_name((df_chunk_state)s);
}

static void section_chunks(FILE *f, const page *pg)
{
    static const char *const colors[DF_CS_COUNT] = {"#aab4bf", "#aab4bf", "#7a8794", "#5a6978", "#8e2b2b",
                                                    "#2e9e6b", "#e0803a", "#d64541"};
    fputs("<section id=\"chunks\"><h2>Chunks by server state</h2>", f);
    const char *names[DF_CS_COUNT], *cols[DF_CS_COUNT];
    double v[DF_CS_COUNT];
    int n = 0;
    for (int s = 0; s < DF_CS_COUNT; s++)
        if (pg->states[s].chunks) {
            names[n] = state_word(s);
            cols[n] = colors[s];
            v[n++] = pg->states[s].chunks;
        }
    if (!n) {
        fputs("<p class=\"note\">No chunk of this batch is in the journal.</p></section>\n", f);
        return;
    }
    bars(f, "chunks per server state", names, v, n, "chunks", cols);
    fputs("<table><tr><th>state</th><th>chunks</th><th>records</th><th>checked by the server</th><th>passed</th>"
          "<th>failed</th></tr>", f);
    for (int s = 0; s < DF_CS_COUNT; s++) {
        const state_row *r = &pg->states[s];
        if (!r->chunks)
            continue;
        fprintf(f, "<tr><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                   "<td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>",
                state_word(s), r->chunks, r->records,
                r->total, r->passed, r->failed);
    }
    fputs("</table>", f);
    if (pg->fix.unlisted)
        fprintf(f, "<p class=\"note\">The server failed %lld more record(s) without listing them (it lists at most "
                   "100 per file).</p>", pg->fix.unlisted);
    if (pg->fix.whole_files)
        fprintf(f, "<p class=\"note\">%d chunk(s) failed as a whole (see server-errors.csv).</p>", pg->fix.whole_files);
    fputs("</section>\n", f);
}

static void section_timings(FILE *f, const page *pg)
{
    fputs("<section id=\"timings\"><h2>Time per stage</h2>", f);
    const char *names[DF_RUN_MAX_TIMINGS];
    double v[DF_RUN_MAX_TIMINGS];
    for (int i = 0; i < pg->run.ntimings; i++)
        names[i] = pg->run.timings[i].stage, v[i] = pg->run.timings[i].seconds;
    if (pg->run.ntimings)
        bars(f, "seconds per stage", names, v, pg->run.ntimings, "s", palette);
    else
        fputs("<p class=\"note\">No timings recorded.</p>", f);
    fputs("<p class=\"note\">Stages overlap: chunks are uploaded while later ones are converted.</p></section>\n", f);
}

static void section_fixlist(FILE *f, const page *pg)
{
    long long total = pg->fix.fix.from_drugflow + pg->fix.fix.from_server;
    fprintf(f, "<section id=\"fixlist\"><h2>Fix list</h2><p class=\"meta\">%lld row(s) to fix: %lld rejected by "
               "drugflow, %lld failed by the server — all of them in <code>", total, pg->fix.fix.from_drugflow,
            pg->fix.fix.from_server);
    esc(f, pg->fix.fixlist_path);
    fprintf(f, "</code>. The first %d:</p>", pg->rows.n);
    if (!pg->rows.n) {
        fputs("<p class=\"note\">Nothing to fix.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>file</th><th>line</th><th>source</th><th>reasons</th><th>message</th><th>suggestion</th></tr>",
          f);
    for (int i = 0; i < pg->rows.n; i++) {
        fputs("<tr>", f);
        for (int c = 0; c < 6; c++) {
            fputs(c == 1 ? "<td class=\"n\">" : "<td>", f);
            esc(f, pg->rows.cells[i][c]);
            fputs("</td>", f);
        }
        fputs("</tr>", f);
    }
    fputs("</table></section>\n", f);
}

static void render(FILE *f, const page *pg)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
          "Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>drugflow batch ", f);
    esc(f, pg->b.id);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>Batch ", style);
    esc(f, pg->b.id);
    fputs("</h1><p class=\"meta\">", f);
    esc(f, pg->b.doc_type);
    fputs(" · period ", f);
    esc(f, pg->b.period);
    fputs(" · created ", f);
    esc(f, pg->b.created_at);
    if (pg->have_run) {
        fputs(" · last run ended ", f);
        esc(f, pg->run.at);
    }
    fputs(" · folder <code>", f);
    esc(f, pg->b.out_dir);
    fputs("</code></p>\n", f);
    section_rows(f, pg);
    section_reasons(f, pg);
    section_unmatched(f, pg);
    section_chunks(f, pg);
    section_timings(f, pg);
    section_fixlist(f, pg);
    fputs("<p class=\"note\">Made by drugflow. Fix rows in the ERP (or add the entries of missing-*.csv in the "
          "enterprise portal), then run the batch again.</p></body></html>\n", f);
}

/* The facts of the page, from the journal and the batch's folder. */
static int gather(df_journal *j, const df_report_options *o, page *pg, df_error *err)
{
    char batch[128] = "";
    int found;
    if (o->batch)
        snprintf(batch, sizeof batch, "%s", o->batch);
    else if (df_journal_batches(j, last_batch, batch, err) != 0)
        return -1;
    if (!batch[0])
        return df_errorf(err, "the workspace %s holds no batch yet", df_journal_workspace(j));
    if (df_journal_batch_get(j, batch, &pg->b, &found, err) != 0)
        return -1;
    if (!found)
        return df_errorf(err, "batch %s is not in the journal of %s", batch, df_journal_workspace(j));
    if (df_fix_files_write(j, batch, pg->b.out_dir, DF_CSV_EXCEL, &pg->fix, err) != 0 ||
        df_run_record_get(j, batch, &pg->run, &pg->have_run, err) != 0 ||
        df_journal_chunks(j, batch, DF_JSEL_ALL, count_state, pg, err) != 0)
        return -1;
    pg->rows.max = o->fix_rows > 0 ? o->fix_rows : 20;
    return df_fixlist_read(pg->fix.fixlist_path, take_fix_row, &pg->rows, err);
}

int df_report_write(df_journal *j, const df_report_options *o, char *path, size_t n, df_error *err)
{
    page *pg = calloc(1, sizeof *pg);
    if (!pg)
        return df_errorf(err, "out of memory");
    int rc = gather(j, o, pg, err);
    if (rc == 0 && o->out)
        snprintf(path, n, "%s", o->out);
    else if (rc == 0)
        rc = df_path_join(path, n, pg->b.out_dir, "report.html", err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = rc == 0 ? open_memstream(&buf, &len) : NULL;
    if (rc == 0 && !f)
        rc = df_errorf(err, "out of memory");
    if (f) {
        render(f, pg);
        rc = fclose(f) == 0 ? df_atomic_write_file(path, buf, len, err) : df_errorf(err, "out of memory");
    }
    free(buf);
    for (int i = 0; i < pg->rows.n; i++)
        for (int c = 0; c < 6; c++)
            free(pg->rows.cells[i][c]);
    free(pg);
    return rc;
}
