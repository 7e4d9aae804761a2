/* tests/unit/test_decode.c — converter/decode.c: UTF-8 validation in place,
 * GBK and GB18030 through iconv (two- and four-byte characters), invalid
 * bytes reported with their offset, and the lossy form used in rejects. */
#include <criterion/criterion.h>
#include <string.h>

#include "converter/decode.h"

static df_decoder de_utf8, de_gbk, de_gb18030;

static void de_setup(void)
{
    df_error err;
    cr_assert_eq(df_decoder_open(&de_utf8, DF_ENC_UTF8, &err), 0, "%s", err.msg);
    cr_assert_eq(df_decoder_open(&de_gbk, DF_ENC_GBK, &err), 0, "%s", err.msg);
    cr_assert_eq(df_decoder_open(&de_gb18030, DF_ENC_GB18030, &err), 0, "%s", err.msg);
}

static void de_teardown(void)
{
    df_decoder_close(&de_utf8);
    df_decoder_close(&de_gbk);
    df_decoder_close(&de_gb18030);
}

TestSuite(decode, .init = de_setup, .fini = de_teardown);

/* Decodes in (len bytes); expects success and the UTF-8 text want. */
static void de_ok(df_decoder *d, const char *in, size_t len, const char *want)
{
    char scratch[256];
    const char *out = NULL;
    size_t outlen = 0, bad = 12345;
    int rc = df_decode(d, in, len, scratch, len * 3 + 16, &out, &outlen, &bad);
    cr_expect_eq(rc, 0, "decoding failed at byte %zu", bad);
    if (rc == 0)
        cr_expect(outlen == strlen(want) && memcmp(out, want, outlen) == 0, "decoded to '%.*s', want '%s'",
                  (int)outlen, out, want);
}

/* Expects failure with the first bad byte at offset want_bad. */
static void de_bad(df_decoder *d, const char *in, size_t len, size_t want_bad, const char *what)
{
    char scratch[256];
    const char *out = NULL;
    size_t outlen = 0, bad = 12345;
    int rc = df_decode(d, in, len, scratch, len * 3 + 16, &out, &outlen, &bad);
    cr_expect_neq(rc, 0, "%s: decoded although invalid", what);
    if (rc != 0)
        cr_expect_eq(bad, want_bad, "%s: bad offset %zu, want %zu", what, bad, want_bad);
}

#define DE_OK(d, lit, want) de_ok((d), (lit), sizeof(lit) - 1, (want))
#define DE_BAD(d, lit, off, what) de_bad((d), (lit), sizeof(lit) - 1, (off), (what))

/* ---- UTF-8 ------------------------------------------------------------ */

Test(decode, utf8_valid_is_returned_in_place)
{
    static const char in[] = "阿莫西林 0.25g 𠀀";
    char scratch[64];
    const char *out;
    size_t outlen, bad;
    cr_assert_eq(df_decode(&de_utf8, in, sizeof in - 1, scratch, sizeof scratch, &out, &outlen, &bad), 0);
    cr_expect_eq(out, in, "valid UTF-8 is not copied");
    cr_expect_eq(outlen, sizeof in - 1);
    DE_OK(&de_utf8, "", "");
    DE_OK(&de_utf8, "\xC2\x80\xEF\xBF\xBE", "\xC2\x80\xEF\xBF\xBE"); /* any code point: rules judge controls */
}

Test(decode, utf8_overlong_forms)
{
    DE_BAD(&de_utf8, "ab\xC0\xAF", 2, "overlong two-byte");
    DE_BAD(&de_utf8, "\xC1\xBF", 0, "overlong two-byte C1");
    DE_BAD(&de_utf8, "x\xE0\x80\xAF", 1, "overlong three-byte");
    DE_BAD(&de_utf8, "\xE0\x9F\xBF", 0, "overlong three-byte edge");
    DE_BAD(&de_utf8, "\xF0\x80\x80\xAF", 0, "overlong four-byte");
    DE_BAD(&de_utf8, "\xF0\x8F\xBF\xBF", 0, "overlong four-byte edge");
    DE_OK(&de_utf8, "\xE0\xA0\x80", "\xE0\xA0\x80"); /* U+0800, the shortest three-byte */
    DE_OK(&de_utf8, "\xF0\x90\x80\x80", "\xF0\x90\x80\x80"); /* U+10000 */
}

