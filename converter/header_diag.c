/* converter/header_diag.c — explaining a header without the mapped columns; see header_diag.h. */
#include "converter/header_diag.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "converter/decode.h"
#include "mapping/encoding.h"
#include "mapping/transform.h"

#define CELL_BYTES 1024   /* of a field, decoded for comparing and showing */
#define SHOWN_MAX 1200    /* bytes of the header row shown */
#define WANTED_MAX 64

/* One pass of libcsv over the head, in one encoding: the header row as
 * shown, and the first other row holding every wanted name. */
typedef struct scan {
    df_decoder dec;
    const char *const *wanted;
    int nwanted;
    unsigned char found[WANTED_MAX];
    int nfound;
    int header_row;           /* skip_rows: the row read as the header */
    int row;                  /* non-blank rows so far */
    long line, row_start;     /* physical lines, as the CSV reader counts them */
    int last_cr, nfields;
    char shown[SHOWN_MAX + 64];
    size_t shown_len;
    long header_line;         /* 0: the head has no row header_row */
    int header_has_all;       /* the header row holds every wanted name */
    int match_row;            /* -1: none */
    long match_line;
} scan;

/* Appends the decoded cell to s->shown, «quoted», control characters and
 * U+FEFF escaped (they are what makes a name look right and not match). */
static void show_cell(scan *s, const char *c, size_t n)
{
    char *o = s->shown + s->shown_len;
    size_t room = SHOWN_MAX - s->shown_len, k = 0;
    if (room < 16) {
        if (s->shown_len < SHOWN_MAX + 8 && !strstr(s->shown, ", …"))
            s->shown_len += (size_t)sprintf(o, ", …");
        return;
    }
    k += (size_t)sprintf(o + k, "%s«", s->nfields ? ", " : "");
    for (size_t i = 0; i < n && k + 12 < room; i++) {
        unsigned char b = (unsigned char)c[i];
        if (b == '\t' || b == '\r' || b == '\n')
            k += (size_t)sprintf(o + k, "\\%c", b == '\t' ? 't' : b == '\r' ? 'r' : 'n');
        else if (b < 0x20 || b == 0x7F)
            k += (size_t)sprintf(o + k, "\\x%02X", b);
        else if (b == 0xEF && i + 2 < n && (unsigned char)c[i + 1] == 0xBB && (unsigned char)c[i + 2] == 0xBF) {
            k += (size_t)sprintf(o + k, "\\uFEFF");
            i += 2;
        } else
            o[k++] = (char)b;
    }
    k += (size_t)sprintf(o + k, "»");
    s->shown_len += k;
}

static void on_field(void *data, size_t len, void *ctx)
{
    scan *s = ctx;
    const char *f = data ? data : "";
    if (s->row_start == 0)
        s->row_start = s->line;
    s->last_cr = 0;
    for (size_t i = 0; i < len; i++)
        s->line += f[i] == '\n';
    char cell[CELL_BYTES * 3 + 1];
    size_t cl = df_decode_lossy(&s->dec, f, len < CELL_BYTES ? len : CELL_BYTES, cell, sizeof cell - 1);
    if (s->row == s->header_row)
        show_cell(s, cell, cl);
    const char *t = cell;
    df_trim(&t, &cl);
    for (int w = 0; w < s->nwanted; w++)
        if (!s->found[w] && strlen(s->wanted[w]) == cl && !memcmp(s->wanted[w], t, cl)) {
            s->found[w] = 1;
            s->nfound++;
        }
    s->nfields++;
}

static void on_row(int term, void *ctx)
{
    scan *s = ctx;
    if (s->nfields == 0 && term == '\n' && s->last_cr) {
        s->last_cr = 0; /* the LF of a CRLF */
        return;
    }
    if (s->nfields > 0) {
        int all = s->nwanted > 0 && s->nfound == s->nwanted;
        if (s->row == s->header_row) {
            s->header_line = s->row_start;
            s->header_has_all = all;
        } else if (all && s->match_row < 0 && s->row < DF_HEADER_DIAG_ROWS) {
            s->match_row = s->row;
            s->match_line = s->row_start;
        }
        s->row++;
    }
    s->last_cr = term == '\r';
    if (term == '\r' || term == '\n')
        s->line++;
    s->row_start = 0;
    s->nfields = s->nfound = 0;
    memset(s->found, 0, sizeof s->found);
}

