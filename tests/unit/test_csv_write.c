/* tests/unit/test_csv_write.c — CSV cells for spreadsheet users: opened in
 * Excel, no cell runs as a formula and no long digit code turns into
 * 8.69E+13; the raw format keeps every value as it is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv_write.h"

/* The field as written in the given format. */
static void cw_cell(df_csv_format fmt, const char *in, char *out, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    if (fmt == DF_CSV_RAW)
        df_csv_put_field(f, in, strlen(in));
    else
        df_csv_put_excel_field(f, in, strlen(in));
    fclose(f);
    snprintf(out, n, "%s", buf);
    free(buf);
}

Test(csv_write, excel_cells_neither_run_nor_lose_digits)
{
    static const struct { const char *in, *excel; } cases[] = {
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"=1+2", "'=1+2"},
        {"+1+2", "'+1+2"},
        {"-2+3", "'-2+3"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\t=1", "'\t=1"},
        {"\r=1", "\"'\r=1\""},
        {"-5", "-5"},            /* a plain negative quantity stays a number */
        {"+3.5", "+3.5"},
        {"86900000000001", "\"=\"\"86900000000001\"\"\""}, /* 14-digit DrugCode */
        {"914401011234567890", "\"=\"\"914401011234567890\"\"\""}, /* all-digit credit code */
        {"00123", "\"=\"\"00123\"\"\""}, /* leading zero kept */
        {"12345678901", "12345678901"}, /* 11 digits: Excel shows them as they are */
        {"0", "0"},
        {"91440101MA59TEST0A", "91440101MA59TEST0A"},
        {"阿莫西林胶囊", "阿莫西林胶囊"},
        {"a,b", "\"a,b\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char got[256];
        cw_cell(DF_CSV_EXCEL, cases[i].in, got, sizeof got);
        cr_expect_str_eq(got, cases[i].excel, "excel cell for '%s'", cases[i].in);
        cw_cell(DF_CSV_RAW, cases[i].in, got, sizeof got);
        int quoted = strpbrk(cases[i].in, ",\"\r\n") != NULL;
        if (!quoted)
            cr_expect_str_eq(got, cases[i].in, "raw cell for '%s'", cases[i].in);
    }
}

Test(csv_write, format_names)
{
    df_csv_format f;
    cr_expect_eq(df_csv_format_parse("excel", &f), 0);
    cr_expect_eq(f, DF_CSV_EXCEL);
    cr_expect_eq(df_csv_format_parse("raw", &f), 0);
    cr_expect_eq(f, DF_CSV_RAW);
    cr_expect_eq(df_csv_format_parse("xlsx", &f), -1);
}
