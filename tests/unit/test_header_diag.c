/* tests/unit/test_header_diag.c — df_header_diagnose: for a table of file
 * heads (BOMs, GBK read as UTF-8, GB18030-only characters read as GBK,
 * the header further down), the lines it writes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "converter/header_diag.h"

typedef struct hd_case {
    const char *name;
    const char *head;
    size_t len;               /* 0: strlen */
    const char *enc;
    int skip_rows;
    const char *want[3];      /* substrings expected in the output */
    const char *not_want;     /* a substring that must not be there */
} hd_case;

/* 单据编号,数量 in GBK, and 𠀀 (U+20000, GB18030 only: 95 32 82 36). */
#define GBK_HDR "\xb5\xa5\xbe\xdd\xb1\xe0\xba\xc5,\xca\xfd\xc1\xbf\n"
#define GB18030_ONLY "\x95\x32\x82\x36"

static const hd_case hd_cases[] = {
    {"plain mismatch", "单据号,数量\n1,2\n", 0, "UTF-8", 0,
     {"the header row read (line 1): «单据号», «数量»", "neither the encoding nor skip_rows", "«单据编号»"}, "set "},
    {"control characters escaped", "单据编号\t,数量\x01\n", 0, "UTF-8", 0, {"«单据编号\\t», «数量\\x01»"}, NULL},
    {"utf-16 le", "\xff\xfe\xd5\x53,\x00\n\x00", 8, "UTF-8", 0, {"the file is UTF-16 LE", "save it as UTF-8 or GBK"},
     NULL},
    {"utf-16 be", "\xfe\xff\x53\xd5", 4, "GBK", 0, {"UTF-16 BE"}, NULL},
    /* 单据编号,Qty\n1,2\n without a byte order mark (iconv -t UTF-16BE / UTF-16LE) */
    {"utf-16 be unmarked", "\x53\x55\x63\x6e\x7f\x16\x53\xf7\0,\0Q\0t\0y\0\n\0001\0,\0002\0\n", 26, "UTF-8", 0,
     {"looks like UTF-16 BE without a byte order mark", "save it as UTF-8 or GBK"}, "set encoding"},
    {"utf-16 le unmarked", "\x55\x53\x6e\x63\x16\x7f\xf7\x53,\0Q\0t\0y\0\n\0001\0,\0002\0\n\0", 26, "GBK", 0,
     {"looks like UTF-16 LE without a byte order mark"}, "set encoding"},
    {"utf-8 bom read as GBK", "\xef\xbb\xbf单据编号,数量\n", 0, "GBK", 0,
     {"UTF-8 byte order mark", "encoding: GBK reads as part of the first column name", "set encoding: UTF-8"}, NULL},
    {"utf-8 bom is fine as UTF-8", "\xef\xbb\xbf单据号,数量\n", 0, "UTF-8", 0, {"«单据号»"}, "byte order"},
    {"gbk read as utf-8", GBK_HDR "1,2\n", 0, "UTF-8", 0,
     {"is not UTF-8, and the bytes are valid GBK", "set encoding: GBK", "read as GBK, the header row (line 1)"},
     NULL},
    {"gbk header further down", "\xb1\xa8\xb1\xed\n" GBK_HDR, 0, "UTF-8", 0,
     {"set encoding: GBK", "read as GBK, the header looks like it is on line 2: set encoding: GBK and skip_rows: 1"},
     NULL},
    {"gb18030 char read as GBK", GBK_HDR "1," GB18030_ONLY "\n", 0, "GBK", 0,
     {"byte 17 (line 2) is not GBK", "valid GB18030", "set encoding: GB18030"}, NULL},
    {"gb18030 char read as UTF-8", "单据编号,数量\n1," GB18030_ONLY "\n", 0, "UTF-8", 0,
     {"is not UTF-8, and the bytes are valid GB18030", "set encoding: GB18030"}, NULL},
    {"utf-8 read as GBK", "单据编号,数量\n", 0, "GBK", 0, {"read as UTF-8, the header row (line 1) has the mapped names",
     "set encoding: UTF-8"}, NULL},
    {"header on line 3", "库存报表\n2026年10月\n单据编号,数量\n1,2\n", 0, "UTF-8", 0,
     {"the header row read (line 1): «库存报表»", "the header looks like it is on line 3: set skip_rows: 2"}, NULL},
    {"header above skip_rows", "单据编号,数量\n1,2\n3,4\n", 0, "UTF-8", 2,
     {"the header row read (line 3): «3», «4»", "on line 1: set skip_rows: 0"}, NULL},
    {"blank lines and quoted breaks counted as the reader does",
     "\"报表\n第二行\"\r\n\r\n单据编号,数量\r\n", 0, "UTF-8", 0, {"«报表\\n第二行»", "on line 4: set skip_rows: 1"}, NULL},
    {"skip_rows past the head", "a\nb\n", 0, "UTF-8", 5, {"they hold 2 rows, and skip_rows: 5 skips them all"}, NULL},
    {"not valid anywhere", "\xff\xff\xff,x\n", 0, "UTF-8", 0, {"nor valid in UTF-8, GBK or GB18030"}, NULL},
};

Test(header_diag, table)
{
    const char *wanted[] = {"单据编号", "数量"};
    for (size_t i = 0; i < sizeof hd_cases / sizeof *hd_cases; i++) {
        const hd_case *c = &hd_cases[i];
        char out[2048];
        size_t len = c->len ? c->len : strlen(c->head);
        df_header_diagnose((const unsigned char *)c->head, len, c->enc, c->skip_rows, ',', wanted, 2, out,
                           sizeof out);
        for (int k = 0; k < 3 && c->want[k]; k++)
            cr_expect(strstr(out, c->want[k]) != NULL, "%s: expected '%s' in:\n%s", c->name, c->want[k], out);
        if (c->not_want)
            cr_expect(strstr(out, c->not_want) == NULL, "%s: did not expect '%s' in:\n%s", c->name, c->not_want,
                      out);
        cr_expect(len == 0 || out[strlen(out) - 1] == '\n', "%s: lines end in a newline", c->name);
    }
}

Test(header_diag, output_is_bounded)
{
    static char head[DF_HEADER_DIAG_HEAD];
    size_t n = 0;
    while (n + 16 < sizeof head)
        n += (size_t)snprintf(head + n, sizeof head - n, "列名称%zu,", n);
    head[n++] = '\n';
    const char *wanted[] = {"单据编号"};
    for (size_t cap = 1; cap < 400; cap += 37) {
        char out[400];
        memset(out, 'Z', sizeof out);
        df_header_diagnose((const unsigned char *)head, n, "UTF-8", 0, ',', wanted, 1, out, cap);
        cr_expect_lt(strlen(out), cap, "cap %zu", cap);
        cr_expect_eq(out[cap], 'Z', "cap %zu: nothing written past cap", cap);
    }
    char out[2048];
    df_header_diagnose((const unsigned char *)head, n, "UTF-8", 0, ',', wanted, 1, out, sizeof out);
    cr_expect(strstr(out, ", …") != NULL, "a long header is cut: %s", out);
    cr_expect_lt(strlen(out), 1700);
}