static int no_space(unsigned char c) { (void)c; return 0; }

/* 0, or -1 when iconv or libcsv cannot be set up (then nothing is said). */
static int scan_head(scan *s, const unsigned char *b, size_t len, df_encoding enc, int skip_rows, char delim,
                     const char *const *wanted, int nwanted)
{
    memset(s, 0, sizeof *s);
    s->wanted = wanted;
    s->nwanted = nwanted < WANTED_MAX ? nwanted : WANTED_MAX;
    s->header_row = skip_rows;
    s->line = 1;
    s->match_row = -1;
    df_error err;
    if (df_decoder_open(&s->dec, enc, &err) != 0)
        return -1;
    /* The reader drops the mark of the encoding it reads. */
    if (enc == DF_ENC_UTF8 && len >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
        b += 3, len -= 3;
    else if (enc == DF_ENC_GB18030 && len >= 4 && !memcmp(b, "\x84\x31\x95\x33", 4))
        b += 4, len -= 4;
    struct csv_parser p;
    if (csv_init(&p, CSV_REPALL_NL) != 0) {
        df_decoder_close(&s->dec);
        return -1;
    }
    csv_set_space_func(&p, no_space);
    csv_set_delim(&p, (unsigned char)delim);
    csv_set_quote(&p, '"');
    csv_parse(&p, b, len, on_field, on_row, s);
    csv_fini(&p, on_field, on_row, s);
    csv_free(&p);
    df_decoder_close(&s->dec);
    return 0;
}

static void say(char *out, size_t cap, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
    if (*at + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *at, cap - *at, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= cap - *at) {
        /* Cut short: end on a character boundary and a newline. */
        size_t e = cap - 2;
        while (e > *at && ((unsigned char)out[e] & 0xC0) == 0x80)
            e--;
        out[e] = '\n';
        out[e + 1] = 0;
        *at = cap - 1;
        return;
    }
    *at += (size_t)n;
}

static long line_at(const unsigned char *b, size_t off)
{
    long l = 1;
    for (size_t i = 0; i < off; i++)
        l += b[i] == '\n';
    return l;
}

static int has_non_ascii(const unsigned char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (b[i] >= 0x80)
            return 1;
    return 0;
}

/* The encoding the bytes point to instead of the declared one (-1: none),
 * with the reason said. */
static int encoding_cause(const unsigned char *b, size_t len, df_encoding decl, char *out, size_t cap, size_t *at)
{
    size_t bad = 0;
    if (df_text_valid(decl, b, len, 1, &bad)) {
        /* Valid as declared; UTF-8 text read as GBK often is too. */
        if (decl != DF_ENC_UTF8 && has_non_ascii(b, len) && df_text_valid(DF_ENC_UTF8, b, len, 1, NULL))
            return DF_ENC_UTF8; /* said by the caller if the names are found that way */
        return -1;
    }
    long line = line_at(b, bad);
    const char *name = df_encoding_name(decl);
    if (decl == DF_ENC_UTF8 && df_text_valid(DF_ENC_GBK, b, len, 1, NULL)) {
        say(out, cap, at, "byte %zu (line %ld) is not UTF-8, and the bytes are valid GBK: the export is GBK: "
            "set encoding: GBK\n", bad + 1, line);
        return DF_ENC_GBK;
    }
    if (decl != DF_ENC_GB18030 && df_text_valid(DF_ENC_GB18030, b, len, 1, NULL)) {
        say(out, cap, at, "byte %zu (line %ld) is not %s, and the bytes are valid GB18030 (a character GBK "
            "lacks, such as a four-byte sequence): set encoding: GB18030\n", bad + 1, line, name);
        return DF_ENC_GB18030;
    }
    if (decl != DF_ENC_UTF8 && df_text_valid(DF_ENC_UTF8, b, len, 1, NULL)) {
        say(out, cap, at, "byte %zu (line %ld) is not %s, and the bytes are valid UTF-8: set encoding: UTF-8\n",
            bad + 1, line, name);
        return DF_ENC_UTF8;
    }
    say(out, cap, at, "byte %zu (line %ld) is not %s, nor valid in UTF-8, GBK or GB18030: export the file "
        "again as UTF-8 or GBK CSV\n", bad + 1, line, name);
    return -1;
}

/* Where the wanted names are when the bytes are read as `enc`, said as
 * what to set; 1 if said. */
static int names_under(const unsigned char *b, size_t len, df_encoding enc, int skip_rows, char delim,
                       const char *const *wanted, int nwanted, char *out, size_t cap, size_t *at)
{
    scan a;
    if (scan_head(&a, b, len, enc, skip_rows, delim, wanted, nwanted) != 0)
        return 0;
    const char *name = df_encoding_name(enc);
    if (a.header_has_all)
        say(out, cap, at, "read as %s, the header row (line %ld) has the mapped names: set encoding: %s\n", name,
            a.header_line, name);
    else if (a.match_row >= 0)
        say(out, cap, at, "read as %s, the header looks like it is on line %ld: set encoding: %s and "
            "skip_rows: %d\n", name, a.match_line, name, a.match_row);
    return a.header_has_all || a.match_row >= 0;
}

/* UTF-16 without a byte order mark: most of the first characters are
 * ASCII, so one byte of each pair is zero ("UTF-16 LE" when the second). */
static const char *utf16_unmarked(const unsigned char *b, size_t len)
{
    size_t n = len < 4096 ? len & ~(size_t)1 : 4096, zero[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        zero[i & 1] += b[i] == 0;
    if (n < 4)
        return NULL;
    if (zero[1] * 3 >= n && zero[0] * 10 < n)
        return "UTF-16 LE";
    if (zero[0] * 3 >= n && zero[1] * 10 < n)
        return "UTF-16 BE";
    return NULL;
}

void df_header_diagnose(const unsigned char *head, size_t len, const char *encoding_declared, int skip_rows,
                        char delimiter, const char *const *wanted, int nwanted, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    out[0] = 0;
    size_t at = 0, said;
    df_encoding decl = DF_ENC_UTF8;
    if (encoding_declared)
        df_encoding_parse(encoding_declared, &decl);
    const char *bom = df_unicode_bom(head, len);
    scan s;
    int scanned = scan_head(&s, head, len, decl, skip_rows, delimiter, wanted, nwanted) == 0;
    if (scanned && s.header_line)
        say(out, cap, &at, "the header row read (line %ld): %.*s\n", s.header_line, (int)s.shown_len, s.shown);
    else if (scanned)
        say(out, cap, &at, "no header row in the first %zu bytes: they hold %d rows, and skip_rows: %d skips "
            "them all\n", len, s.row, skip_rows);
    said = at;
    if (bom) {
        say(out, cap, &at, "the file is %s (it starts with a byte order mark): save it as UTF-8 or GBK (in Excel: "
            "Save As, \"CSV UTF-8\")\n", bom);
        return;
    }
    if ((bom = utf16_unmarked(head, len))) {
        say(out, cap, &at, "the file looks like %s without a byte order mark (every other byte is zero): "
            "drugflow reads UTF-8, GBK or GB18030: save it as UTF-8 or GBK (in Excel: Save As, \"CSV UTF-8\")\n",
            bom);
        return;
    }
    int sugg = -1;
    if (decl != DF_ENC_UTF8 && len >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3)) {
        say(out, cap, &at, "the file starts with a UTF-8 byte order mark, which encoding: %s reads as part of the "
            "first column name: the export is UTF-8: set encoding: UTF-8\n", df_encoding_name(decl));
        sugg = DF_ENC_UTF8;
    } else {
        /* Valid UTF-8 read as GBK is suggested silently: said only if the names show up that way. */
        sugg = encoding_cause(head, len, decl, out, cap, &at);
    }
    if (scanned && !s.header_has_all && s.match_row >= 0)
        say(out, cap, &at, "the header looks like it is on line %ld: set skip_rows: %d\n", s.match_line,
            s.match_row);
    else if (sugg >= 0 && !(scanned && s.header_has_all))
        names_under(head, len, (df_encoding)sugg, skip_rows, delimiter, wanted, nwanted, out, cap, &at);
    if (at == said && nwanted > 0) {
        say(out, cap, &at, "neither the encoding nor skip_rows explains it: the mapping's name%s ", nwanted > 1 ?
            "s" : "");
        for (int i = 0; i < nwanted; i++)
            say(out, cap, &at, "%s«%s»", i ? ", " : "", wanted[i]);
        say(out, cap, &at, " differ%s from the header's: fix %s in the mapping or the export\n", nwanted > 1 ? "" :
            "s", nwanted > 1 ? "them" : "it");
    }
}
