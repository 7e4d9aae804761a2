/* tests/unit/test_transform.c — the value transforms of mapping/transform.c:
 * trim, constant, default, date input formats, decimal normalisation and
 * value maps, each step alone and through df_transform in its documented
 * order (constant, trim, default, map, then date or decimal). */
#include <criterion/criterion.h>
#include <string.h>

#include "mapping/decimal.h"
#include "mapping/transform.h"

/* ---- helpers ---------------------------------------------------------- */

/* A field source with trim on (the loader's default) and nothing else. */
static void tx_source(df_field_source *s)
{
    memset(s, 0, sizeof *s);
    s->mapped = 1;
    s->trim = 1;
    s->column = 0;
}

/* Runs df_transform on a NUL-terminated input; the result is copied into
 * out (NUL-terminated) and the status returned. */
static df_tx_status tx_run(const df_field_source *s, const char *in, char *out, size_t outcap)
{
    char scratch[512];
    const char *v = NULL;
    size_t vl = 0;
    size_t inlen = strlen(in);
    df_tx_status st = df_transform(s, in, inlen, scratch, inlen + 64 < sizeof scratch ? inlen + 64 : sizeof scratch,
                                   &v, &vl);
    cr_assert_lt(vl, outcap);
    memcpy(out, v, vl);
    out[vl] = 0;
    return st;
}

static void tx_trim_str(const char *in, const char *want)
{
    const char *s = in;
    size_t l = strlen(in);
    df_trim(&s, &l);
    cr_expect(l == strlen(want) && memcmp(s, want, l) == 0, "trim('%s') gave '%.*s', want '%s'", in, (int)l, s,
              want);
}

static void tx_date_ok(const char *fmt, const char *in, const char *want)
{
    char out[11] = "";
    cr_expect(df_date_parse(fmt, in, strlen(in), out), "'%s' with format '%s' should parse", in, fmt);
    cr_expect_str_eq(out, want, "'%s' with format '%s'", in, fmt);
}

static void tx_date_bad(const char *fmt, const char *in)
{
    char out[11];
    cr_expect_not(df_date_parse(fmt, in, strlen(in), out), "'%s' with format '%s' should not parse", in, fmt);
}

static void tx_decimal_mode(int comma, const char *in, const char *want)
{
    char out[128];
    size_t n = 0;
    int rc = df_decimal_normalise(in, strlen(in), comma, out, sizeof out, &n);
    if (!want) {
        cr_expect_eq(rc, -1, "normalise('%s'%s) should be malformed, gave '%.*s'", in, comma ? ", comma" : "",
                     (int)n, out);
        return;
    }
    cr_expect(rc == 0 && n == strlen(want) && memcmp(out, want, n) == 0, "normalise('%s'%s) gave %d '%.*s', want '%s'",
              in, comma ? ", comma" : "", rc, (int)n, out, want);
}

static void tx_decimal(const char *in, const char *want)
{
    tx_decimal_mode(0, in, want);
}

#define TX_N(a) (sizeof(a) / sizeof *(a))

/* Tables of cases, one loop each; every failure names its case's input. */
typedef struct {
    const char *in, *want;
} tx_trim_case;

static void tx_trims(const tx_trim_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tx_trim_str(c[i].in, c[i].want);
}

typedef struct {
    const char *fmt, *in, *want; /* want NULL: does not parse */
} tx_date_case;

static void tx_dates(const tx_date_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].want)
            tx_date_ok(c[i].fmt, c[i].in, c[i].want);
        else
            tx_date_bad(c[i].fmt, c[i].in);
    }
}

typedef struct {
    const char *in, *want; /* want NULL: malformed */
} tx_decimal_case;

static void tx_decimals(int comma, const tx_decimal_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tx_decimal_mode(comma, c[i].in, c[i].want);
}

/* df_transform on `in` gives status `st` and, unless want is NULL, the value
 * `want`; `why` (optional) says what the case shows. */
typedef struct {
    const char *in;
    df_tx_status st;
    const char *want, *why;
} tx_case;

