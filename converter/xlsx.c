/* converter/xlsx.c — an Excel .xlsx export as a stream of rows: finds the
 * workbook and the sheet through the package relationships, loads the date
 * styles and shared strings, then streams the sheet's rows (converter/xlsx.h). */
#include "converter/xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "converter/xlsx_cell.h"
#include "converter/xlsx_part.h"
#include "converter/xlsx_sst.h"

#define MAX_SHEETS 4096
#define MAX_XFS (256 * 1024)
#define MAX_NUMFMTS 65536
#define ATTR_CAP 1024

const df_xlsx_limits df_xlsx_default_limits = {DF_XLSX_PART_MAX, DF_XLSX_RATIO_MAX, DF_XLSX_SST_MEMORY};

typedef struct sheet_ref {
    char *name, *rid;
} sheet_ref;

struct df_xlsx {
    char path[1024];
    df_xlsx_limits lim;
    zip_t *za;
    uint64_t file_size;
    int date1904;
    char wb_dir[512];              /* the workbook part's folder, with its slash */
    sheet_ref *sheets;
    int nsheets, chosen;
    char sheet_part[512], sst_part[512], styles_part[512];
    unsigned char *xf_kind;        /* cellXfs index -> enum df_xlsx_datekind */
    size_t nxf;
    df_sst sst;
    df_xlsx_part sheet;
    int sheet_done;
    long row_no;                   /* the current row's number */
    int col;                       /* the current cell's column (1-based), for errors */
    char *arena;                   /* the current row's fields, DF_CSV_MAX_ROW + 1 */
    size_t arena_len;
    size_t foff[DF_CSV_MAX_FIELDS];
    char *vbuf;                    /* the current cell's text */
    size_t vlen, vcap;
};

/* ------------------------------------------------------------ helpers */

