/* tests/tools/csv2xlsx.c — writes a CSV file as a minimal valid .xlsx
 * workbook (libzip + libxml2's xmlTextWriter), for the xlsx reader's tests,
 * the committed sample and benchmarks. Empty fields become missing cells
 * (gaps); see usage() for strings, numbers, dates and sheets. */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <libxml/xmlwriter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define MAX_COLS 16384
#define MAX_LIST 64

static struct {
    int inline_strings, numbers, date1904;
    int date_col[MAX_COLS + 1];        /* 1: date, 2: date-time */
    const char *sheet;
    const char *extra[MAX_LIST];
    int nextra;
    const char *date_fmt;              /* custom date format code, else built-in 14 */
    long first_row;                    /* the sheet row number of the CSV's first line */
} opt = {.sheet = "Sheet1", .first_row = 1};

static void usage(FILE *f)
{
    fputs("usage: csv2xlsx [options] IN.csv OUT.xlsx\n"
          "  --inline            inline strings (t=\"inlineStr\") instead of shared strings\n"
          "  --numbers           numeric fields (-12.5, 86900000000028; no leading zeros) as number cells\n"
          "  --date-col N        column N (1-based; repeatable) as date serials with a date style when the\n"
          "                      field reads as YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD (else a string)\n"
          "  --datetime-col N    the same with a time (YYYY-MM-DD HH:MM:SS), date-time style\n"
          "  --date-fmt CODE     a custom number format code for date columns (default: built-in 14)\n"
          "  --1904              the 1904 date system (workbookPr date1904)\n"
          "  --sheet NAME        the sheet's name (default Sheet1)\n"
          "  --extra-sheet NAME  one more sheet before it (repeatable), holding one cell\n"
          "  --first-row N       the sheet row of the first CSV line (default 1; rows before stay empty)\n",
          f);
}

/* ------------------------------------------------------------ strings */

typedef struct sst_table {
    char **str;
    size_t n, cap;
    uint32_t *slot;                    /* open addressing: index + 1, 0 empty */
    size_t nslot;
} sst_table;