static void tx_runs(const df_field_source *s, const tx_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[64];
        const char *why = c[i].why ? c[i].why : "";
        df_tx_status st = tx_run(s, c[i].in, out, sizeof out);
        cr_expect_eq(st, c[i].st, "transform('%s'): status %d, want %d %s", c[i].in, (int)st, (int)c[i].st, why);
        if (c[i].want)
            cr_expect_str_eq(out, c[i].want, "transform('%s') %s", c[i].in, why);
    }
}

/* ---- trim ------------------------------------------------------------- */

Test(transform, trim_ascii_spaces_and_tabs)
{
    static const tx_trim_case cases[] = {
        {"  abc  ", "abc"},
        {"\tabc\t", "abc"},
        {"abc", "abc"},
        {"a b  c", "a b  c"}, /* inner spaces stay */
        {"    ", ""},
        {"", ""},
    };
    tx_trims(cases, TX_N(cases));
}

Test(transform, trim_ideographic_space)
{
    /* U+3000 is E3 80 80. */
    static const tx_trim_case cases[] = {
        {"\xE3\x80\x80\xE9\x98\xBF\xE3\x80\x80", "\xE9\x98\xBF"},
        {" \xE3\x80\x80 x \xE3\x80\x80\xE3\x80\x80", "x"},
        {"\xE3\x80\x80", ""},
        /* Inner ideographic space stays. */
        {"a\xE3\x80\x80" "b", "a\xE3\x80\x80" "b"},
    };
    tx_trims(cases, TX_N(cases));
}

Test(transform, trim_does_not_eat_partial_multibyte)
{
    /* 〠 U+3020 is E3 80 A0: shares two bytes with U+3000, must stay. */
    tx_trim_str("\xE3\x80\xA0", "\xE3\x80\xA0");
    /* A value ending with ...E3 80 must not lose bytes. */
    tx_trim_str("x\xE3\x80", "x\xE3\x80");
}

