/* tests/fuzz/fuzz_xlsx.c — libFuzzer harness: arbitrary bytes as an .xlsx
 * through the streaming reader (converter/xlsx.c). The first byte picks the
 * sheet (first, or by name) and a tiny shared-strings memory (so that the
 * spill file is fuzzed too); the rest is either a whole zip (odd first
 * byte) or the sheet XML placed in an otherwise valid workbook (even), so
 * that the XML paths are reached without the fuzzer having to build zips.
 * Every row must be well-formed: fields NUL-terminated at their length,
 * kept <= DF_CSV_MAX_FIELDS <= nfields when truncated, lines increasing. */
#include "tests/fuzz/fuzz_common.h"

#include <zip.h>

#include "converter/xlsx.h"

static const char ROOT_RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";
static const char WB[] =
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><workbookPr date1904=\"0\"/>"
    "<sheets><sheet name=\"Data\" r:id=\"rId1\"/></sheets></workbook>";
static const char WB_RELS[] =
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>";
static const char STYLES[] =
    "<styleSheet><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm\"/></numFmts><cellXfs>"
    "<xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"20\"/></cellXfs></styleSheet>";
static const char SST[] =
    "<sst><si><t>alpha</t></si><si><r><t>be</t></r><r><t>ta</t></r></si><si><t>中文</t></si><si/></sst>";

/* Writes the standard workbook with sheet as its sheet XML to path. */
static int write_book(const char *path, const uint8_t *sheet, size_t n)
{
    int zerr;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return -1;
    const char *names[] = {"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                           "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"};
    const void *data[] = {ROOT_RELS, WB, WB_RELS, STYLES, SST, sheet};
    size_t len[] = {sizeof ROOT_RELS - 1, sizeof WB - 1, sizeof WB_RELS - 1, sizeof STYLES - 1, sizeof SST - 1, n};
    for (int i = 0; i < 6; i++) {
        zip_source_t *s = zip_source_buffer(za, data[i], len[i], 0);
        if (!s || zip_file_add(za, names[i], s, ZIP_FL_OVERWRITE) < 0) {
            zip_source_free(s);
            zip_discard(za);
            return -1;
        }
    }
    return zip_close(za) == 0 ? 0 : (zip_discard(za), -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    char path[700];
    fz_file f = {.fd = -1};
    if (mode & 1) {
        if (fz_file_open(&f, data + 1, size - 1) != 0)
            return 0;
        snprintf(path, sizeof path, "%s", f.path);
    } else {
        snprintf(path, sizeof path, "%s/book.xlsx", fz_scratch());
        if (write_book(path, data + 1, size - 1) != 0)
            return 0;
    }
    df_xlsx_limits lim = df_xlsx_default_limits;
    if (mode & 2)
        lim.sst_memory = 16;
    df_error err;
    df_xlsx *x;
    if (df_xlsx_open_limits(path, (mode & 4) ? "Data" : NULL, &lim, &x, &err) == 0) {
        static df_csv_row row;
        long last = 0;
        int rc;
        while ((rc = df_xlsx_next(x, &row, &err)) == 1) {
            if (row.line <= last || row.line > DF_XLSX_MAX_ROWS || row.kept > DF_CSV_MAX_FIELDS ||
                row.kept > row.nfields || (row.nfields > DF_CSV_MAX_FIELDS && row.kept != DF_CSV_MAX_FIELDS))
                abort();
            for (int i = 0; i < row.kept; i++)
                if (strlen(row.field[i]) != row.len[i])
                    abort();
            last = row.line;
        }
        if (rc < 0 && !strstr(err.msg, path))
            abort(); /* every error names the file */
        (void)df_xlsx_bytes_done(x);
        df_xlsx_close(x);
    } else if (!strstr(err.msg, path)) {
        abort();
    }
    if (f.fd >= 0)
        fz_file_close(&f);
    return 0;
}