static sst_table sst;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void sst_rehash(void)
{
    size_t ns = sst.nslot ? sst.nslot * 2 : 1024;
    uint32_t *slot = calloc(ns, sizeof *slot);
    if (!slot)
        abort();
    for (size_t i = 0; i < sst.n; i++) {
        size_t h = hash(sst.str[i]) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(sst.slot);
    sst.slot = slot;
    sst.nslot = ns;
}

static size_t sst_index(const char *s)
{
    if ((sst.n + 1) * 2 > sst.nslot)
        sst_rehash();
    size_t h = hash(s) & (sst.nslot - 1);
    for (; sst.slot[h]; h = (h + 1) & (sst.nslot - 1))
        if (!strcmp(sst.str[sst.slot[h] - 1], s))
            return sst.slot[h] - 1;
    if (sst.n == sst.cap) {
        sst.cap = sst.cap ? sst.cap * 2 : 1024;
        sst.str = realloc(sst.str, sst.cap * sizeof *sst.str);
        if (!sst.str)
            abort();
    }
    sst.str[sst.n] = strdup(s);
    sst.slot[h] = (uint32_t)sst.n + 1;
    return sst.n++;
}

/* ------------------------------------------------------------- values */

static int is_number(const char *s)
{
    const char *p = s + (*s == '-');
    size_t nd = strspn(p, "0123456789");
    if (nd == 0 || nd > 15 || (p[0] == '0' && nd > 1))
        return 0;
    p += nd;
    if (*p == '.') {
        size_t nf = strspn(p + 1, "0123456789");
        if (nf == 0 || nd + nf > 15)
            return 0;
        p += 1 + nf;
    }
    return *p == '\0';
}

static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The Excel serial of a date (and time) field, or -1 when it is none. */
static double date_serial(const char *s, int with_time)
{
    int y, m, d, hh = 0, mi = 0, ss = 0, n = 0;
    if (!(sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10) &&
        !(sscanf(s, "%4d/%2d/%2d%n", &y, &m, &d, &n) == 3 && n == 10) &&
        !(strlen(s) >= 8 && strspn(s, "0123456789") >= 8 && sscanf(s, "%4d%2d%2d%n", &y, &m, &d, &n) == 3 && n == 8))
        return -1;
    const char *rest = s + n;
    if (with_time && *rest) {
        int k = 0;
        if (sscanf(rest, " %2d:%2d:%2d%n", &hh, &mi, &ss, &k) != 3)
            return -1;
        rest += k;
    }
    if (*rest || m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59)
        return -1;
    long long days = days_from_civil(y, m, d);
    if (days_from_civil(y, m, 1) + d - 1 != days || (m < 12 ? days_from_civil(y, m + 1, 1) : days_from_civil(y + 1, 1, 1)) <= days)
        return -1;
    double serial;
    if (opt.date1904)
        serial = (double)(days - days_from_civil(1904, 1, 1));
    else if (days >= days_from_civil(1900, 3, 1))
        serial = (double)(days - days_from_civil(1899, 12, 30));
    else
        serial = (double)(days - days_from_civil(1899, 12, 31));
    if (serial < (opt.date1904 ? 0 : 1))
        return -1;
    return serial + (hh * 3600 + mi * 60 + ss) / 86400.0;
}

/* ---------------------------------------------------------- the sheet */

static struct {
    xmlTextWriterPtr w;
    long row;
    int col, row_open;
    char *buf;
    size_t cap;
} sh;

static void col_ref(int col, long row, char *out)
{
    char t[8];
    int n = 0;
    for (int c = col; c > 0 && n < 7; c = (c - 1) / 26)
        t[n++] = (char)('A' + (c - 1) % 26);
    int k = 0;
    while (n)
        out[k++] = t[--n];
    sprintf(out + k, "%ld", row);
}

static void text_element(xmlTextWriterPtr w, const char *s)
{
    xmlTextWriterStartElement(w, BAD_CAST "t");
    size_t l = strlen(s);
    if (l && (s[0] == ' ' || s[l - 1] == ' ' || strchr(s, '\n')))
        xmlTextWriterWriteAttribute(w, BAD_CAST "xml:space", BAD_CAST "preserve");
    xmlTextWriterWriteString(w, BAD_CAST s);
    xmlTextWriterEndElement(w);
}

static void string_cell(xmlTextWriterPtr w, const char *s)
{
    if (opt.inline_strings) {
        xmlTextWriterWriteAttribute(w, BAD_CAST "t", BAD_CAST "inlineStr");
        xmlTextWriterStartElement(w, BAD_CAST "is");
        text_element(w, s);
        xmlTextWriterEndElement(w);
    } else {
        xmlTextWriterWriteAttribute(w, BAD_CAST "t", BAD_CAST "s");
        xmlTextWriterWriteFormatElement(w, BAD_CAST "v", "%zu", sst_index(s));
    }
}

/* Length of the valid UTF-8 sequence at s (XML 1.0 characters only), 0 if none. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r';
    size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    uint32_t cp = k == 2 ? (s[0] & 0x1Fu) << 6 | (s[1] & 0x3F)
                : k == 3 ? (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3F)
                         : (s[0] & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3F);
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return k;
}

/* The field as XML text: bytes that are not UTF-8 (an .xlsx cannot hold
 * them) become U+FFFD, as a spreadsheet would show them. */
static void on_field(void *s, size_t len, void *data)
{
    (void)data;
    sh.col++;
    if (len == 0)
        return;
    if (len * 3 + 1 > sh.cap) {
        sh.cap = len * 3 + 1;
        sh.buf = realloc(sh.buf, sh.cap);
        if (!sh.buf)
            abort();
    }
    const unsigned char *in = s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_char(in + i, len - i);
        if (k == 0) {
            memcpy(sh.buf + o, "\xEF\xBF\xBD", 3);
            o += 3, i++;
        } else {
            memcpy(sh.buf + o, in + i, k);
            o += k, i += k;
        }
    }
    sh.buf[o] = '\0';
    if (!sh.row_open) {
        xmlTextWriterStartElement(sh.w, BAD_CAST "row");
        xmlTextWriterWriteFormatAttribute(sh.w, BAD_CAST "r", "%ld", sh.row);
        sh.row_open = 1;
    }
    char ref[24];
    col_ref(sh.col, sh.row, ref);
    xmlTextWriterStartElement(sh.w, BAD_CAST "c");
    xmlTextWriterWriteAttribute(sh.w, BAD_CAST "r", BAD_CAST ref);
    int kind = sh.col <= MAX_COLS ? opt.date_col[sh.col] : 0;
    double serial = kind ? date_serial(sh.buf, kind == 2) : -1;
    if (serial >= 0) {
        xmlTextWriterWriteAttribute(sh.w, BAD_CAST "s", BAD_CAST(kind == 2 ? "2" : "1"));
        xmlTextWriterWriteFormatElement(sh.w, BAD_CAST "v", "%.17g", serial);
    } else if (opt.numbers && is_number(sh.buf)) {
        xmlTextWriterWriteFormatElement(sh.w, BAD_CAST "v", "%.17g", strtod(sh.buf, NULL));
    } else {
        string_cell(sh.w, sh.buf);
    }
    xmlTextWriterEndElement(sh.w);
}

