/* tests/unit/test_xlsx.c — converter/xlsx.c: cell types, numbers, dates in
 * both date systems, gaps and row numbers, sheets by name, shared strings
 * spilled to a file, and hostile workbooks (DTDs, zip bombs, sizes that lie,
 * missing parts, bad references and indexes), each a clear error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "converter/xlsx.h"
#include "converter/xlsx_cell.h"

#define XL_MAX_ROWS 64

static char xl_dir[64];

static void xl_setup(void)
{
    strcpy(xl_dir, "/tmp/df-xlsx-XXXXXX");
    cr_assert_not_null(mkdtemp(xl_dir));
}

static void xl_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", xl_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", xl_dir);
}

TestSuite(xlsx, .init = xl_setup, .fini = xl_teardown);

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char ROOT_RELS[] =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char WB_ONE[] = "<workbook " NS "><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char WB_RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" REL "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet3.xml\"/>"
    "<Relationship Id=\"rId8\" Type=\"" REL "styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId9\" Type=\"" REL "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>";
/* xf 0 general, 1 built-in 14, 2 built-in 22, 3 built-in 20 (h:mm), 4 custom date, 5 custom "[Red]0.00",
 * 6 custom quoted "0\"d\"", 7 custom [h]:mm, 8 built-in 2 (0.00); cellStyleXfs has a date format that must not count */
static const char STYLES[] =
    "<styleSheet " NS "><numFmts count=\"4\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd;@\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"[Red]#,##0.00\"/><numFmt numFmtId=\"166\" formatCode=\"0&quot;d&quot;\"/>"
    "<numFmt numFmtId=\"167\" formatCode=\"[h]:mm\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs><cellXfs count=\"9\"><xf numFmtId=\"0\"/>"
    "<xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"22\"/><xf numFmtId=\"20\"/><xf numFmtId=\"164\"/>"
    "<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf numFmtId=\"2\"/></cellXfs></styleSheet>";

typedef struct xl_part {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
} xl_part;

/* Writes a zip of the parts (NULL text: left out); returns its path. */
static const char *xl_zip(const char *file, const xl_part *parts, int n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", xl_dir, file);
    int zerr;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    cr_assert_not_null(za);
    for (int i = 0; i < n; i++) {
        if (!parts[i].text)
            continue;
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].text);
        zip_source_t *s = zip_source_buffer(za, parts[i].text, len, 0);
        cr_assert_not_null(s);
        cr_assert(zip_file_add(za, parts[i].name, s, ZIP_FL_OVERWRITE) >= 0);
    }
    cr_assert_eq(zip_close(za), 0, "%s", zip_strerror(za));
    return path;
}