/* "A" .. "XFD" of column c, into buf (8 bytes). */
static const char *col_name(int c, char *buf)
{
    char t[8];
    int n = 0;
    for (; c > 0 && n < 7; c = (c - 1) / 26)
        t[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++)
        buf[i] = t[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

/* err = "PATH: sheet NAME row N column C: " + err, for the row being read. */
static int cell_error(df_xlsx *x, df_error *err)
{
    char cn[8];
    const char *name = x->sheets[x->chosen].name;
    if (x->row_no > 0 && x->col > 0)
        return df_error_prefix(err, "%s: sheet %s row %ld column %s", x->path, name, x->row_no, col_name(x->col, cn));
    if (x->row_no > 0)
        return df_error_prefix(err, "%s: sheet %s row %ld", x->path, name, x->row_no);
    return df_error_prefix(err, "%s: sheet %s", x->path, name);
}

/* Resolves a relationship target against the folder of its source part:
 * "/xl/a.xml" is absolute, "worksheets/s.xml" relative, "../x" goes up. */
static void resolve_target(const char *dir, const char *target, char *out, size_t cap)
{
    char tmp[1024];
    if (target[0] == '/')
        snprintf(tmp, sizeof tmp, "%s", target + 1);
    else
        snprintf(tmp, sizeof tmp, "%s%s", dir, target);
    /* collapse "seg/../" */
    char *p;
    while ((p = strstr(tmp, "/../")) != NULL) {
        char *s = p;
        while (s > tmp && s[-1] != '/')
            s--;
        memmove(s, p + 4, strlen(p + 4) + 1);
    }
    while (!strncmp(tmp, "../", 3))
        memmove(tmp, tmp + 3, strlen(tmp + 3) + 1);
    snprintf(out, cap, "%s", tmp);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ------------------------------------------------------- the package */

typedef int (*rel_fn)(df_xlsx *x, const char *id, const char *type, const char *target, df_error *err);

/* Calls fn for each Relationship of the .rels part name. */
static int each_relationship(df_xlsx *x, const char *name, int required, rel_fn fn, df_error *err)
{
    df_xlsx_part p;
    int rc = df_xlsx_part_open(x->za, name, &x->lim, required, &p, err);
    if (rc <= 0)
        return rc;
    static const char *const names[] = {"Id", "Type", "Target"};
    char a[3][ATTR_CAP];
    char *bufs[3] = {a[0], a[1], a[2]};
    while ((rc = df_xlsx_part_read(&p, err)) == 1) {
        if (df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "Relationship") &&
            df_xlsx_attrs(p.r, names, bufs, ATTR_CAP, 3) == 7 && fn(x, a[0], a[1], a[2], err) != 0) {
            rc = -1;
            break;
        }
    }
    df_xlsx_part_close(&p);
    return rc < 0 ? -1 : 1;
}

static int root_rel(df_xlsx *x, const char *id, const char *type, const char *target, df_error *err)
{
    (void)id, (void)err;
    if (ends_with(type, "/officeDocument") && x->wb_dir[0] == '\0') {
        char part[512];
        resolve_target("", target, part, sizeof part);
        snprintf(x->sheet_part, sizeof x->sheet_part, "%s", part); /* the workbook, for now */
        char *s = strrchr(part, '/');
        if (s)
            s[1] = '\0';
        else
            part[0] = '\0';
        snprintf(x->wb_dir, sizeof x->wb_dir, "%s", part[0] ? part : "./");
    }
    return 0;
}

static int workbook_rel(df_xlsx *x, const char *id, const char *type, const char *target, df_error *err)
{
    const char *dir = strcmp(x->wb_dir, "./") ? x->wb_dir : "";
    if (ends_with(type, "/sharedStrings"))
        resolve_target(dir, target, x->sst_part, sizeof x->sst_part);
    else if (ends_with(type, "/styles"))
        resolve_target(dir, target, x->styles_part, sizeof x->styles_part);
    else if (x->chosen >= 0 && !strcmp(id, x->sheets[x->chosen].rid)) {
        if (!ends_with(type, "/worksheet"))
            return df_errorf(err, "sheet '%s' is not a worksheet (a chart or dialog sheet); name a worksheet",
                             x->sheets[x->chosen].name);
        resolve_target(dir, target, x->sheet_part, sizeof x->sheet_part);
    }
    return 0;
}

/* Reads workbook.xml: the sheets in order and the date system. */
static int read_workbook(df_xlsx *x, const char *name, df_error *err)
{
    df_xlsx_part p;
    if (df_xlsx_part_open(x->za, name, &x->lim, 1, &p, err) < 0)
        return -1;
    static const char *const names[] = {"name", "id", "date1904"};
    char a[3][ATTR_CAP];
    char *bufs[3] = {a[0], a[1], a[2]};
    int rc;
    while ((rc = df_xlsx_part_read(&p, err)) == 1) {
        if (df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "workbookPr")) {
            if (df_xlsx_attrs(p.r, names, bufs, ATTR_CAP, 3) & 4)
                x->date1904 = !strcmp(a[2], "1") || !strcasecmp(a[2], "true");
        } else if (df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "sheet")) {
            if ((df_xlsx_attrs(p.r, names, bufs, ATTR_CAP, 3) & 3) != 3) {
                rc = df_errorf(err, "%s: a <sheet> without name or r:id", name);
                break;
            }
            if (x->nsheets == MAX_SHEETS) {
                rc = df_errorf(err, "%s: more than %d sheets", name, MAX_SHEETS);
                break;
            }
            if (x->nsheets % 16 == 0) {
                sheet_ref *s = realloc(x->sheets, (size_t)(x->nsheets + 16) * sizeof *s);
                if (!s) {
                    rc = df_errorf(err, "out of memory");
                    break;
                }
                x->sheets = s;
            }
            x->sheets[x->nsheets].name = strdup(a[0]);
            x->sheets[x->nsheets].rid = strdup(a[1]);
            if (!x->sheets[x->nsheets].name || !x->sheets[x->nsheets].rid) {
                free(x->sheets[x->nsheets].name);
                free(x->sheets[x->nsheets].rid);
                rc = df_errorf(err, "out of memory");
                break;
            }
            x->nsheets++;
        }
    }
    df_xlsx_part_close(&p);
    if (rc < 0)
        return -1;
    if (x->nsheets == 0)
        return df_errorf(err, "%s: the workbook has no sheets", name);
    return 0;
}

/* Picks the sheet by name (exact, else ignoring ASCII case, as Excel does),
 * or -1 with the list of names. */
static int choose_sheet(df_xlsx *x, const char *sheet, df_error *err)
{
    if (!sheet) {
        x->chosen = 0;
        return 0;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < x->nsheets; i++)
            if (pass == 0 ? !strcmp(x->sheets[i].name, sheet) : !strcasecmp(x->sheets[i].name, sheet)) {
                x->chosen = i;
                return 0;
            }
    char list[1500];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; i < x->nsheets && n < sizeof list - 8; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", x->sheets[i].name);
    if (n >= sizeof list - 8)
        snprintf(list + sizeof list - 8, 8, ", ...");
    return df_errorf(err, "no sheet '%s'; the workbook has: %s", sheet, list);
}