static void on_row(int c, void *data)
{
    (void)c, (void)data;
    if (sh.row_open)
        xmlTextWriterEndElement(sh.w);
    sh.row_open = 0;
    sh.row++;
    sh.col = 0;
}

static xmlTextWriterPtr start_part(const char *path, const char *root)
{
    xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
    if (!w)
        return NULL;
    xmlTextWriterStartDocument(w, "1.0", "UTF-8", "yes");
    xmlTextWriterStartElement(w, BAD_CAST root);
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://schemas.openxmlformats.org/spreadsheetml/2006/main");
    return w;
}

static int end_part(xmlTextWriterPtr w)
{
    int rc = xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    return rc < 0 ? -1 : 0;
}

static int write_sheet(const char *csv_path, const char *out)
{
    FILE *in = fopen(csv_path, "rb");
    if (!in)
        return fprintf(stderr, "csv2xlsx: %s: %s\n", csv_path, strerror(errno)), -1;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    sh.w = start_part(out, "worksheet");
    if (!sh.w)
        return fprintf(stderr, "csv2xlsx: cannot write %s\n", out), -1;
    xmlTextWriterStartElement(sh.w, BAD_CAST "sheetData");
    sh.row = opt.first_row;
    char buf[65536];
    size_t n;
    int first = 1;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        size_t skip = first && n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
        first = 0;
        if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, NULL) != n - skip)
            return fprintf(stderr, "csv2xlsx: %s: %s\n", csv_path, csv_strerror(csv_error(&p))), -1;
    }
    csv_fini(&p, on_field, on_row, NULL);
    csv_free(&p);
    fclose(in);
    xmlTextWriterEndElement(sh.w);
    return end_part(sh.w);
}

static int write_extra_sheet(const char *out, const char *name)
{
    xmlTextWriterPtr w = start_part(out, "worksheet");
    if (!w)
        return -1;
    xmlTextWriterStartElement(w, BAD_CAST "sheetData");
    xmlTextWriterStartElement(w, BAD_CAST "row");
    xmlTextWriterWriteAttribute(w, BAD_CAST "r", BAD_CAST "1");
    xmlTextWriterStartElement(w, BAD_CAST "c");
    xmlTextWriterWriteAttribute(w, BAD_CAST "r", BAD_CAST "A1");
    char text[600];
    snprintf(text, sizeof text, "extra sheet %s", name);
    string_cell(w, text);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
    return end_part(w);
}

static int write_sst(const char *out)
{
    xmlTextWriterPtr w = start_part(out, "sst");
    if (!w)
        return -1;
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "uniqueCount", "%zu", sst.n);
    for (size_t i = 0; i < sst.n; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "si");
        text_element(w, sst.str[i]);
        xmlTextWriterEndElement(w);
    }
    return end_part(w);
}

static int write_workbook(const char *out, int nsheets)
{
    xmlTextWriterPtr w = start_part(out, "workbook");
    if (!w)
        return -1;
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:r",
                                BAD_CAST "http://schemas.openxmlformats.org/officeDocument/2006/relationships");
    xmlTextWriterStartElement(w, BAD_CAST "workbookPr");
    if (opt.date1904)
        xmlTextWriterWriteAttribute(w, BAD_CAST "date1904", BAD_CAST "1");
    xmlTextWriterEndElement(w);
    xmlTextWriterStartElement(w, BAD_CAST "sheets");
    for (int i = 0; i < nsheets; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "sheet");
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST(i < opt.nextra ? opt.extra[i] : opt.sheet));
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "sheetId", "%d", i + 1);
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "r:id", "rId%d", i + 1);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
    return end_part(w);
}