/* A workbook of one sheet "Data" with the sheetData content rows and shared strings sst (NULL: none). */
static const char *xl_book(const char *rows, const char *sst)
{
    static char sheet[1 << 16], sstx[1 << 16];
    snprintf(sheet, sizeof sheet, "<?xml version=\"1.0\"?><worksheet " NS "><dimension ref=\"A1\"/><sheetData>%s</sheetData>"
             "<mergeCells count=\"0\"/></worksheet>", rows);
    snprintf(sstx, sizeof sstx, "<sst " NS ">%s</sst>", sst ? sst : "");
    xl_part p[] = {{"_rels/.rels", ROOT_RELS, 0}, {"xl/workbook.xml", WB_ONE, 0}, {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                   {"xl/styles.xml", STYLES, 0}, {"xl/sharedStrings.xml", sst ? sstx : NULL, 0},
                   {"xl/worksheets/sheet1.xml", sheet, 0}};
    return xl_zip("book.xlsx", p, 6);
}

/* All rows of path as "LINE|f1|f2..." (and "+N" when N fields were not kept). */
typedef struct xl_rows {
    int n;
    char row[XL_MAX_ROWS][512];
    int nfields[XL_MAX_ROWS], kept[XL_MAX_ROWS];
    char last[XL_MAX_ROWS][32];  /* the last kept field */
    df_error err;
    int rc, spilled;
} xl_rows;

static xl_rows *xl_read_limits(const char *path, const char *sheet, const df_xlsx_limits *lim)
{
    static xl_rows g;
    memset(&g, 0, sizeof g);
    df_xlsx *x;
    g.rc = df_xlsx_open_limits(path, sheet, lim, &x, &g.err);
    if (g.rc != 0)
        return &g;
    static df_csv_row row;
    while ((g.rc = df_xlsx_next(x, &row, &g.err)) == 1 && g.n < XL_MAX_ROWS) {
        g.nfields[g.n] = row.nfields;
        g.kept[g.n] = row.kept;
        if (row.kept)
            snprintf(g.last[g.n], sizeof g.last[0], "%s", row.field[row.kept - 1]);
        char *o = g.row[g.n++];
        int k = snprintf(o, 512, "%ld", row.line);
        for (int i = 0; i < row.kept && k < 500; i++) {
            cr_assert_eq(strlen(row.field[i]), row.len[i], "field %d is NUL-terminated at its length", i);
            k += snprintf(o + k, (size_t)(512 - k), "|%s", row.field[i]);
        }
        if (row.nfields > row.kept)
            snprintf(o + k, (size_t)(512 - k), "+%d", row.nfields - row.kept);
    }
    g.spilled = df_xlsx_sst_spilled(x);
    if (g.rc == 0)
        cr_assert_gt(df_xlsx_bytes_done(x), 0);
    df_xlsx_close(x);
    return &g;
}

static xl_rows *xl_read(const char *path, const char *sheet)
{
    return xl_read_limits(path, sheet, &df_xlsx_default_limits);
}

static void xl_expect(const xl_rows *g, const char *const *want, int n)
{
    cr_assert_eq(g->rc, 0, "read failed: %s", g->err.msg);
    cr_assert_eq(g->n, n, "rows: %d, want %d (first: %s)", g->n, n, g->n ? g->row[0] : "");
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(g->row[i], want[i], "row %d", i);
}

static void xl_expect_error(const xl_rows *g, const char *const *parts, int n)
{
    cr_assert_eq(g->rc, -1, "no error (rows %d: %s)", g->n, g->n ? g->row[0] : "");
    for (int i = 0; i < n; i++)
        cr_assert(strstr(g->err.msg, parts[i]), "error '%s' lacks '%s'", g->err.msg, parts[i]);
}

/* ------------------------------------------------------------- values */

Test(xlsx, cell_types)
{
    const char *sst = "<si><t>plain</t></si><si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r>"
                      "<rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si><si><t xml:space=\"preserve\"> sp </t></si>"
                      "<si><t>a&amp;b&lt;c&gt;</t></si><si/><si><t>中文</t></si>";
    const char *rows =
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c>"
        "<c r=\"D1\" t=\"s\"><v>3</v></c><c r=\"E1\" t=\"s\"><v>5</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>in</t></is></c><c r=\"B2\" t=\"inlineStr\"><is><r><t>ri</t></r>"
        "<r><t>ch</t></r></is></c><c r=\"C2\" t=\"str\"><f>A1&amp;\"x\"</f><v>formula</v></c><c r=\"D2\" t=\"b\"><v>1</v></c>"
        "<c r=\"E2\" t=\"b\"><v>0</v></c><c r=\"F2\" t=\"e\"><v>#N/A</v></c><c r=\"G2\" t=\"s\"><v>4</v></c>"
        "<c r=\"H2\" t=\"inlineStr\"><is><t><![CDATA[cd<x>]]></t></is></c></row>";
    const char *want[] = {"1|plain|rich text| sp |a&b<c>|中文", "2|in|rich|formula|TRUE|FALSE|#N/A||cd<x>"};
    xl_expect(xl_read(xl_book(rows, sst), NULL), want, 2);
}

Test(xlsx, numbers_as_excel_shows_them)
{
    static const struct { const char *v, *want; } t[] = {
        {"42", "42"}, {"42.0", "42"}, {"-3", "-3"}, {"12.5", "12.5"}, {"0.10000000000000001", "0.1"},
        {"0.30000000000000004", "0.3"}, {"1.0000000000000001E-5", "0.00001"}, {"86900000000028", "86900000000028"},
        {"1E+25", "1E+25"}, {"123456789012345680000", "123456789012346000000"}, {"2.5E-3", "0.0025"}, {"-0", "0"},
        {"3.1415926535897931", "3.14159265358979"}, {"1e3", "1000"}, {"125.00000000000001", "125"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char out[64];
        cr_assert_gt(df_xlsx_number_text(t[i].v, out, sizeof out), 0, "%s", t[i].v);
        cr_assert_str_eq(out, t[i].want, "%s", t[i].v);
    }
    static const char *const bad[] = {"", "abc", "inf", "nan", "0x10", "1 2", "1e999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[64];
        cr_assert_eq(df_xlsx_number_text(bad[i], out, sizeof out), -1, "'%s'", bad[i]);
    }
}

Test(xlsx, date_formats)
{
    static const struct { const char *code; enum df_xlsx_datekind kind; } t[] = {
        {"yyyy-mm-dd", DF_XLSX_DATE}, {"d/m/yy", DF_XLSX_DATE}, {"yyyy\\-mm\\-dd;@", DF_XLSX_DATE},
        {"[$-804]yyyy\"年\"m\"月\"d\"日\"", DF_XLSX_DATE}, {"yyyy-mm-dd hh:mm:ss", DF_XLSX_DATETIME},
        {"h:mm", DF_XLSX_TIME}, {"mm:ss", DF_XLSX_TIME}, {"[h]:mm:ss", DF_XLSX_TIME}, {"mmm-yy", DF_XLSX_DATE},
        {"0.00", DF_XLSX_NOT_DATE}, {"[Red]#,##0.00", DF_XLSX_NOT_DATE}, {"0\"d\"", DF_XLSX_NOT_DATE},
        {"General", DF_XLSX_NOT_DATE}, {"#,##0 \"days\";[Blue]-#", DF_XLSX_NOT_DATE}, {"\\d0", DF_XLSX_NOT_DATE},
        {"@", DF_XLSX_NOT_DATE}, {"0.0E+00", DF_XLSX_NOT_DATE},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        cr_assert_eq(df_xlsx_format_kind(t[i].code), t[i].kind, "%s", t[i].code);
    for (long id = 0; id < 60; id++)
        cr_assert_eq(df_xlsx_builtin_kind(id) != DF_XLSX_NOT_DATE, (id >= 14 && id <= 22) || (id >= 45 && id <= 47),
                     "id %ld", id);
}

Test(xlsx, dates_1900_system)
{
    /* styles: 1 date, 2 date-time, 3 time, 4 custom date, 5/6 custom non-dates, 7 [h]:mm, 8 0.00 */
    const char *rows =
        "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>1</v></c><c r=\"B1\" s=\"1\"><v>59</v></c><c r=\"C1\" s=\"1\"><v>60</v></c>"
        "<c r=\"D1\" s=\"1\"><v>61</v></c><c r=\"E1\" s=\"4\"><v>46297</v></c><c r=\"F1\" s=\"2\"><v>46297.5</v></c>"
        "<c r=\"G1\" s=\"3\"><v>0.75</v></c><c r=\"H1\" s=\"1\"><v>2958465</v></c><c r=\"I1\" s=\"1\"><v>2958466</v></c>"
        "<c r=\"J1\" s=\"1\"><v>-1</v></c><c r=\"K1\" s=\"1\"><v>0</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" s=\"5\"><v>46297</v></c><c r=\"B2\" s=\"6\"><v>46297</v></c><c r=\"C2\" s=\"8\"><v>12.5</v></c>"
        "<c r=\"D2\" s=\"7\"><v>1.5</v></c><c r=\"E2\" s=\"99\"><v>7</v></c><c r=\"F2\" s=\"2\"><v>46297.999999999</v></c>"
        "<c r=\"G2\" s=\"1\"><v>46297.9</v></c><c r=\"H2\" s=\"1\" t=\"str\"><v>46297</v></c></row>";
    const char *want[] = {"1|1900-01-01|1900-02-28|1900-02-29|1900-03-01|2026-10-02|2026-10-02 12:00:00|18:00:00|"
                          "9999-12-31|2958466|-1|0",
                          "2|46297|46297|12.5|12:00:00|7|2026-10-03 00:00:00|2026-10-02|46297"};
    xl_expect(xl_read(xl_book(rows, NULL), NULL), want, 2);
}

Test(xlsx, dates_1904_system)
{
    const char *wb = "<workbook " NS "><workbookPr date1904=\"true\"/><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/>"
                     "</sheets></workbook>";
    const char *sheet = "<worksheet " NS "><sheetData><row r=\"3\"><c r=\"A3\" s=\"1\"><v>0</v></c><c r=\"B3\" s=\"1\"><v>1</v></c>"
                        "<c r=\"C3\" s=\"4\"><v>44835</v></c><c r=\"D3\" s=\"2\"><v>44835.25</v></c><c r=\"E3\" s=\"1\"><v>-1</v></c>"
                        "<c r=\"F3\" s=\"1\"><v>59</v></c></row></sheetData></worksheet>";
    xl_part p[] = {{"_rels/.rels", ROOT_RELS, 0}, {"xl/workbook.xml", wb, 0}, {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                   {"xl/styles.xml", STYLES, 0}, {"xl/worksheets/sheet1.xml", sheet, 0}};
    const char *want[] = {"3|1904-01-01|1904-01-02|2026-10-02|2026-10-02 06:00:00|-1|1904-02-29"};
    xl_expect(xl_read(xl_zip("b1904.xlsx", p, 5), NULL), want, 1);
}

Test(xlsx, gaps_row_numbers_and_empty_rows)
{
    const char *rows =
        "<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"C2\"><v>3</v></c></row>"
        "<row r=\"3\"><c r=\"B3\" s=\"1\"/><c r=\"C3\" t=\"s\"/></row>" /* styled empty cells only: skipped */
        "<row r=\"4\"/>"
        "<row r=\"7\"><c r=\"D7\" t=\"inlineStr\"><is><t>d</t></is></c><c r=\"F7\"/></row>"
        "<row><c><v>8</v></c><c><v>9</v></c></row>"  /* no r: the next row, the next columns */
        "<row r=\"10\"><c r=\"AA10\"><v>27</v></c></row>";
    const char *want[] = {"2|1||3", "7||||d", "8|8|9", "10|||||||||||||||||||||||||||27"};
    xl_expect(xl_read(xl_book(rows, NULL), NULL), want, 4);
}

Test(xlsx, more_columns_than_kept)
{
    static char rows[1 << 16];
    size_t k = (size_t)snprintf(rows, sizeof rows, "<row r=\"1\">");
    for (int c = 1; c <= 600; c++) {
        char ref[8];
        int n = 0, v = c;
        char t[8];
        for (; v > 0; v = (v - 1) / 26)
            t[n++] = (char)('A' + (v - 1) % 26);
        for (int i = 0; i < n; i++)
            ref[i] = t[n - 1 - i];
        ref[n] = 0;
        k += (size_t)snprintf(rows + k, sizeof rows - k, "<c r=\"%s1\"><v>%d</v></c>", ref, c);
    }
    snprintf(rows + k, sizeof rows - k, "</row><row r=\"2\"><c r=\"XFD2\"><v>1</v></c></row>");
    xl_rows *g = xl_read(xl_book(rows, NULL), NULL);
    cr_assert_eq(g->rc, 0, "%s", g->err.msg);
    cr_assert_eq(g->n, 2);
    cr_assert_eq(g->nfields[0], 600);
    cr_assert_eq(g->kept[0], DF_CSV_MAX_FIELDS);
    cr_assert_str_eq(g->last[0], "512");
    cr_assert_eq(g->nfields[1], 16384, "XFD is column 16384");
    cr_assert_eq(g->kept[1], DF_CSV_MAX_FIELDS);
    cr_assert_str_eq(g->last[1], "");
}

/* --------------------------------------------------------------- sheets */

static const char *xl_three_sheets(void)
{
    const char *wb = "<workbook " NS "><sheets><sheet name=\"说明\" sheetId=\"1\" r:id=\"rId3\"/>"
                     "<sheet name=\"R&amp;D\" sheetId=\"2\" r:id=\"rId2\"/><sheet name=\"Sales\" sheetId=\"3\" r:id=\"rId1\"/>"
                     "</sheets></workbook>";
    const char *s1 = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>sales</t></is></c></row>"
                     "</sheetData></worksheet>";
    const char *s2 = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>rd</t></is></c></row>"
                     "</sheetData></worksheet>";
    const char *s3 = "<worksheet " NS "><sheetData><row r=\"5\"><c r=\"B5\" t=\"inlineStr\"><is><t>readme</t></is></c></row>"
                     "</sheetData></worksheet>";
    xl_part p[] = {{"_rels/.rels", ROOT_RELS, 0}, {"xl/workbook.xml", wb, 0}, {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                   {"xl/worksheets/sheet1.xml", s1, 0}, {"xl/worksheets/sheet2.xml", s2, 0},
                   {"xl/worksheets/sheet3.xml", s3, 0}};
    return xl_zip("three.xlsx", p, 6);
}

Test(xlsx, sheet_by_name)
{
    const char *path = xl_three_sheets();
    const char *first[] = {"5||readme"}, *rd[] = {"1|rd"}, *sales[] = {"1|sales"};
    xl_expect(xl_read(path, NULL), first, 1);
    xl_expect(xl_read(path, "R&D"), rd, 1);
    xl_expect(xl_read(path, "Sales"), sales, 1);
    xl_expect(xl_read(path, "sales"), sales, 1);
    xl_expect(xl_read(path, "说明"), first, 1);
    const char *want[] = {"three.xlsx: no sheet 'Nope'; the workbook has: 说明, R&D, Sales"};
    xl_expect_error(xl_read(path, "Nope"), want, 1);
}

Test(xlsx, samples_sale_xlsx)
{
    xl_rows *g = xl_read("../../samples/exports/sale.xlsx", NULL);
    cr_assert_eq(g->rc, 0, "%s", g->err.msg);
    cr_assert_eq(g->n, 22, "the 22 lines of sale.csv");
    cr_assert(!strncmp(g->row[0], "1|单据编号|单据日期|", strlen("1|单据编号|单据日期|")), "%s", g->row[0]);
    cr_assert(strstr(g->row[1], "2|XS2026100001|2026-10-02|深圳市海王星辰医药有限公司|86900000000028|"), "%s", g->row[1]);
    cr_assert(strstr(g->row[1], "|2026-02-15|2028-02-14|1,200|盒|12.5|125"), "dates as dates: %s", g->row[1]);
    cr_assert(strstr(g->row[2], "|2026-10-03|"), "20261003 became a date: %s", g->row[2]);
    cr_assert(strstr(g->row[18], "|2028-13-45|"), "a bad date stays text: %s", g->row[18]);
}

/* ------------------------------------------------------ shared strings */

Test(xlsx, shared_strings_spill_to_a_file)
{
    static char sst[1 << 16], rows[1 << 16];
    size_t a = 0, b = 0;
    for (int i = 0; i < 1000; i++)
        a += (size_t)snprintf(sst + a, sizeof sst - a, "<si><t>string number %d</t></si>", i);
    for (int r = 1; r <= 20; r++) {
        int i = (r * 397) % 1000, j = 999 - i;
        b += (size_t)snprintf(rows + b, sizeof rows - b, "<row r=\"%d\"><c r=\"A%d\" t=\"s\"><v>%d</v></c>"
                              "<c r=\"B%d\" t=\"s\"><v>%d</v></c></row>", r, r, i, r, j);
    }
    const char *path = xl_book(rows, sst);
    xl_rows mem = *xl_read(path, NULL);
    cr_assert_eq(mem.rc, 0, "%s", mem.err.msg);
    cr_assert_eq(mem.spilled, 0);
    df_xlsx_limits lim = df_xlsx_default_limits;
    lim.sst_memory = 2048;
    xl_rows *spill = xl_read_limits(path, NULL, &lim);
    cr_assert_eq(spill->rc, 0, "%s", spill->err.msg);
    cr_assert_eq(spill->spilled, 1, "2 KiB of memory: the strings went to a file");
    cr_assert_eq(spill->n, 20);
    for (int r = 0; r < 20; r++)
        cr_assert_str_eq(spill->row[r], mem.row[r]);
    cr_assert_str_eq(mem.row[0], "1|string number 397|string number 602");
}

/* -------------------------------------------------------------- hostile */

#define ROW1(cells) "<row r=\"1\">" cells "</row>"

Test(xlsx, hostile_cells)
{
    static const struct { const char *rows, *sst, *want1, *want2; } t[] = {
        {ROW1("<c r=\"A1\" t=\"s\"><v>5</v></c>"), "<si><t>x</t></si>", "sheet Data row 1 column A",
         "shared string index '5' out of range (the workbook has 1)"},
        {ROW1("<c r=\"A1\" t=\"s\"><v>-1</v></c>"), "<si><t>x</t></si>", "row 1 column A", "index '-1' out of range"},
        {ROW1("<c r=\"A1\" t=\"s\"><v>99999999999999999999999</v></c>"), "<si><t>x</t></si>", "row 1", "out of range"},
        {ROW1("<c r=\"A1\" t=\"s\"><v>0</v></c>"), NULL, "row 1 column A", "(the workbook has 0)"},
        {ROW1("<c r=\"XFE1\"><v>1</v></c>"), NULL, "row 1", "cell reference 'XFE1' is not a cell of A1..XFD1048576"},
        {ROW1("<c r=\"A0\"><v>1</v></c>"), NULL, "row 1", "'A0' is not a cell"},
        {ROW1("<c r=\"1A\"><v>1</v></c>"), NULL, "row 1", "'1A' is not a cell"},
        {ROW1("<c r=\"AAAA1\"><v>1</v></c>"), NULL, "row 1", "'AAAA1' is not a cell"},
        {"<row r=\"1048577\"><c><v>1</v></c></row>", NULL, "sheet Data", "row number '1048577' is not one of 1..1048576"},
        {"<row r=\"x\"/>", NULL, "sheet Data", "row number 'x'"},
        {ROW1("<c r=\"A2\"><v>1</v></c>"), NULL, "row 1", "cell A2 is not in row 1"},
        {ROW1("<c r=\"C1\"><v>1</v></c><c r=\"B1\"><v>2</v></c>"), NULL, "row 1 column B", "cells out of order"},
        {"<row r=\"5\"><c><v>1</v></c></row><row r=\"3\"><c><v>1</v></c></row>", NULL, "row 5", "row 3 comes after row 5"},
        {ROW1("<c r=\"B1\"><v>12abc</v></c>"), NULL, "row 1 column B", "number cell holds '12abc', not a number"},
        {ROW1("<c r=\"B1\" t=\"b\"><v>yes</v></c>"), NULL, "row 1 column B", "boolean cell holds 'yes'"},
        {ROW1("<c r=\"B1\" t=\"zz\"><v>1</v></c>"), NULL, "row 1 column B", "unknown cell type t=\"zz\""},
        {"<row r=\"1\"><c r=\"A1\"><v>1</v></c>", NULL, "sheet Data", "not well-formed XML"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        const char *want[] = {"book.xlsx: ", t[i].want1, t[i].want2};
        xl_expect_error(xl_read(xl_book(t[i].rows, t[i].sst), NULL), want, 3);
    }
}

static const char BOMB_DTD[] =
    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>";
static const char XXE_DTD[] = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>";

/* The standard parts with one replaced by text. */
static const char *xl_with(const char *name, const char *text, size_t len)
{
    static const char sheet[] = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
                                "</sheetData></worksheet>";
    static const char sst[] = "<sst " NS "><si><t>x</t></si></sst>";
    xl_part p[] = {{"_rels/.rels", ROOT_RELS, 0}, {"xl/workbook.xml", WB_ONE, 0}, {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                   {"xl/styles.xml", STYLES, 0}, {"xl/sharedStrings.xml", sst, 0}, {"xl/worksheets/sheet1.xml", sheet, 0}};
    for (int i = 0; i < 6; i++)
        if (!strcmp(p[i].name, name))
            p[i].text = text, p[i].len = len;
    return xl_zip("hostile.xlsx", p, 6);
}

Test(xlsx, hostile_parts)
{
    static char dtd_sheet[4096], dtd_sst[4096], dtd_wb[4096], xxe_sheet[4096];
    snprintf(dtd_sheet, sizeof dtd_sheet, "%s<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is>"
             "<t>&lol3;</t></is></c></row></sheetData></worksheet>", BOMB_DTD);
    snprintf(dtd_sst, sizeof dtd_sst, "%s<sst " NS "><si><t>&lol3;</t></si></sst>", BOMB_DTD);
    snprintf(dtd_wb, sizeof dtd_wb, "%s%s", BOMB_DTD, WB_ONE);
    snprintf(xxe_sheet, sizeof xxe_sheet, "%s<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is>"
             "<t>&e;</t></is></c></row></sheetData></worksheet>", XXE_DTD);
    static const struct { const char *part, *text, *want1, *want2; } t[] = {
        {"xl/worksheets/sheet1.xml", dtd_sheet, "sheet Data", "xl/worksheets/sheet1.xml: it has a DTD"},
        {"xl/worksheets/sheet1.xml", xxe_sheet, "sheet Data", "it has a DTD"},
        {"xl/sharedStrings.xml", dtd_sst, "xl/sharedStrings.xml", "it has a DTD"},
        {"xl/workbook.xml", dtd_wb, "xl/workbook.xml", "it has a DTD"},
        {"xl/worksheets/sheet1.xml", "this is not XML at all", "sheet Data", "not well-formed XML (line 1"},
        {"xl/worksheets/sheet1.xml", "\x89PNG\r\n\x1a\n", "sheet Data", "not well-formed XML"},
        {"xl/worksheets/sheet1.xml", NULL, "xl/worksheets/sheet1.xml", "missing"},
        {"xl/workbook.xml", NULL, "xl/workbook.xml", "missing"},
        {"xl/_rels/workbook.xml.rels", NULL, "xl/_rels/workbook.xml.rels", "missing"},
        {"xl/workbook.xml", "<workbook " NS "><sheets/></workbook>", "xl/workbook.xml", "the workbook has no sheets"},
        {"xl/workbook.xml", "<workbook " NS "><sheets><sheet name=\"Data\" r:id=\"rId7\"/></sheets></workbook>",
         "xl/_rels/workbook.xml.rels", "no relationship for sheet 'Data' (rId7)"},
        {"xl/sharedStrings.xml", "<sst " NS "><si><t>unclosed</si></sst>", "xl/sharedStrings.xml", "not well-formed"},
        {"xl/styles.xml", "<styleSheet", "xl/styles.xml", "not well-formed"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        const char *want[] = {"hostile.xlsx: ", t[i].want1, t[i].want2};
        xl_expect_error(xl_read(xl_with(t[i].part, t[i].text, 0), NULL), want, 3);
    }
}

Test(xlsx, not_an_xlsx)
{
    char path[128];
    snprintf(path, sizeof path, "%s/old.xls", xl_dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" "0000000000000000", 1, 24, f);
    fclose(f);
    const char *xls[] = {"old.xls: an old Excel .xls (BIFF) file or a password-protected workbook", "save it from Excel as .xlsx"};
    xl_expect_error(xl_read(path, NULL), xls, 2);
    const char *csv[] = {"sale.csv: not an .xlsx file ("};
    xl_expect_error(xl_read("../../samples/exports/sale.csv", NULL), csv, 1);
    const char *none[] = {"nothing.xlsx: cannot open"};
    xl_expect_error(xl_read("/nonexistent/nothing.xlsx", NULL), none, 1);
}

/* A sheet of n bytes: one row, then spaces (compresses about 1000:1). */
static char *xl_big_sheet(size_t n)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    const char *head = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData>";
    size_t h = strlen(head);
    memcpy(s, head, h);
    memset(s + h, ' ', n - h - 12);
    memcpy(s + n - 12, "</worksheet>", 13);
    return s;
}

Test(xlsx, zip_bombs)
{
    size_t n = 8u << 20;
    char *big = xl_big_sheet(n);
    const char *path = xl_with("xl/worksheets/sheet1.xml", big, n);
    const char *ratio[] = {"hostile.xlsx: ", "xl/worksheets/sheet1.xml: compressed ", ":1", "over the limit of 1000:1; refused"};
    xl_expect_error(xl_read(path, NULL), ratio, 4);
    df_xlsx_limits lim = df_xlsx_default_limits;
    lim.ratio_max = 100000;
    const char *fine[] = {"1|1"};
    xl_expect(xl_read_limits(path, NULL, &lim), fine, 1);
    lim.part_max = 1u << 20;
    const char *size[] = {"xl/worksheets/sheet1.xml: 8388608 bytes uncompressed, over the limit of 1048576; refused"};
    xl_expect_error(xl_read_limits(path, NULL, &lim), size, 1);
    free(big);
}

/* Rewrites the uncompressed size the zip declares for part (local header
 * and central directory) to size. */
static void xl_patch_size(const char *path, const char *part, uint32_t size)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f), pl = strlen(part);
    int patched = 0;
    for (size_t p = 46; p + pl <= n; p++) {
        if (memcmp(buf + p, part, pl))
            continue;
        unsigned char *le = NULL;
        if (!memcmp(buf + p - 30, "PK\3\4", 4))
            le = buf + p - 30 + 22;
        else if (!memcmp(buf + p - 46, "PK\1\2", 4))
            le = buf + p - 46 + 24;
        if (!le)
            continue;
        for (int i = 0; i < 4; i++)
            le[i] = (unsigned char)(size >> (8 * i));
        patched++;
    }
    cr_assert_eq(patched, 2, "both headers of %s", part);
    rewind(f);
    cr_assert_eq(fwrite(buf, 1, n, f), n);
    fclose(f);
}

Test(xlsx, part_larger_than_declared)
{
    size_t n = 200000;
    char *big = xl_big_sheet(n);
    const char *path = xl_with("xl/worksheets/sheet1.xml", big, n);
    xl_patch_size(path, "xl/worksheets/sheet1.xml", 1000);
    const char *want[] = {"hostile.xlsx: sheet Data", "xl/worksheets/sheet1.xml: "};
    xl_rows *g = xl_read(path, NULL);
    xl_expect_error(g, want, 2);
    cr_assert(strstr(g->err.msg, "more than the 1000 bytes the zip declares") || strstr(g->err.msg, "cannot read it"),
              "%s", g->err.msg);
    free(big);
}