Test(transform, trim_through_transform_and_off)
{
    df_field_source s;
    char out[64];
    tx_source(&s);
    cr_expect_eq(tx_run(&s, "\xE3\x80\x80 B001 \t", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "B001");
    s.trim = 0;
    cr_expect_eq(tx_run(&s, " B001 ", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, " B001 ");
}

/* ---- constant and default --------------------------------------------- */

Test(transform, constant_replaces_the_input)
{
    df_field_source s;
    char out[64];
    tx_source(&s);
    s.has_constant = 1;
    s.constant = "盒";
    s.constant_len = strlen(s.constant);
    cr_expect_eq(tx_run(&s, "瓶", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "盒");
    cr_expect_eq(tx_run(&s, "", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "盒");
}

Test(transform, default_only_when_empty_after_trim)
{
    df_field_source s;
    tx_source(&s);
    s.has_default = 1;
    s.def = "盒";
    s.def_len = strlen(s.def);
    static const tx_case cases[] = {
        {"", DF_TX_OK, "盒", NULL},
        {"  \xE3\x80\x80", DF_TX_OK, "盒", "a value of spaces is empty once trimmed"},
        {"瓶", DF_TX_OK, "瓶", NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
}

Test(transform, empty_without_default_stays_empty)
{
    df_field_source s;
    char out[64];
    tx_source(&s);
    s.ndate_formats = 1;
    strcpy(s.date_formats[0], "%Y-%m-%d");
    cr_expect_eq(tx_run(&s, "  ", out, sizeof out), DF_TX_OK, "empty is for E_REQUIRED, not a bad date");
    cr_expect_str_eq(out, "");
}

Test(transform, default_goes_through_date_and_decimal)
{
    df_field_source s;
    char out[64];
    tx_source(&s);
    s.has_default = 1;
    s.def = "2026/1/2";
    s.def_len = strlen(s.def);
    s.ndate_formats = 1;
    strcpy(s.date_formats[0], "%Y/%m/%d");
    cr_expect_eq(tx_run(&s, "", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "2026-01-02");

    tx_source(&s);
    s.has_default = 1;
    s.def = "１,０００";
    s.def_len = strlen(s.def);
    s.decimal = 1;
    cr_expect_eq(tx_run(&s, "", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "1000");
}

/* A default (or mapped value) longer than the input is normalised in full,
 * not cut to the scratch space the input's length would need. */
Test(transform, long_default_decimal_is_not_truncated)
{
    df_field_source s;
    tx_source(&s);
    s.has_default = 1;
    s.def = "1,234,567,890,123,456,789,012,345,678,901,234,567,890.25";
    s.def_len = strlen(s.def);
    s.decimal = 1;
    char scratch[256];
    const char *v;
    size_t vl;
    /* The contract: scratch of at least inlen + 64 bytes. */
    cr_assert_eq(df_transform(&s, "", 0, scratch, 0 + 64, &v, &vl), DF_TX_OK);
    char got[128];
    memcpy(got, v, vl);
    got[vl] = 0;
    cr_expect_str_eq(got, "1234567890123456789012345678901234567890.25");
    /* Beyond the scratch given: refused, not cut short. */
    cr_expect_eq(df_transform(&s, "", 0, scratch, 32, &v, &vl), DF_TX_BAD_DECIMAL);
    if (vl <= 32)
        cr_expect(vl != 32 || memcmp(v, "12345678901234567890123456789012", 32) != 0,
                  "a number cut to the scratch's size was handed back");
    s.map.n = 1;
    char *from[] = {"整箱"}, *to[] = {"1,000,000,000,000,000,000,000,000,000,000,000,000,000.000"};
    size_t from_len[] = {strlen(from[0])}, to_len[] = {strlen(to[0])};
    s.map.from = from;
    s.map.to = to;
    s.map.from_len = from_len;
    s.map.to_len = to_len;
    cr_expect_eq(df_transform(&s, "整箱", strlen("整箱"), scratch, strlen("整箱") + 32, &v, &vl), DF_TX_BAD_DECIMAL,
                 "a mapped value longer than the scratch");
    cr_assert_eq(df_transform(&s, "整箱", strlen("整箱"), scratch, sizeof scratch, &v, &vl), DF_TX_OK);
    char want[128];
    size_t wl = 0;
    for (const char *c = to[0]; *c; c++)
        if (*c != ',')
            want[wl++] = *c;
    cr_expect(vl == wl && memcmp(v, want, wl) == 0, "mapped and normalised: '%.*s'", (int)vl, v);
}

/* ---- dates ------------------------------------------------------------ */

Test(transform, date_formats_to_iso)
{
    static const tx_date_case cases[] = {
        {"%Y-%m-%d", "2026-10-02", "2026-10-02"},
        {"%Y/%m/%d", "2026/10/02", "2026-10-02"},
        {"%Y%m%d", "20261002", "2026-10-02"},
        {"%Y.%m.%d", "2026.10.02", "2026-10-02"},
        {"%d/%m/%Y", "02/10/2026", "2026-10-02"},
        {"%Y年%m月%d日", "2026年10月2日", "2026-10-02"},
        {"%%%Y%m%d", "%20261002", "2026-10-02"}, /* %% is a literal '%' */
        {"%%%Y%m%d", "20261002", NULL},
    };
    tx_dates(cases, TX_N(cases));
}

Test(transform, date_one_or_two_digit_month_and_day)
{
    static const tx_date_case cases[] = {
        {"%Y/%m/%d", "2026/1/5", "2026-01-05"},
        {"%Y/%m/%d", "2026/01/5", "2026-01-05"},
        {"%Y/%m/%d", "2026/1/05", "2026-01-05"},
        {"%Y-%m-%d", "2026-12-31", "2026-12-31"},
        /* Three digits are not a month. */
        {"%Y/%m/%d", "2026/010/05", NULL},
        {"%Y/%m/%d", "2026/10/005", NULL},
    };
    tx_dates(cases, TX_N(cases));
}

Test(transform, date_with_time_parts)
{
    static const tx_date_case cases[] = {
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 08:05:09", "2026-10-02"},
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 8:5:9", "2026-10-02"},
        {"%Y/%m/%d %H:%M", "2026/10/2 23:59", "2026-10-02"},
        {"%Y-%m-%dT%H:%M:%S", "2026-10-02T00:00:00", "2026-10-02"},
        /* The time is part of the format: a date alone does not match it, and
         * a date with a time does not match a date-only format. */
        {"%Y-%m-%d %H:%M:%S", "2026-10-02", NULL},
        /* The time part is checked, not just read. */
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 25:61:99", NULL},
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 24:00:00", NULL},
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 23:60:00", NULL},
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 23:59:60", NULL},
        {"%Y/%m/%d %H:%M", "2026/10/2 99:00", NULL},
        {"%Y-%m-%d %H:%M:%S", "2026-10-02 23:59:59", "2026-10-02"},
        {"%Y-%m-%d", "2026-10-02 08:05:09", NULL},
    };
    tx_dates(cases, TX_N(cases));
}

Test(transform, date_invalid_calendar_days_do_not_match)
{
    static const tx_date_case cases[] = {
        {"%Y-%m-%d", "2026-02-30", NULL},
        {"%Y-%m-%d", "2026-02-29", NULL}, /* not a leap year */
        {"%Y-%m-%d", "2024-02-29", "2024-02-29"},
        {"%Y-%m-%d", "2000-02-29", "2000-02-29"},
        {"%Y-%m-%d", "2100-02-29", NULL}, /* century, not leap */
        {"%Y-%m-%d", "2026-04-31", NULL},
        {"%Y-%m-%d", "2026-13-01", NULL},
        {"%Y-%m-%d", "2026-00-10", NULL},
        {"%Y-%m-%d", "2026-10-00", NULL},
        {"%Y/%m/%d", "2028/13/45", NULL},
    };
    tx_dates(cases, TX_N(cases));
}

Test(transform, date_malformed_inputs_do_not_match)
{
    static const tx_date_case cases[] = {
        {"%Y-%m-%d", "", NULL},
        {"%Y-%m-%d", "26-10-02", NULL},    /* %Y is four digits */
        {"%Y-%m-%d", "2026-10-02x", NULL}, /* trailing garbage */
        {"%Y-%m-%d", "x2026-10-02", NULL},
        {"%Y-%m-%d", "2026/10/02", NULL},  /* wrong separator */
        {"%Y-%m-%d", "2026-10-", NULL},
        {"%Y-%m-%d", "２０２６-10-02", NULL}, /* full-width digits are not read */
    };
    tx_dates(cases, TX_N(cases));
}

/* Month-only dates (有效期至 on labels: "2028.04", "2028年04月"): the last
 * day of the month by default, or the first. */
Test(transform, date_month_formats)
{
    static const struct {
        const char *fmt, *in;
        int month_day;
        const char *want; /* NULL: no match */
    } cases[] = {
        {"%Y.%m", "2028.04", DF_MONTH_DAY_LAST, "2028-04-30"},
        {"%Y.%m", "2028.4", DF_MONTH_DAY_LAST, "2028-04-30"},
        {"%Y.%m", "2028.04", DF_MONTH_DAY_FIRST, "2028-04-01"},
        {"%Y年%m月", "2028年04月", DF_MONTH_DAY_LAST, "2028-04-30"},
        {"%Y年%m月", "2028年4月", DF_MONTH_DAY_FIRST, "2028-04-01"},
        {"%Y%m", "202812", DF_MONTH_DAY_LAST, "2028-12-31"},
        {"%Y-%m", "2028-02", DF_MONTH_DAY_LAST, "2028-02-29"}, /* leap year */
        {"%Y-%m", "2027-02", DF_MONTH_DAY_LAST, "2027-02-28"},
        {"%Y-%m", "2100-02", DF_MONTH_DAY_LAST, "2100-02-28"}, /* century, not leap */
        {"%Y-%m", "2000-02", DF_MONTH_DAY_LAST, "2000-02-29"},
        {"%Y年%m月%d日", "2028年4月30日", DF_MONTH_DAY_FIRST, "2028-04-30"}, /* a day given is kept */
        {"%Y.%m", "2028.13", DF_MONTH_DAY_LAST, NULL},
        {"%Y.%m", "2028.00", DF_MONTH_DAY_FIRST, NULL},
        {"%Y.%m", "2028.04.01", DF_MONTH_DAY_LAST, NULL},
        {"%Y年%m月", "2028.04", DF_MONTH_DAY_LAST, NULL},
        {"%Y.%m", "2028.", DF_MONTH_DAY_LAST, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[11] = "";
        int ok = df_date_parse_month(cases[i].fmt, cases[i].in, strlen(cases[i].in), cases[i].month_day, out);
        if (!cases[i].want) {
            cr_expect_not(ok, "'%s' with '%s' should not parse (gave %s)", cases[i].in, cases[i].fmt, out);
            continue;
        }
        cr_expect(ok, "'%s' with '%s' should parse", cases[i].in, cases[i].fmt);
        cr_expect_str_eq(out, cases[i].want, "'%s' with '%s'", cases[i].in, cases[i].fmt);
    }
    /* df_date_parse: a month is its last day. */
    tx_date_ok("%Y.%m", "2026.11", "2026-11-30");
}

Test(transform, month_day_through_transform)
{
    df_field_source s;
    memset(&s, 0, sizeof s);
    s.mapped = 1;
    s.trim = 1;
    s.ndate_formats = 2;
    strcpy(s.date_formats[0], "%Y-%m-%d");
    strcpy(s.date_formats[1], "%Y.%m");
    char out[64];
    cr_expect_eq(tx_run(&s, "2028.04", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "2028-04-30");
    s.month_day = DF_MONTH_DAY_FIRST;
    cr_expect_eq(tx_run(&s, "2028.04", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "2028-04-01");
    cr_expect_eq(tx_run(&s, "2028-04-17", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "2028-04-17");
}

Test(transform, date_through_transform_tries_each_format)
{
    df_field_source s;
    tx_source(&s);
    s.ndate_formats = 3;
    strcpy(s.date_formats[0], "%Y-%m-%d");
    strcpy(s.date_formats[1], "%Y/%m/%d");
    strcpy(s.date_formats[2], "%Y%m%d");
    static const tx_case cases[] = {
        {" 2026/1/2 ", DF_TX_OK, "2026-01-02", NULL},
        {"20261231", DF_TX_OK, "2026-12-31", NULL},
        {"2026-02-30", DF_TX_BAD_DATE, NULL, NULL},
        {"2026年10月2日", DF_TX_BAD_DATE, NULL, NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
}

/* ---- decimals --------------------------------------------------------- */

Test(transform, decimal_thousands_separators)
{
    static const tx_decimal_case cases[] = {
        {"1,234.50", "1234.50"},
        {"1,234,567", "1234567"},
        {"1,234,567.89", "1234567.89"},
        {"1，234", "1234"}, /* full-width comma U+FF0C */
        {"１，２３４，５６７．８９", "1234567.89"},
        {"1 234", "1234"},
        {"1\xE3\x80\x80" "234", "1234"}, /* ideographic space */
        {"999", "999"},
    };
    tx_decimals(0, cases, TX_N(cases));
}

/* Separators anywhere else would change the number: malformed (E_FORMAT). */
Test(transform, decimal_separators_outside_groups_of_three_are_malformed)
{
    static const char *const bad[] = {
        "12,34", "1,,2", "5 5", "1,2", "1,23", "1,2345", "1234,567", ",123", "123,", "1,234,56",
        "0,123", "00,123", "1,234 567", "1 234,567", "1,234.5,6", "1.234,5", "1.2.3", "12 34",
        "1\xE3\x80\x80" "2", "1,234e3", "１，２３", "1\t234",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        tx_decimal(bad[i], NULL);
}

/* A mapping's decimal_comma: true swaps the marks. */
Test(transform, decimal_comma_declared)
{
    static const tx_decimal_case cases[] = {
        {"1.234,5", "1234.5"},
        {"12,34", "12.34"},
        {"1.234.567,89", "1234567.89"},
        {"1 234,5", "1234.5"},
        {"１．２３４，５", "1234.5"},
        {"-0,5", "-0.5"},
        {"1.234", "1234"},
        {"1,234.5", NULL},
        {"12.34", NULL},
        {"1,2,3", NULL},
    };
    tx_decimals(1, cases, TX_N(cases));
}

Test(transform, decimal_full_width_digits_point_minus)
{
    static const tx_decimal_case cases[] = {
        {"２４", "24"},
        {"０１２３４５６７８９", "0123456789"},
        {"１２．５", "12.5"},
        {"－３", "-3"},
        {"－１，２３４．５０", "-1234.50"},
        {"＋３．５", "3.5"}, /* full-width plus U+FF0B */
    };
    tx_decimals(0, cases, TX_N(cases));
}

Test(transform, decimal_leading_plus)
{
    static const tx_decimal_case cases[] = {
        {"+5", "5"},
        {"+0.5", "0.5"},
        {"+５", "5"},
        /* Only one leading sign, right before a digit: "++5" and "+-5" are not numbers. */
        {"5+", NULL},
        {"++5", NULL},
        {"+-5", NULL},
        {"+", NULL},
        {"1-2", NULL},
    };
    tx_decimals(0, cases, TX_N(cases));
}

Test(transform, decimal_through_transform_validates)
{
    df_field_source s;
    char out[64];
    tx_source(&s);
    s.decimal = 1;
    static const tx_case cases[] = {
        {" 1,234.50 ", DF_TX_OK, "1234.50", NULL},
        {"２４", DF_TX_OK, "24", NULL},
        {"+5", DF_TX_OK, "5", NULL},
        {"－３", DF_TX_OK, "-3", "negative is for the rules (E_NEGATIVE_QTY), not a bad number"},
        {"1e5", DF_TX_BAD_DECIMAL, NULL, NULL},
        {".5", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"5.", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"1.2.3", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"abc", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"++5", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"+-5", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"+", DF_TX_BAD_DECIMAL, NULL, NULL},
        /* The examples: never 1234, 12 or 55 reported to the regulator. */
        {"12,34", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"1,,2", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"5 5", DF_TX_BAD_DECIMAL, NULL, NULL},
        {"1,234.", DF_TX_BAD_DECIMAL, NULL, NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
    s.decimal_comma = 1;
    cr_expect_eq(tx_run(&s, "1.234,5", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "1234.5");
}

/* ---- value maps ------------------------------------------------------- */

static char *tx_map_from[] = {"01", "02", "片"};
static char *tx_map_to[] = {"片剂", "胶囊剂", "片剂"};
static size_t tx_map_from_len[] = {2, 2, 3};
static size_t tx_map_to_len[] = {6, 9, 6};

static void tx_map_source(df_field_source *s, int strict)
{
    tx_source(s);
    s->map.n = 3;
    s->map.from = tx_map_from;
    s->map.to = tx_map_to;
    s->map.from_len = tx_map_from_len;
    s->map.to_len = tx_map_to_len;
    s->map_strict = strict;
}

Test(transform, map_hit)
{
    df_field_source s;
    tx_map_source(&s, 0);
    static const tx_case cases[] = {
        {"01", DF_TX_OK, "片剂", NULL},
        {" 02 ", DF_TX_OK, "胶囊剂", "the map sees the trimmed value"},
        {"片", DF_TX_OK, "片剂", NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
}

Test(transform, map_miss_passes_through)
{
    df_field_source s;
    tx_map_source(&s, 0);
    static const tx_case cases[] = {
        {"注射剂", DF_TX_OK, "注射剂", NULL},
        /* Exact keys only: no prefix match. */
        {"011", DF_TX_OK, "011", NULL},
        {"0", DF_TX_OK, "0", NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
}

Test(transform, map_strict_miss_is_unmapped)
{
    df_field_source s;
    tx_map_source(&s, 1);
    static const tx_case cases[] = {
        {"01", DF_TX_OK, "片剂", NULL},
        {"99", DF_TX_UNMAPPED, "99", "the unmapped value is handed back for the message"},
        /* Empty is not a miss: it is E_REQUIRED's business. */
        {"", DF_TX_OK, "", NULL},
    };
    tx_runs(&s, cases, TX_N(cases));
}

Test(transform, map_applies_to_the_default)
{
    df_field_source s;
    char out[64];
    tx_map_source(&s, 1);
    s.has_default = 1;
    s.def = "02";
    s.def_len = 2;
    cr_expect_eq(tx_run(&s, "", out, sizeof out), DF_TX_OK);
    cr_expect_str_eq(out, "胶囊剂");
}