static int write_styles(const char *out)
{
    xmlTextWriterPtr w = start_part(out, "styleSheet");
    if (!w)
        return -1;
    xmlTextWriterStartElement(w, BAD_CAST "numFmts");
    xmlTextWriterWriteAttribute(w, BAD_CAST "count", BAD_CAST "2");
    const char *codes[2] = {opt.date_fmt ? opt.date_fmt : "yyyy\\-mm\\-dd", "yyyy\\-mm\\-dd\\ hh:mm:ss"};
    for (int i = 0; i < 2; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "numFmt");
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "numFmtId", "%d", 164 + i);
        xmlTextWriterWriteAttribute(w, BAD_CAST "formatCode", BAD_CAST codes[i]);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
    xmlTextWriterWriteRaw(w, BAD_CAST "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
                                      "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
                                      "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
                                      "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
                                      "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>");
    xmlTextWriterStartElement(w, BAD_CAST "cellXfs");
    xmlTextWriterWriteAttribute(w, BAD_CAST "count", BAD_CAST "3");
    const char *fmt[3] = {"0", opt.date_fmt ? "164" : "14", "165"};
    for (int i = 0; i < 3; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "xf");
        xmlTextWriterWriteAttribute(w, BAD_CAST "numFmtId", BAD_CAST fmt[i]);
        xmlTextWriterWriteAttribute(w, BAD_CAST "fontId", BAD_CAST "0");
        xmlTextWriterWriteAttribute(w, BAD_CAST "fillId", BAD_CAST "0");
        xmlTextWriterWriteAttribute(w, BAD_CAST "borderId", BAD_CAST "0");
        xmlTextWriterWriteAttribute(w, BAD_CAST "xfId", BAD_CAST "0");
        if (i)
            xmlTextWriterWriteAttribute(w, BAD_CAST "applyNumberFormat", BAD_CAST "1");
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
    xmlTextWriterWriteRaw(w, BAD_CAST "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>");
    return end_part(w);
}

/* ---------------------------------------------------------- the package */

static char tmpdir[512];

static const char *tmp(const char *name)
{
    static char bufs[8][600];
    static int k;
    char *b = bufs[k++ & 7];
    snprintf(b, 600, "%s/%s", tmpdir, name);
    return b;
}