/* ---------------------------------------------------------- styles */

typedef struct numfmt {
    long id;
    unsigned char kind;
} numfmt;

static enum df_xlsx_datekind fmt_kind(const numfmt *f, size_t nf, long id)
{
    for (size_t i = 0; i < nf; i++)
        if (f[i].id == id)
            return f[i].kind;
    return df_xlsx_builtin_kind(id);
}

/* Reads styles.xml: which cell formats (cellXfs) show dates. */
static int read_styles(df_xlsx *x, df_error *err)
{
    df_xlsx_part p;
    int rc = x->styles_part[0] ? df_xlsx_part_open(x->za, x->styles_part, &x->lim, 0, &p, err) : 0;
    if (rc <= 0)
        return rc;
    static const char *const names[] = {"numFmtId", "formatCode"};
    char a[2][ATTR_CAP];
    char *bufs[2] = {a[0], a[1]};
    numfmt *fmts = NULL;
    long *xf_fmt = NULL;
    size_t nf = 0, nxf = 0;
    int in_xfs = 0;
    while ((rc = df_xlsx_part_read(&p, err)) == 1) {
        if (df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "cellXfs"))
            in_xfs = !xmlTextReaderIsEmptyElement(p.r);
        else if (df_xlsx_is(p.r, XML_READER_TYPE_END_ELEMENT, "cellXfs"))
            in_xfs = 0;
        else if (df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "numFmt")) {
            if (df_xlsx_attrs(p.r, names, bufs, ATTR_CAP, 2) != 3)
                continue;
            if (nf == MAX_NUMFMTS) {
                rc = df_errorf(err, "%s: more than %d number formats", x->styles_part, MAX_NUMFMTS);
                break;
            }
            if (nf % 64 == 0) {
                numfmt *f = realloc(fmts, (nf + 64) * sizeof *f);
                if (!f) {
                    rc = df_errorf(err, "out of memory");
                    break;
                }
                fmts = f;
            }
            fmts[nf].id = strtol(a[0], NULL, 10);
            fmts[nf++].kind = (unsigned char)df_xlsx_format_kind(a[1]);
        } else if (in_xfs && df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "xf")) {
            if (nxf == MAX_XFS) {
                rc = df_errorf(err, "%s: more than %d cell formats", x->styles_part, MAX_XFS);
                break;
            }
            if (nxf % 256 == 0) {
                long *f = realloc(xf_fmt, (nxf + 256) * sizeof *f);
                if (!f) {
                    rc = df_errorf(err, "out of memory");
                    break;
                }
                xf_fmt = f;
            }
            xf_fmt[nxf++] = df_xlsx_attrs(p.r, names, bufs, ATTR_CAP, 1) ? strtol(a[0], NULL, 10) : 0;
        }
    }
    df_xlsx_part_close(&p);
    if (rc == 0 && nxf && !(x->xf_kind = malloc(nxf)))
        rc = df_errorf(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < nxf; i++)
        x->xf_kind[i] = (unsigned char)fmt_kind(fmts, nf, xf_fmt[i]);
    x->nxf = rc == 0 ? nxf : 0;
    free(fmts);
    free(xf_fmt);
    return rc < 0 ? -1 : 0;
}

/* --------------------------------------------------- shared strings */

/* Appends n bytes to the cell text buffer, at most DF_CSV_MAX_FIELD. */
static int vbuf_add(df_xlsx *x, const char *s, size_t n, df_error *err)
{
    if (x->vlen + n > DF_CSV_MAX_FIELD)
        return df_errorf(err, "a cell longer than %u bytes", DF_CSV_MAX_FIELD);
    if (x->vlen + n + 1 > x->vcap) {
        size_t c = x->vcap ? x->vcap : 256;
        while (c < x->vlen + n + 1)
            c *= 2;
        char *b = realloc(x->vbuf, c);
        if (!b)
            return df_errorf(err, "out of memory");
        x->vbuf = b;
        x->vcap = c;
    }
    memcpy(x->vbuf + x->vlen, s, n);
    x->vlen += n;
    x->vbuf[x->vlen] = '\0';
    return 0;
}

static int is_text_node(int type)
{
    return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
           type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE;
}

