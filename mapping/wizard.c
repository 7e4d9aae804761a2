/* mapping/wizard.c — matching an export's columns to fields, guessing date
 * and decimal formats from its sample, and writing the commented draft;
 * see wizard.h. */
#include "mapping/wizard.h"

#include "mapping/decimal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapping/rules.h"
#include "mapping/transform.h"

#define HEADER_SEARCH_ROWS 30
#define NORM_MAX 512
#define MAX_COLUMNS 512

static const df_wizard_names *names_of(const df_wizard_dict *d, const char *field)
{
    for (int i = 0; i < d->nfields; i++)
        if (!strcmp(d->fields[i].field, field))
            return &d->fields[i];
    return NULL;
}

/* The rank of the first name of f equal to h (exact), or -1. */
static int exact_rank(const df_wizard_names *f, const char *h)
{
    for (int k = 0; f && k < f->n; k++)
        if (!strcmp(f->names[k], h))
            return k;
    return -1;
}

/* The longest name of f that h contains, or -1. */
static int partial_rank(const df_wizard_names *f, const char *h)
{
    int best = -1;
    size_t bl = 0;
    for (int k = 0; f && k < f->n; k++) {
        size_t l = strlen(f->names[k]);
        if (l > bl && strstr(h, f->names[k]))
            best = k, bl = l;
    }
    return best;
}

/* The row among the first that names most of dt's fields exactly. */
static int find_header(const df_sample *s, const df_wizard_dict *d, const df_doctype *dt, int *known)
{
    int best = -1;
    *known = 0;
    for (int r = 0; r < s->nrows && r < HEADER_SEARCH_ROWS; r++) {
        int hits = 0;
        for (int c = 0; c < s->rows[r].n; c++) {
            char h[NORM_MAX];
            df_wizard_normalise(s->rows[r].cells[c], h, sizeof h);
            for (int i = 0; i < dt->nfields && h[0]; i++)
                if (exact_rank(names_of(d, dt->fields[i]->name), h) >= 0) {
                    hits++;
                    break;
                }
        }
        if (hits > *known)
            *known = hits, best = r;
    }
    return best;
}

/* Exact matches first (earlier names preferred), then headers that contain a name. */
static int assign(const df_sample_row *hdr, const df_wizard_dict *d, const df_doctype *dt, df_wizard_result *r)
{
    int ncols = hdr->n < MAX_COLUMNS ? hdr->n : MAX_COLUMNS, taken[MAX_COLUMNS] = {0};
    char(*norm)[NORM_MAX] = calloc((size_t)(ncols ? ncols : 1), NORM_MAX);
    if (!norm)
        return -1;
    for (int c = 0; c < ncols; c++)
        df_wizard_normalise(hdr->cells[c], norm[c], NORM_MAX);
    for (int i = 0; i < dt->nfields; i++)
        r->fields[i].column = -1;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < dt->nfields; i++) {
            const df_wizard_names *f = names_of(d, dt->fields[i]->name);
            int best = -1, best_rank = 1 << 30;
            for (int c = 0; c < ncols && r->fields[i].column < 0; c++) {
                int k = taken[c] || !norm[c][0] ? -1 : pass == 0 ? exact_rank(f, norm[c]) : partial_rank(f, norm[c]);
                /* partial: a longer name contained is the better guess */
                int rank = k < 0 ? 0 : pass == 0 ? k : -(int)strlen(f->names[k]);
                if (k >= 0 && rank < best_rank)
                    best = c, best_rank = rank, r->fields[i].name = f->shown[k];
            }
            if (best >= 0 && r->fields[i].column < 0) {
                r->fields[i].column = best;
                r->fields[i].partial = pass == 1;
                taken[best] = 1;
            }
        }
    }
    free(norm);
    size_t o = 0;
    for (int c = 0; c < ncols && o + 1 < sizeof r->unused_columns; c++)
        if (!taken[c] && hdr->cells[c][0])
            o += (size_t)snprintf(r->unused_columns + o, sizeof r->unused_columns - o, "%s%s (column %d)",
                                  o ? ", " : "", hdr->cells[c], c + 1);
    return 0;
}

/* Row r's cell col, trimmed. */
static void cell(const df_sample *s, int r, int col, const char **v, size_t *l)
{
    *v = col < s->rows[r].n ? s->rows[r].cells[col] : "";
    *l = strlen(*v);
    df_trim(v, l);
}