static int add_text(zip_t *za, const char *name, const char *text)
{
    char *copy = strdup(text);
    zip_source_t *s = copy ? zip_source_buffer(za, copy, strlen(copy), 1) : NULL;
    if (!s || zip_file_add(za, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0)
        return fprintf(stderr, "csv2xlsx: %s: %s\n", name, zip_strerror(za)), -1;
    return 0;
}

static int add_file(zip_t *za, const char *name, const char *path)
{
    zip_source_t *s = zip_source_file(za, path, 0, -1);
    if (!s || zip_file_add(za, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0)
        return fprintf(stderr, "csv2xlsx: %s: %s\n", name, zip_strerror(za)), -1;
    return 0;
}

#define NS_PKG "http://schemas.openxmlformats.org/package/2006/"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define CT_SML "application/vnd.openxmlformats-officedocument.spreadsheetml."

static int write_package(zip_t *za, int nsheets)
{
    char ct[8192], rels[8192];
    size_t n = (size_t)snprintf(ct, sizeof ct,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"" NS_PKG "content-types\">"
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" CT_SML "sheet.main+xml\"/>"
        "<Override PartName=\"/xl/styles.xml\" ContentType=\"" CT_SML "styles+xml\"/>%s",
        opt.inline_strings ? "" : "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"" CT_SML "sharedStrings+xml\"/>");
    size_t m = (size_t)snprintf(rels, sizeof rels,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"" NS_PKG "relationships\">");
    for (int i = 1; i <= nsheets && n < sizeof ct - 200 && m < sizeof rels - 200; i++) {
        n += (size_t)snprintf(ct + n, sizeof ct - n, "<Override PartName=\"/xl/worksheets/sheet%d.xml\" "
                              "ContentType=\"" CT_SML "worksheet+xml\"/>", i);
        m += (size_t)snprintf(rels + m, sizeof rels - m, "<Relationship Id=\"rId%d\" Type=\"" NS_REL "worksheet\" "
                              "Target=\"worksheets/sheet%d.xml\"/>", i, i);
    }
    snprintf(ct + n, sizeof ct - n, "</Types>");
    m += (size_t)snprintf(rels + m, sizeof rels - m, "<Relationship Id=\"rId%d\" Type=\"" NS_REL "styles\" "
                          "Target=\"styles.xml\"/>", nsheets + 1);
    if (!opt.inline_strings)
        m += (size_t)snprintf(rels + m, sizeof rels - m, "<Relationship Id=\"rId%d\" Type=\"" NS_REL "sharedStrings\" "
                              "Target=\"sharedStrings.xml\"/>", nsheets + 2);
    snprintf(rels + m, sizeof rels - m, "</Relationships>");
    return add_text(za, "[Content_Types].xml", ct) || add_text(za, "xl/_rels/workbook.xml.rels", rels) ||
           add_text(za, "_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                    "<Relationships xmlns=\"" NS_PKG "relationships\"><Relationship Id=\"rId1\" "
                    "Type=\"" NS_REL "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>") ? -1 : 0;
}

static int convert(const char *in, const char *out)
{
    int nsheets = opt.nextra + 1;
    char name[64];
    for (int i = 0; i < opt.nextra; i++) {
        snprintf(name, sizeof name, "sheet%d.xml", i + 1);
        if (write_extra_sheet(tmp(name), opt.extra[i]) != 0)
            return -1;
    }
    snprintf(name, sizeof name, "sheet%d.xml", nsheets);
    if (write_sheet(in, tmp(name)) != 0 || write_workbook(tmp("workbook.xml"), nsheets) != 0 ||
        write_styles(tmp("styles.xml")) != 0 || (!opt.inline_strings && write_sst(tmp("sharedStrings.xml")) != 0))
        return fprintf(stderr, "csv2xlsx: writing the parts failed\n"), -1;
    int zerr;
    zip_t *za = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return fprintf(stderr, "csv2xlsx: cannot create %s\n", out), -1;
    int rc = write_package(za, nsheets);
    for (int i = 1; rc == 0 && i <= nsheets; i++) {
        char part[64];
        snprintf(name, sizeof name, "sheet%d.xml", i);
        snprintf(part, sizeof part, "xl/worksheets/sheet%d.xml", i);
        rc = add_file(za, part, tmp(name));
    }
    if (rc == 0)
        rc = add_file(za, "xl/workbook.xml", tmp("workbook.xml")) || add_file(za, "xl/styles.xml", tmp("styles.xml")) ||
             (!opt.inline_strings && add_file(za, "xl/sharedStrings.xml", tmp("sharedStrings.xml")));
    if (rc != 0) {
        zip_discard(za);
        return -1;
    }
    /* fixed times, so that the same CSV gives the same bytes */
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++)
        zip_file_set_mtime(za, (zip_uint64_t)i, 1767225600, 0);
    if (zip_close(za) != 0) {
        fprintf(stderr, "csv2xlsx: %s: %s\n", out, zip_strerror(za));
        zip_discard(za);
        return -1;
    }
    return 0;
}

static int column_arg(const char *s)
{
    char *end;
    long c = strtol(s, &end, 10);
    if (*end || c < 1 || c > MAX_COLS) {
        fprintf(stderr, "csv2xlsx: bad column '%s' (1..%d)\n", s, MAX_COLS);
        exit(2);
    }
    return (int)c;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"inline", no_argument, NULL, 'i'}, {"numbers", no_argument, NULL, 'n'},
        {"date-col", required_argument, NULL, 'd'}, {"datetime-col", required_argument, NULL, 't'},
        {"date-fmt", required_argument, NULL, 'f'}, {"1904", no_argument, NULL, '4'},
        {"sheet", required_argument, NULL, 's'}, {"extra-sheet", required_argument, NULL, 'x'},
        {"first-row", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'i': opt.inline_strings = 1; break;
        case 'n': opt.numbers = 1; break;
        case 'd': opt.date_col[column_arg(optarg)] = 1; break;
        case 't': opt.date_col[column_arg(optarg)] = 2; break;
        case 'f': opt.date_fmt = optarg; break;
        case '4': opt.date1904 = 1; break;
        case 's': opt.sheet = optarg; break;
        case 'x':
            if (opt.nextra == MAX_LIST)
                return fprintf(stderr, "csv2xlsx: at most %d extra sheets\n", MAX_LIST), 2;
            opt.extra[opt.nextra++] = optarg;
            break;
        case 'r': opt.first_row = atol(optarg) > 0 ? atol(optarg) : 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/csv2xlsx.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir))
        return fprintf(stderr, "csv2xlsx: mkdtemp: %s\n", strerror(errno)), 1;
    int rc = convert(argv[optind], argv[optind + 1]);
    const char *names[] = {"workbook.xml", "styles.xml", "sharedStrings.xml"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tmp(names[i]));
    for (int i = 1; i <= opt.nextra + 1; i++) {
        char name[64];
        snprintf(name, sizeof name, "sheet%d.xml", i);
        unlink(tmp(name));
    }
    rmdir(tmpdir);
    return rc == 0 ? 0 : 1;
}