/* Collects the text of a string item (<si>, <is>) at the reader into
 * vbuf: <t> directly or in rich-text runs <r>, leaving out phonetic runs
 * <rPh>. The reader ends on the item's end element. */
static int read_string_item(df_xlsx_part *p, df_xlsx *x, const char *item, df_error *err)
{
    x->vlen = 0;
    if (x->vbuf)
        x->vbuf[0] = '\0';
    if (xmlTextReaderIsEmptyElement(p->r))
        return 0;
    int depth = xmlTextReaderDepth(p->r), in_t = 0, in_rph = 0, rc;
    while ((rc = df_xlsx_part_read(p, err)) == 1) {
        int type = xmlTextReaderNodeType(p->r);
        if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(p->r) == depth)
            return df_xlsx_is(p->r, type, item) ? 0 : df_errorf(err, "%s: <%s> not closed", p->name, item);
        if (df_xlsx_is(p->r, XML_READER_TYPE_ELEMENT, "rPh"))
            in_rph = !xmlTextReaderIsEmptyElement(p->r);
        else if (df_xlsx_is(p->r, XML_READER_TYPE_END_ELEMENT, "rPh"))
            in_rph = 0;
        else if (df_xlsx_is(p->r, XML_READER_TYPE_ELEMENT, "t"))
            in_t = !xmlTextReaderIsEmptyElement(p->r);
        else if (df_xlsx_is(p->r, XML_READER_TYPE_END_ELEMENT, "t"))
            in_t = 0;
        else if (in_t && !in_rph && is_text_node(type)) {
            const char *v = (const char *)xmlTextReaderConstValue(p->r);
            if (v && vbuf_add(x, v, strlen(v), err) != 0)
                return df_error_prefix(err, "%s", p->name);
        }
    }
    return rc < 0 ? -1 : df_errorf(err, "%s: ends inside <%s>", p->name, item);
}

static int read_shared_strings(df_xlsx *x, df_error *err)
{
    df_xlsx_part p;
    int rc = x->sst_part[0] ? df_xlsx_part_open(x->za, x->sst_part, &x->lim, 0, &p, err) : 0;
    if (rc <= 0)
        return rc;
    while ((rc = df_xlsx_part_read(&p, err)) == 1) {
        if (!df_xlsx_is(p.r, XML_READER_TYPE_ELEMENT, "si"))
            continue;
        if (read_string_item(&p, x, "si", err) != 0 || df_sst_add(&x->sst, x->vbuf ? x->vbuf : "", x->vlen, err) != 0) {
            rc = -1;
            break;
        }
    }
    df_xlsx_part_close(&p);
    if (rc < 0)
        return df_error_prefix(err, "shared string %llu", (unsigned long long)x->sst.count + 1);
    return df_sst_finish(&x->sst, err);
}

/* ------------------------------------------------------------- open */

