/* tests/unit/test_convert_rows.c — the converter's one pass over a text
 * value (df_text_scan, converter/pipeline.h) judges exactly as the rules'
 * df_valid_utf8_text does, counts the same characters, and says whether
 * canonical XML escapes a byte of it: the rules then trust it (issue 14,
 * one UTF-8 validation per field). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "converter/pipeline.h"
#include "mapping/rules.h"

static void same_verdict(const char *s, size_t n)
{
    size_t c1 = 0, c2 = 0;
    int esc = -1;
    int a = df_text_scan(s, n, &c1, &esc);
    int b = df_valid_utf8_text(s, n, &c2);
    cr_assert_eq(a, b, "verdicts differ on %zu bytes (first %02x)", n, n ? (unsigned char)s[0] : 0);
    if (!a)
        return;
    cr_assert_eq(c1, c2, "character counts differ");
    int want = 0;
    for (size_t i = 0; i < n; i++)
        want |= s[i] == '&' || s[i] == '<' || s[i] == '>' || s[i] == '\r';
    cr_assert_eq(esc, want, "escape flag");
}

TestSuite(convert_rows);

/* Every sequence of one to three bytes from a set that covers each branch
 * of UTF-8 (and each ASCII class). */
Test(convert_rows, text_scan_agrees_on_short_sequences)
{
    const unsigned char b[] = {0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, '&', '<', '>', 'A', 0x7f, 0x80, 0x9f, 0xa0,
                               0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5,
                               0xff, 0x8f, 0x90};
    size_t nb = sizeof b;
    char s[4];
    for (size_t i = 0; i < nb; i++) {
        s[0] = (char)b[i];
        same_verdict(s, 1);
        for (size_t j = 0; j < nb; j++) {
            s[1] = (char)b[j];
            same_verdict(s, 2);
            for (size_t k = 0; k < nb; k++) {
                s[2] = (char)b[k];
                same_verdict(s, 3);
                for (size_t l = 0; l < nb; l += 3) {
                    s[3] = (char)b[l];
                    same_verdict(s, 4);
                }
            }
        }
    }
}

/* Random mixes of valid characters and stray bytes, as ERP text can be. */
Test(convert_rows, text_scan_agrees_on_random_text)
{
    static const char *pieces[] = {"阿莫西林", "a", "&", "<>", "\r\n", "\t", "𠀀", "é", "\xef\xbf\xbd",
                                   "\xef\xbf\xbe", "\xed\xa0\x80", "\xc2\x85", "\xc2\xa0", "\x7f", "\x01",
                                   "\xff", "\xe4\xb8", "\xf4\x90\x80\x80", "国药准字H44021111", " "};
    size_t np = sizeof pieces / sizeof *pieces;
    srand(1414);
    char buf[512];
    for (int t = 0; t < 20000; t++) {
        size_t n = 0;
        int parts = rand() % 12;
        for (int k = 0; k < parts; k++) {
            /* mostly valid pieces, sometimes a bad one */
            const char *p = pieces[rand() % 10 == 0 ? (size_t)rand() % np : (size_t)rand() % 9];
            size_t l = strlen(p);
            if (n + l >= sizeof buf)
                break;
            memcpy(buf + n, p, l);
            n += l;
        }
        same_verdict(buf, n);
        if (n > 1)
            same_verdict(buf, n - 1); /* cut inside a character */
    }
}