Test(decode, utf8_surrogates_and_beyond_unicode)
{
    DE_BAD(&de_utf8, "\xED\xA0\x80", 0, "U+D800");
    DE_BAD(&de_utf8, "ok\xED\xBF\xBF", 2, "U+DFFF");
    DE_OK(&de_utf8, "\xED\x9F\xBF", "\xED\x9F\xBF"); /* U+D7FF */
    DE_BAD(&de_utf8, "\xF4\x90\x80\x80", 0, "U+110000");
    DE_BAD(&de_utf8, "\xF5\x80\x80\x80", 0, "F5 lead");
    DE_OK(&de_utf8, "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
}

Test(decode, utf8_truncated_and_stray_bytes)
{
    DE_BAD(&de_utf8, "阿\xE8\x8E", 3, "truncated three-byte at the end");
    DE_BAD(&de_utf8, "\xF0\xA0\x80", 0, "truncated four-byte");
    DE_BAD(&de_utf8, "\xE8\x8E" "a", 0, "truncated three-byte before ASCII");
    DE_BAD(&de_utf8, "abc\x80", 3, "lone continuation");
    DE_BAD(&de_utf8, "\xFF", 0, "FF");
    DE_BAD(&de_utf8, "\xFE", 0, "FE");
}

Test(decode, utf8_offset_past_the_ascii_fast_path)
{
    /* The validator skips ASCII eight bytes at a time: the offset of a bad
     * byte after long ASCII runs must still be exact. */
    char buf[200];
    for (size_t pos = 0; pos < 40; pos++) {
        memset(buf, 'a', sizeof buf);
        buf[pos] = (char)0xFF;
        size_t got = df_utf8_valid_prefix(buf, 60);
        cr_expect_eq(got, pos, "bad byte at %zu reported at %zu", pos, got);
    }
    memset(buf, 'a', sizeof buf);
    cr_expect_eq(df_utf8_valid_prefix(buf, 123), 123);
    /* A multi-byte character straddling an 8-byte boundary. */
    memcpy(buf + 7, "阿", 3);
    cr_expect_eq(df_utf8_valid_prefix(buf, 20), 20);
    buf[9] = 'x'; /* cut its last byte */
    cr_expect_eq(df_utf8_valid_prefix(buf, 20), 7);
}

/* ---- GBK and GB18030 -------------------------------------------------- */

Test(decode, gbk_two_byte_characters)
{
    DE_OK(&de_gbk, "\xB0\xA2\xC4\xAA\xCE\xF7\xC1\xD6", "阿莫西林");
    DE_OK(&de_gbk, "ABC 123", "ABC 123"); /* ASCII fast path */
    DE_OK(&de_gbk, "0.25g*24\xC1\xA3/\xBA\xD0", "0.25g*24粒/盒");
}

Test(decode, gb18030_two_and_four_byte_characters)
{
    /* 𠀀 U+20000 is 95 32 82 36 in GB18030 (iconv -f UTF-8 -t GB18030). */
    DE_OK(&de_gb18030, "\x95\x32\x82\x36", "\xF0\xA0\x80\x80");
    DE_OK(&de_gb18030, "\x95\x32\x82\x36\xBF\xB5\xC6\xAC", "𠀀康片");
    DE_OK(&de_gb18030, "\xB0\xA2", "阿");
    /* € is A2 E3 in GB18030 */
    DE_OK(&de_gb18030, "\xA2\xE3", "€");
    /* GBK has no four-byte characters. */
    DE_BAD(&de_gbk, "\x95\x32\x82\x36", 0, "four-byte in GBK");
}

Test(decode, gb_invalid_bytes_reported_with_offset)
{
    DE_BAD(&de_gb18030, "\xB0\xA2\xFF\xB0\xA2", 2, "FF in GB18030");
    DE_BAD(&de_gb18030, "ab\x80", 2, "80 alone in GB18030");
    DE_BAD(&de_gbk, "\xB0\xA2\xC4\xAA\xFF", 4, "FF in GBK");
    DE_BAD(&de_gbk, "x\xB0\x20", 1, "lead byte followed by a space");
}

Test(decode, gb_truncated_at_the_end)
{
    DE_BAD(&de_gb18030, "\xB0\xA2\xB0", 2, "half a two-byte character");
    DE_BAD(&de_gb18030, "\xB0\xA2\x95\x32", 2, "half a four-byte character");
    DE_BAD(&de_gbk, "\xC4", 0, "lone lead byte");
}

Test(decode, small_scratch_fails_cleanly)
{
    char scratch[4];
    const char *out;
    size_t outlen, bad = 0;
    /* 4 characters need 12 bytes of UTF-8 */
    cr_expect_neq(df_decode(&de_gbk, "\xB0\xA2\xC4\xAA\xCE\xF7\xC1\xD6", 8, scratch, sizeof scratch, &out, &outlen,
                            &bad),
                  0);
}

Test(decode, decoder_is_reset_between_fields)
{
    /* A field that ended halfway through a character must not leave state
     * that changes the next field's decoding. */
    DE_BAD(&de_gb18030, "\x95\x32", 0, "half a four-byte");
    DE_OK(&de_gb18030, "\xB0\xA2", "阿");
    DE_OK(&de_gb18030, "\x95\x32\x82\x36", "\xF0\xA0\x80\x80");
}

/* ---- lossy decoding for rejects.csv ----------------------------------- */

static void de_lossy(df_decoder *d, const char *in, size_t len, const char *want)
{
    char out[256];
    size_t n = df_decode_lossy(d, in, len, out, sizeof out);
    cr_expect(n == strlen(want) && memcmp(out, want, n) == 0, "lossy gave '%.*s', want '%s'", (int)n, out, want);
}

Test(decode, lossy_replaces_each_bad_byte)
{
    de_lossy(&de_utf8, "对乙酰\x9F氨", 13, "对乙酰\xEF\xBF\xBD氨");
    de_lossy(&de_utf8, "\xFF\xFE", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
    de_lossy(&de_gb18030, "\xB0\xA2\xFF\xB0\xA2", 5, "阿\xEF\xBF\xBD阿");
    de_lossy(&de_gbk, "ok", 2, "ok");
}