/* A friendlier word for files that are not zips at all. */
static int not_a_zip(const char *path, int zerr, df_error *err)
{
    unsigned char head[8] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    zip_error_t ze;
    zip_error_init_with_code(&ze, zerr);
    if (n == 8 && !memcmp(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        df_errorf(err, "%s: an old Excel .xls (BIFF) file or a password-protected workbook, not an .xlsx; "
                       "save it from Excel as .xlsx (Excel Workbook) without a password", path);
    else
        df_errorf(err, "%s: not an .xlsx file (%s)", path, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return -1;
}

static int open_package(df_xlsx *x, const char *sheet, df_error *err)
{
    if (each_relationship(x, "_rels/.rels", 0, root_rel, err) < 0)
        return -1;
    char wb[512];
    if (x->wb_dir[0])
        snprintf(wb, sizeof wb, "%s", x->sheet_part);
    else
        snprintf(wb, sizeof wb, "xl/workbook.xml"), snprintf(x->wb_dir, sizeof x->wb_dir, "xl/");
    x->sheet_part[0] = '\0';
    if (read_workbook(x, wb, err) != 0)
        return -1;
    if (choose_sheet(x, sheet, err) != 0)
        return -1;
    char rels[600];
    const char *base = strrchr(wb, '/');
    snprintf(rels, sizeof rels, "%.*s_rels/%s.rels", base ? (int)(base - wb + 1) : 0, wb, base ? base + 1 : wb);
    if (each_relationship(x, rels, 1, workbook_rel, err) < 0)
        return -1;
    if (!x->sheet_part[0])
        return df_errorf(err, "%s: no relationship for sheet '%s' (%s)", rels, x->sheets[x->chosen].name,
                         x->sheets[x->chosen].rid);
    if (read_styles(x, err) != 0 || read_shared_strings(x, err) != 0)
        return -1;
    return 0;
}

int df_xlsx_open_limits(const char *path, const char *sheet, const df_xlsx_limits *lim, df_xlsx **out,
                        df_error *err)
{
    *out = NULL;
    df_xlsx *x = calloc(1, sizeof *x);
    if (!x)
        return df_errorf(err, "%s: out of memory", path);
    snprintf(x->path, sizeof x->path, "%s", path);
    x->lim = *lim;
    x->chosen = -1;
    df_sst_init(&x->sst, lim->sst_memory);
    struct stat st;
    if (stat(path, &st) != 0) {
        df_error_errno(err, "%s: cannot open", path);
        free(x);
        return -1;
    }
    x->file_size = (uint64_t)st.st_size;
    int zerr = 0;
    x->za = zip_open(path, ZIP_RDONLY, &zerr);
    if (!x->za) {
        free(x);
        return not_a_zip(path, zerr, err);
    }
    if (open_package(x, sheet, err) != 0 ||
        df_xlsx_part_open(x->za, x->sheet_part, &x->lim, 1, &x->sheet, err) < 0 ||
        !(x->arena = malloc(DF_CSV_MAX_ROW + 1))) {
        if (!x->arena && x->sheet.r)
            df_errorf(err, "out of memory");
        df_error_prefix(err, "%s", path);
        df_xlsx_close(x);
        return -1;
    }
    *out = x;
    return 0;
}

int df_xlsx_open(const char *path, const char *sheet, df_xlsx **out, df_error *err)
{
    return df_xlsx_open_limits(path, sheet, &df_xlsx_default_limits, out, err);
}

/* ------------------------------------------------------------- rows */

/* Parses a cell reference "C5" into column and row; 0 when malformed or
 * outside A1..XFD1048576. */
static int parse_ref(const char *r, int *col, long *row)
{
    int c = 0, nl = 0;
    for (; (*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z'); r++, nl++)
        c = c * 26 + ((*r | 0x20) - 'a' + 1);
    if (nl == 0 || nl > 3 || c > DF_XLSX_MAX_COLS)
        return 0;
    long n = 0;
    int nd = 0;
    for (; *r >= '0' && *r <= '9'; r++, nd++)
        if (nd < 8)
            n = n * 10 + (*r - '0');
    if (*r || nd == 0 || nd > 7 || n < 1 || n > DF_XLSX_MAX_ROWS)
        return 0;
    *col = c;
    *row = n;
    return 1;
}

/* Appends text as field col of the row (filling skipped columns empty). */
static int put_field(df_xlsx *x, df_csv_row *row, int col, const char *s, size_t n, df_error *err)
{
    if (x->arena_len + n + 1 > DF_CSV_MAX_ROW)
        return df_errorf(err, "the row is longer than %u bytes", DF_CSV_MAX_ROW);
    while (row->kept < col - 1 && row->kept < DF_CSV_MAX_FIELDS) {
        x->foff[row->kept] = x->arena_len;
        row->len[row->kept++] = 0;
    }
    if (col <= DF_CSV_MAX_FIELDS) {
        x->foff[row->kept] = x->arena_len;
        row->len[row->kept++] = n;
        memcpy(x->arena + x->arena_len, s, n);
        x->arena_len += n;
        x->arena[x->arena_len++] = '\0';
    }
    row->nfields = col;
    return 0;
}

/* The shared string vbuf names, as field col. */
static int put_shared(df_xlsx *x, df_csv_row *row, int col, df_error *err)
{
    char *end;
    errno = 0;
    unsigned long long i = strtoull(x->vbuf, &end, 10);
    if (!x->vlen || *end || errno || x->vbuf[0] == '-' || i >= x->sst.count)
        return df_errorf(err, "shared string index '%.40s' out of range (the workbook has %llu)", x->vbuf,
                         (unsigned long long)x->sst.count);
    if (col > DF_CSV_MAX_FIELDS) {
        row->nfields = col;
        return 0;
    }
    if (put_field(x, row, col, "", 0, err) != 0)
        return -1;
    size_t len, room = DF_CSV_MAX_ROW - x->arena_len;
    char *dst = x->arena + x->arena_len - 1;
    if (df_sst_get(&x->sst, i, dst, room, &len, err) != 0)
        return -1;
    row->len[row->kept - 1] = len;
    x->arena_len += len;
    x->arena[x->arena_len - 1] = '\0';
    return 0;
}

/* The value in vbuf of a cell of type t and style s, as field col. */
static int put_value(df_xlsx *x, df_csv_row *row, int col, const char *t, const char *s, df_error *err)
{
    if (!strcmp(t, "s"))
        return x->vlen ? put_shared(x, row, col, err) : 0;
    if (x->vlen == 0)
        return 0;
    if (!strcmp(t, "str") || !strcmp(t, "inlineStr") || !strcmp(t, "e") || !strcmp(t, "d"))
        return put_field(x, row, col, x->vbuf, x->vlen, err);
    if (!strcmp(t, "b")) {
        if (strcmp(x->vbuf, "0") && strcmp(x->vbuf, "1"))
            return df_errorf(err, "boolean cell holds '%.40s', not 0 or 1", x->vbuf);
        return x->vbuf[0] == '1' ? put_field(x, row, col, "TRUE", 4, err) : put_field(x, row, col, "FALSE", 5, err);
    }
    if (strcmp(t, "n") && t[0])
        return df_errorf(err, "unknown cell type t=\"%.20s\"", t);
    char out[128];
    int n = 0;
    unsigned long xf = s[0] ? strtoul(s, NULL, 10) : 0;
    enum df_xlsx_datekind kind = xf < x->nxf ? (enum df_xlsx_datekind)x->xf_kind[xf] : DF_XLSX_NOT_DATE;
    if (kind != DF_XLSX_NOT_DATE)
        n = df_xlsx_date_text(x->vbuf, kind, x->date1904, out, sizeof out);
    if (n == 0)
        n = df_xlsx_number_text(x->vbuf, out, sizeof out);
    if (n < 0)
        return df_errorf(err, "number cell holds '%.40s', not a number", x->vbuf);
    return put_field(x, row, col, out, (size_t)n, err);
}

/* Reads one <c> element at the reader into the row. */
static int read_cell(df_xlsx *x, df_csv_row *row, df_error *err)
{
    static const char *const names[] = {"r", "t", "s"};
    char a[3][32];
    char *bufs[3] = {a[0], a[1], a[2]};
    unsigned mask = df_xlsx_attrs(x->sheet.r, names, bufs, sizeof a[0], 3);
    int col = x->col + 1;
    long r = x->row_no;
    if (mask & 1) {
        if (!parse_ref(a[0], &col, &r))
            return df_errorf(err, "cell reference '%.20s' is not a cell of A1..XFD1048576", a[0]);
        if (r != x->row_no)
            return df_errorf(err, "cell %s is not in row %ld", a[0], x->row_no);
        if (col <= x->col) {
            x->col = col;
            return df_errorf(err, "cell %s comes after a cell to its right (cells out of order)", a[0]);
        }
    } else if (col > DF_XLSX_MAX_COLS) {
        return df_errorf(err, "more than %d columns", DF_XLSX_MAX_COLS);
    }
    x->col = col;
    x->vlen = 0;
    if (x->vbuf)
        x->vbuf[0] = '\0';
    if (xmlTextReaderIsEmptyElement(x->sheet.r))
        return 0;
    int depth = xmlTextReaderDepth(x->sheet.r), in_v = 0, rc;
    while ((rc = df_xlsx_part_read(&x->sheet, err)) == 1) {
        xmlTextReaderPtr rd = x->sheet.r;
        int type;
        const char *ln = df_xlsx_node(rd, &type);
        if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(rd) == depth)
            return put_value(x, row, col, a[1], a[2], err);
        if (in_v && is_text_node(type)) {
            const char *v = (const char *)xmlTextReaderConstValue(rd);
            if (v && vbuf_add(x, v, strlen(v), err) != 0)
                return -1;
        } else if (!strcmp(ln, "v")) {
            in_v = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(rd);
        } else if (type == XML_READER_TYPE_ELEMENT && !strcmp(ln, "is")) {
            if (read_string_item(&x->sheet, x, "is", err) != 0)
                return -1;
        }
    }
    return rc < 0 ? -1 : df_errorf(err, "the sheet ends inside a cell");
}

/* Starts a <row>: its number, checked. */
static int start_row(df_xlsx *x, df_csv_row *row, df_error *err)
{
    static const char *const names[] = {"r"};
    char a[1][32];
    char *bufs[1] = {a[0]};
    long r = x->row_no + 1;
    if (df_xlsx_attrs(x->sheet.r, names, bufs, sizeof a[0], 1)) {
        char *end;
        errno = 0;
        r = strtol(a[0], &end, 10);
        if (*end || errno || r < 1 || r > DF_XLSX_MAX_ROWS) {
            x->col = 0;
            return df_errorf(err, "row number '%.20s' is not one of 1..%ld", a[0], DF_XLSX_MAX_ROWS);
        }
        if (r <= x->row_no)
            return df_errorf(err, "row %ld comes after row %ld (rows out of order)", r, x->row_no);
    } else if (r > DF_XLSX_MAX_ROWS) {
        return df_errorf(err, "more than %ld rows", DF_XLSX_MAX_ROWS);
    }
    x->row_no = r;
    x->col = 0;
    x->arena_len = 0;
    row->line = r;
    row->nfields = 0;
    row->kept = 0;
    return 0;
}

/* Ends a row: 1 when it has a non-empty cell (pointers set), else 0. */
static int end_row(df_xlsx *x, df_csv_row *row)
{
    int nonempty = 0;
    for (int i = 0; i < row->kept; i++) {
        row->field[i] = row->len[i] ? x->arena + x->foff[i] : ""; /* gaps have no NUL of their own */
        nonempty |= row->len[i] > 0;
    }
    return nonempty || row->nfields > DF_CSV_MAX_FIELDS;
}

int df_xlsx_next(df_xlsx *x, df_csv_row *row, df_error *err)
{
    if (x->sheet_done)
        return 0;
    int rc, in_row = 0;
    while ((rc = df_xlsx_part_read(&x->sheet, err)) == 1) {
        xmlTextReaderPtr rd = x->sheet.r;
        int type;
        const char *ln = df_xlsx_node(rd, &type);
        if (type == XML_READER_TYPE_ELEMENT && in_row && !strcmp(ln, "c")) {
            if (read_cell(x, row, err) != 0)
                return cell_error(x, err);
        } else if (type == XML_READER_TYPE_ELEMENT && !strcmp(ln, "row")) {
            if (start_row(x, row, err) != 0)
                return cell_error(x, err);
            in_row = !xmlTextReaderIsEmptyElement(rd);
        } else if (type == XML_READER_TYPE_END_ELEMENT && in_row && !strcmp(ln, "row")) {
            in_row = 0;
            x->col = 0;
            if (end_row(x, row))
                return 1;
        } else if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(ln, "sheetData")) {
            break;
        }
    }
    if (rc < 0) {
        x->col = in_row ? x->col : 0;
        return cell_error(x, err);
    }
    x->sheet_done = 1;
    return 0;
}

uint64_t df_xlsx_bytes_done(const df_xlsx *x)
{
    if (x->sheet_done)
        return x->file_size;
    uint64_t before = x->file_size > x->sheet.comp ? x->file_size - x->sheet.comp : 0;
    double share = x->sheet.declared ? (double)x->sheet.done / (double)x->sheet.declared : 0;
    return before + (uint64_t)(share * (double)x->sheet.comp);
}

const char *df_xlsx_sheet_name(const df_xlsx *x)
{
    return x->chosen >= 0 ? x->sheets[x->chosen].name : "";
}

int df_xlsx_sst_spilled(const df_xlsx *x)
{
    return x->sst.spilled;
}

void df_xlsx_close(df_xlsx *x)
{
    if (!x)
        return;
    df_xlsx_part_close(&x->sheet);
    if (x->za)
        zip_discard(x->za);
    for (int i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].rid);
    }
    free(x->sheets);
    free(x->xf_kind);
    df_sst_free(&x->sst);
    free(x->arena);
    free(x->vbuf);
    free(x);
}

int df_xlsx_is_workbook(const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && (!strcasecmp(path + n - 5, ".xlsx") || !strcasecmp(path + n - 5, ".xlsm")))
        return 1;
    if (n > 4 && !strcasecmp(path + n - 4, ".xls"))
        return 1; /* refused by df_xlsx_open, with what to do */
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0; /* a pipe is not peeked at: its first bytes are the data */
    unsigned char head[8] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return (got >= 4 && !memcmp(head, "PK\x03\x04", 4)) ||
           (got == 8 && !memcmp(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8));
}