/* A YAML double-quoted scalar. */
static void yq(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

typedef struct column_values {
    int n, empty;
    const char *first;     /* a non-empty value, for the comments */
} column_values;

static column_values values_of(const df_sample *s, int from, int col)
{
    column_values v = {0};
    for (int r = from; r < s->nrows; r++) {
        const char *c = col < s->rows[r].n ? s->rows[r].cells[col] : "";
        const char *t = c;
        size_t l = strlen(c);
        df_trim(&t, &l);
        if (!l)
            v.empty++;
        else if (!v.n++)
            v.first = c;
    }
    return v;
}

/* How many unread values of the column format f reads; with mark, marks them read. */
static int read_by(const df_sample *s, int from, int col, const char *f, char *done, int mark)
{
    int n = 0;
    for (int r = from; r < s->nrows; r++) {
        const char *t;
        size_t l;
        char iso[11];
        cell(s, r, col, &t, &l);
        if (!done[r - from] && l && df_date_parse(f, t, l, iso)) {
            n++;
            done[r - from] |= mark;
        }
    }
    return n;
}

/* The fewest dictionary formats that read every value (greedy), as a YAML list. */
static void guess_dates(FILE *out, const df_sample *s, int from, int col, const df_wizard_dict *d, char *note,
                        size_t nn)
{
    int nr = s->nrows - from, left = 0, chosen[DF_WIZARD_MAX_FORMATS], nch = 0, months = 0;
    char *done = calloc((size_t)(nr > 0 ? nr : 1), 1);
    const char *unread = NULL;
    while (done && nch < d->nformats) {
        int best = -1, best_n = 0;
        for (int f = 0; f < d->nformats; f++) {
            int n = read_by(s, from, col, d->formats[f], done, 0);
            if (n > best_n)
                best = f, best_n = n;
        }
        if (best < 0)
            break;
        chosen[nch++] = best;
        months |= !strstr(d->formats[best], "%d");
        read_by(s, from, col, d->formats[best], done, 1);
    }
    for (int r = 0; done && r < nr; r++) {
        const char *t;
        size_t l;
        cell(s, from + r, col, &t, &l);
        if (l && !done[r] && !left++)
            unread = t;
    }
    free(done);
    if (!nch)
        chosen[nch++] = 0;
    fprintf(out, ", date: [");
    for (int i = 0; i < nch; i++) {
        fprintf(out, "%s", i ? ", " : "");
        yq(out, d->formats[chosen[i]]);
    }
    fprintf(out, "]%s", months ? ", month_day: last" : "");
    if (left)
        snprintf(note, nn, "; %d value(s) are no real date in any known format, e.g. \"%.40s\": add its format "
                 "if it has one, else such rows are E_FORMAT", left, unread);
    else if (months)
        snprintf(note, nn, "; a month (\"2028.04\") stands for its last day (month_day: last, or first)");
}

/* What the decimal values of the sample hold. */
static void guess_decimal(const df_sample *s, int from, int col, char *note, size_t nn)
{
    int plain = 0, normalised = 0, bad = 0;
    const char *eg = NULL, *bad_eg = NULL;
    for (int r = from; r < s->nrows; r++) {
        const char *t;
        size_t l;
        cell(s, r, col, &t, &l);
        if (!l)
            continue;
        char buf[256];
        size_t n = 0;
        if (l >= sizeof buf || df_decimal_normalise(t, l, 0, buf, sizeof buf, &n) != 0)
            n = 0;
        if (df_valid_decimal(t, l, NULL))
            plain++;
        else if (n && df_valid_decimal(buf, n, NULL))
            normalised++, eg = eg ? eg : t;
        else
            bad++, bad_eg = bad_eg ? bad_eg : t;
    }
    if (bad)
        snprintf(note, nn, "; %d value(s) are not numbers, e.g. \"%.40s\"", bad, bad_eg);
    else if (normalised)
        snprintf(note, nn, "; %d value(s) like \"%.40s\" have thousands separators or full-width digits "
                 "(decimal: true reads them)", normalised, eg);
    else if (plain)
        snprintf(note, nn, "; plain numbers");
}

/* One field of the draft: its comment line, then its mapping (commented out when unmatched). */
static void write_field(FILE *out, const df_sample *s, int hdr, const df_wizard_dict *d, const df_field_def *f,
                        const df_wizard_field *wf)
{
    char note[256] = "", pad[32];
    int w = 15 - (int)strlen(f->name); /* the values line up, as in samples/mappings/ */
    snprintf(pad, sizeof pad, "%*s", w < 1 ? 1 : w, "");
    if (wf->column < 0) {
        const df_wizard_names *n = names_of(d, f->name);
        if (!f->required)
            return; /* listed together at the end */
        fprintf(out, "  # REQUIRED: no column matched (known names:");
        for (int k = 0; n && k < n->n && k < 6; k++)
            fprintf(out, " %s", n->shown[k]);
        fprintf(out, "%s): name its column, or give {constant: …}\n  # %s:%s{column: \"…\"}\n",
                n && n->n > 6 ? " …" : "", f->name, pad);
        return;
    }
    const char *h = s->rows[hdr].cells[wf->column];
    column_values v = values_of(s, hdr + 1, wf->column);
    fprintf(out, "  # %s (column %d): %s%s%s; %d sample value(s)", h, wf->column + 1,
            wf->partial ? "a guess, the header contains \"" : "a known header name", wf->partial ? wf->name : "",
            wf->partial ? "\"" : "", v.n);
    if (v.first)
        fprintf(out, ", e.g. \"%.40s\"", v.first);
    if (!v.n && f->required)
        fprintf(out, " — all empty: give it a default, or check the column");
    else if (v.empty && f->required)
        fprintf(out, "; %d empty, which would be E_REQUIRED: add a default if one fits", v.empty);
    fprintf(out, "\n  %s:%s{column: ", f->name, pad);
    yq(out, h);
    if (f->type == DF_FT_DATE)
        guess_dates(out, s, hdr + 1, wf->column, d, note, sizeof note);
    else if (f->type == DF_FT_DECIMAL) {
        fprintf(out, ", decimal: true");
        guess_decimal(s, hdr + 1, wf->column, note, sizeof note);
    }
    fprintf(out, "}%s%s\n", note[0] ? "  #" : "", note[0] ? note + 1 : "");
}

static void write_head(FILE *out, const df_sample *s, const df_doctype *dt, const char *export_path, int hdr,
                       int known, const df_wizard_result *r)
{
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    fprintf(out, "# Draft mapping for document type %s (%s), written by `drugflow mapping init` on %s\n"
            "# from %s (%d sample rows). Every guess is commented: check each one, then preview\n"
            "# the records as they would be sent with\n"
            "#   drugflow convert --mapping THIS-FILE --dry-run --limit 20 %s\n",
            dt->code, dt->title, today, export_path, s->nrows - hdr - 1, export_path);
    if (r->required_missing)
        fprintf(out, "# REQUIRED fields no column matched (the mapping does not load until each has a source):\n"
                "#   %s\n", r->missing_required);
    const char *delim = s->delimiter == '\t' ? "tab" : NULL;
    fprintf(out, "doc_type: %s\nencoding: %-9s # guessed: %s\ncsv:\n  delimiter: ", dt->code,
            df_encoding_name(s->encoding), s->encoding_why);
    if (delim)
        fprintf(out, "tab      ");
    else
        fprintf(out, "\"%c\"      ", s->delimiter);
    fprintf(out, " # guessed: %s\n  quote: '\"'\n  header: true\n  skip_rows: %-8d # guessed: row %d (%s %ld) "
            "names %d known column(s)%s\n", s->delimiter_why, hdr, hdr + 1, s->sheet[0] ? "sheet row" : "line",
            s->rows[hdr].line, known, hdr ? "; the rows above it name fewer: titles, notes" : "");
    if (s->sheet[0]) { /* a YAML double-quoted scalar */
        fputs("  sheet: \"", out);
        for (const char *c = s->sheet; *c; c++)
            fprintf(out, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
        fputs("\"        # the sheet read: the workbook's first unless --sheet said\n", out);
    }
    fputs("fields:\n", out);
}

int df_wizard_draft(const df_sample *s, const df_wizard_dict *d, const df_doctype *dt, const char *export_path,
                    FILE *out, df_wizard_result *r, df_error *err)
{
    memset(r, 0, sizeof *r);
    int known;
    int hdr = find_header(s, d, dt, &known);
    if (hdr < 0) {
        const df_sample_row *first = &s->rows[0];
        return df_errorf(err, "%s: none of the first %d rows names a column the dictionary %s knows for %s "
                         "(the first row begins \"%.60s\"): is --doc-type right? Else write the mapping by hand, "
                         "or add your ERP's header names to the dictionary", export_path,
                         s->nrows < HEADER_SEARCH_ROWS ? s->nrows : HEADER_SEARCH_ROWS, d->path, dt->code,
                         first->n ? first->cells[0] : "");
    }
    r->header_row = hdr;
    if (assign(&s->rows[hdr], d, dt, r) != 0)
        return df_errorf(err, "out of memory");
    size_t o = 0;
    for (int i = 0; i < dt->nfields; i++) {
        r->matched += r->fields[i].column >= 0;
        if (r->fields[i].column < 0 && dt->fields[i]->required) {
            r->required_missing++;
            o += (size_t)snprintf(r->missing_required + o, sizeof r->missing_required - o, "%s%s", o ? ", " : "",
                                  dt->fields[i]->name);
        }
    }
    write_head(out, s, dt, export_path, hdr, known, r);
    char optional[512] = "";
    size_t ol = 0;
    for (int i = 0; i < dt->nfields; i++) {
        write_field(out, s, hdr, d, dt->fields[i], &r->fields[i]);
        if (r->fields[i].column < 0 && !dt->fields[i]->required)
            ol += (size_t)snprintf(optional + ol, sizeof optional - ol, "%s%s", ol ? ", " : "", dt->fields[i]->name);
    }
    if (optional[0])
        fprintf(out, "  # optional fields no column matched (add them if the export has them): %s\n", optional);
    if (r->unused_columns[0])
        fprintf(out, "# columns no field uses: %s\n", r->unused_columns);
    return ferror(out) ? df_error_errno(err, "cannot write the draft") : 0;
}
