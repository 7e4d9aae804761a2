/* tests/unit/test_rules.c — every rule of mapping/rules.c (INTERFACE.md §4)
 * on SALE records of the shipped profile: each reason alone, its edges, and
 * several reasons in one record all reported. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mapping/catalog.h"
#include "mapping/profile.h"
#include "mapping/rules.h"

static df_profile ru_profile; /* large, holds pointers into itself: never copied */
static df_catalog_set ru_cats;
static const df_doctype *ru_sale;

/* A SALE record that passes every rule; tests change one field at a time. */
static const char *ru_vals[DF_MAX_FIELDS];
static size_t ru_lens[DF_MAX_FIELDS];

static int ru_field(const char *name)
{
    int i = df_doctype_field_index(ru_sale, name);
    cr_assert_geq(i, 0, "SALE has no field %s", name);
    return i;
}

static void ru_set(const char *name, const char *v)
{
    int i = ru_field(name);
    ru_vals[i] = v;
    ru_lens[i] = strlen(v);
}

static void ru_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&ru_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    ru_sale = df_profile_doctype(&ru_profile, "SALE");
    cr_assert_not_null(ru_sale);
    df_catalog_set_init(&ru_cats, &ru_profile);
    int ci = df_profile_catalog_index(&ru_profile, "commodity");
    int pi = df_profile_catalog_index(&ru_profile, "partner");
    cr_assert(ci >= 0 && pi >= 0);
    cr_assert_eq(df_catalog_load_csv(&ru_cats.cat[ci], "../../samples/catalogs/commodities.csv", &err), 0, "%s",
                 err.msg);
    cr_assert_eq(df_catalog_load_csv(&ru_cats.cat[pi], "../../samples/catalogs/partners.csv", &err), 0, "%s",
                 err.msg);
    for (int i = 0; i < DF_MAX_FIELDS; i++) {
        ru_vals[i] = "";
        ru_lens[i] = 0;
    }
    ru_set("BillNo", "XS2026100001");
    ru_set("BillDate", "2026-10-02");
    ru_set("PartnerName", "深圳市海王星辰医药有限公司");
    ru_set("DrugCode", "86900000000028");
    ru_set("DrugName", "氨氯地平片");
    ru_set("Spec", "10mg");
    ru_set("PackSpec", "10mg*30片/盒");
    ru_set("DosageForm", "片剂");
    ru_set("Manufacturer", "华润三九医药股份有限公司");
    ru_set("ApprovalNo", "国药准字H20003222");
    ru_set("BatchNo", "B20260001");
    ru_set("ProductionDate", "2026-02-15");
    ru_set("ExpiryDate", "2028-02-14");
    ru_set("Quantity", "1200");
    ru_set("Unit", "盒");
    ru_set("UnitPrice", "12.50");
    ru_set("Amount", "125.00");
}

static void ru_teardown(void) { df_catalog_set_free(&ru_cats); }

/* Back to the base record (and fresh catalogs) within a test. */
static void ru_reset(void)
{
    df_catalog_set_free(&ru_cats);
    ru_setup();
}

static uint32_t ru_check(df_check_result *r)
{
    df_check_reset(r);
    df_rules_check(&ru_profile, ru_sale, &ru_cats, ru_vals, ru_lens, r);
    return r->reasons;
}

#define RU_BIT(r) (1u << (r))

/* Exactly the given reasons, and a violation naming field `name` for the first. */
static void ru_expect_only(uint32_t want, const char *name, const char *what)
{
    df_check_result r;
    uint32_t got = ru_check(&r);
    char msg[2048];
    df_check_message(&r, ru_sale, msg, sizeof msg);
    cr_expect_eq(got, want, "%s: reasons 0x%x, want 0x%x (%s)", what, got, want, msg);
    if (name && want) {
        int fi = ru_field(name), found = 0;
        for (int i = 0; i < r.nviolations; i++)
            found |= r.v[i].field == fi;
        cr_expect(found, "%s: no violation names field %s (%s)", what, name, msg);
    }
}

/* One field of the base record set to a value: exactly `reasons`, and a
 * violation naming field `named` for the first. Each case starts from the
 * base record: the field gets its base value back afterwards. */
typedef struct {
    const char *field, *value;
    uint32_t reasons;
    const char *named, *what;
} ru_case;

static void ru_expect_cases(const ru_case *c, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        int i = ru_field(c[k].field);
        const char *base = ru_vals[i];
        size_t base_len = ru_lens[i];
        ru_vals[i] = c[k].value;
        ru_lens[i] = strlen(c[k].value);
        ru_expect_only(c[k].reasons, c[k].named, c[k].what);
        ru_vals[i] = base;
        ru_lens[i] = base_len;
    }
}

TestSuite(rules, .init = ru_setup, .fini = ru_teardown);

Test(rules, the_base_record_passes)
{
    ru_expect_only(0, NULL, "base record");
}

Test(rules, reason_codes_round_trip)
{
    static const char *codes[] = {"E_NEGATIVE_QTY", "E_PARTNER_UNMATCHED", "E_COMMODITY_UNMATCHED", "E_REQUIRED",
                                  "E_FORMAT",       "E_TOO_LONG",          "E_ENCODING",            "E_COLUMNS"};
    for (int i = 0; i < DF_R_COUNT; i++) {
        cr_expect_str_eq(df_reason_code((df_reason)i), codes[i]);
        cr_expect_eq(df_reason_from_code(codes[i]), i);
    }
    cr_expect_null(df_reason_code(DF_R_COUNT));
    cr_expect_eq(df_reason_from_code("E_NOPE"), -1);
}

/* ---- E_NEGATIVE_QTY --------------------------------------------------- */

Test(rules, negative_quantity)
{
    ru_set("Quantity", "-5");
    ru_expect_only(RU_BIT(DF_R_NEGATIVE_QTY), "Quantity", "-5");
    ru_set("Quantity", "-0.01");
    ru_expect_only(RU_BIT(DF_R_NEGATIVE_QTY), "Quantity", "-0.01");
}

Test(rules, negative_zero_is_not_negative)
{
    const ru_case cases[] = {
        {"Quantity", "-0.00", 0, NULL, "-0.00"},
        {"Quantity", "-0", 0, NULL, "-0"},
        {"Quantity", "0", 0, NULL, "0"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

Test(rules, negative_price_is_allowed)
{
    /* Only fields marked nonnegative (Quantity) forbid values below zero. */
    ru_set("UnitPrice", "-1.5");
    ru_set("Amount", "-3");
    ru_expect_only(0, NULL, "negative price and amount");
}

/* ---- E_PARTNER_UNMATCHED ---------------------------------------------- */

Test(rules, partner_unmatched)
{
    ru_set("PartnerName", "广州市不存在医药有限公司");
    ru_expect_only(RU_BIT(DF_R_PARTNER_UNMATCHED), "PartnerName", "unknown partner");
}

Test(rules, partner_match_is_character_for_character)
{
    const ru_case cases[] = {
        {"PartnerName", "深圳市海王星辰医药有限公司 ", RU_BIT(DF_R_PARTNER_UNMATCHED), "PartnerName", "trailing space"},
        {"PartnerName", " 深圳市海王星辰医药有限公司", RU_BIT(DF_R_PARTNER_UNMATCHED), "PartnerName", "leading space"},
        {"PartnerName", "深圳市海王星辰医药有限公", RU_BIT(DF_R_PARTNER_UNMATCHED), "PartnerName", "prefix"},
        {"PartnerName", "深圳市海王星辰医药有限公司（总部）", RU_BIT(DF_R_PARTNER_UNMATCHED), "PartnerName", "longer name"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

Test(rules, empty_partner_is_required_not_unmatched)
{
    ru_set("PartnerName", "");
    ru_expect_only(RU_BIT(DF_R_REQUIRED), "PartnerName", "empty partner");
}

/* ---- E_COMMODITY_UNMATCHED -------------------------------------------- */

Test(rules, commodity_unmatched_code)
{
    ru_set("DrugCode", "86900000000099");
    ru_expect_only(RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "unknown code");
}

Test(rules, commodity_key_is_the_pair)
{
    /* Both parts exist in the catalog, but not together. */
    ru_set("PackSpec", "0.25g*24粒/盒");
    ru_expect_only(RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "code of one, pack of another");
}

Test(rules, commodity_match_is_character_for_character)
{
    const ru_case cases[] = {
        {"PackSpec", "10mg*30片/盒 ", RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "trailing space"},
        {"PackSpec", "10mg＊30片／盒", RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "full-width * and /"},
        {"PackSpec", "１０mg*30片/盒", RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "full-width digits"},
        {"PackSpec", "10MG*30片/盒", RU_BIT(DF_R_COMMODITY_UNMATCHED), NULL, "case differs"},
        {"PackSpec", "10mg*30片/盒", 0, NULL, "exact"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

/* A key field already found malformed is not also "unmatched": the user
 * must fix the value, not add it to the portal's catalog (the summary's
 * list of unmatched keys to add would otherwise hold garbage). */
Test(rules, malformed_key_fields_are_not_looked_up)
{
    static char long_partner[202];
    memset(long_partner, 'P', 201);
    const ru_case cases[] = {
        {"PartnerName", "深圳市海王星辰医药\x01有限公司", RU_BIT(DF_R_ENCODING), "PartnerName",
         "control character in a partner"},
        {"PartnerName", long_partner, RU_BIT(DF_R_TOO_LONG), "PartnerName", "201-character partner"},
        {"PackSpec", "10mg*30片/盒\x7f", RU_BIT(DF_R_ENCODING), "PackSpec", "control character in a pack spec"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

Test(rules, catalogs_not_loaded_are_not_checked)
{
    df_catalog_set none;
    df_catalog_set_init(&none, &ru_profile);
    ru_set("PartnerName", "不在目录");
    ru_set("DrugCode", "86900000000099");
    df_check_result r;
    df_check_reset(&r);
    df_rules_check(&ru_profile, ru_sale, &none, ru_vals, ru_lens, &r);
    cr_expect_eq(r.reasons, 0u);
    df_check_reset(&r);
    df_rules_check(&ru_profile, ru_sale, NULL, ru_vals, ru_lens, &r);
    cr_expect_eq(r.reasons, 0u);
    df_catalog_set_free(&none);
}

Test(rules, inventory_has_no_partner_check)
{
    const df_doctype *inv = df_profile_doctype(&ru_profile, "INVENTORY");
    cr_assert_not_null(inv);
    int ci = df_profile_catalog_index(&ru_profile, "commodity");
    int pi = df_profile_catalog_index(&ru_profile, "partner");
    cr_expect(inv->catalog_applies[ci]);
    cr_expect_not(inv->catalog_applies[pi]);
}

/* ---- E_REQUIRED ------------------------------------------------------- */

Test(rules, every_required_field_empty)
{
    static const char *required[] = {"BillNo", "BillDate", "PartnerName", "DrugCode", "DrugName", "PackSpec",
                                     "Manufacturer", "ApprovalNo", "BatchNo", "ExpiryDate", "Quantity", "Unit"};
    for (size_t k = 0; k < sizeof required / sizeof *required; k++) {
        ru_reset();
        ru_set(required[k], "");
        ru_expect_only(RU_BIT(DF_R_REQUIRED), required[k], required[k]);
    }
}

Test(rules, optional_fields_may_be_empty)
{
    ru_set("Spec", "");
    ru_set("DosageForm", "");
    ru_set("ProductionDate", "");
    ru_set("UnitPrice", "");
    ru_set("Amount", "");
    ru_expect_only(0, NULL, "optional fields empty");
}

/* ---- E_FORMAT --------------------------------------------------------- */

Test(rules, dates_must_be_iso_and_real)
{
    static const char *bad[] = {"2026/10/02", "20261002", "2026-1-2", "2026-02-30", "2026-13-01",
                                "2026-10-02 08:00:00", "1899-12-31", "２０２６-10-02", "2026-10-0x"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("BillDate", bad[k]);
        ru_expect_only(RU_BIT(DF_R_FORMAT), "BillDate", bad[k]);
    }
    ru_set("BillDate", "2024-02-29");
    ru_expect_only(0, NULL, "leap day");
}

Test(rules, decimals_must_be_plain)
{
    static const char *bad[] = {"1e5", ".5", "5.", "1,200", "+5", "1.2.3", "--5", " 5", "5 ", "５", "0x10", "-"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("Quantity", bad[k]);
        ru_expect_only(RU_BIT(DF_R_FORMAT), "Quantity", bad[k]);
    }
    static const char *good[] = {"0", "5", "0.5", "1200.000", "007", "12345678901234567890.123"};
    for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
        ru_set("Quantity", good[k]);
        ru_expect_only(0, NULL, good[k]);
    }
    ru_set("UnitPrice", "1e5");
    ru_expect_only(RU_BIT(DF_R_FORMAT), "UnitPrice", "price 1e5");
}

Test(rules, valid_decimal_reports_sign)
{
    int neg = -1;
    cr_expect(df_valid_decimal("-3.5", 4, &neg));
    cr_expect_eq(neg, 1);
    cr_expect(df_valid_decimal("-0.00", 5, &neg));
    cr_expect_eq(neg, 0);
    cr_expect(df_valid_decimal("3", 1, &neg));
    cr_expect_eq(neg, 0);
}

Test(rules, codes_are_exactly_14_digits)
{
    static const char *bad[] = {"8690000000002", "869000000000280", "8690000000002X", "86900000 00028",
                                "８6900000000028", "-8690000000002", "86900000000028 "};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("DrugCode", bad[k]);
        /* A malformed code is E_FORMAT; the catalog is not consulted about it. */
        ru_expect_only(RU_BIT(DF_R_FORMAT), "DrugCode", bad[k]);
    }
}

/* ---- E_TOO_LONG ------------------------------------------------------- */

static void ru_repeat(char *buf, const char *unit, int n)
{
    buf[0] = 0;
    for (int i = 0; i < n; i++)
        strcat(buf, unit);
}

Test(rules, length_is_counted_in_characters)
{
    static char name200[200 * 3 + 1], name201[201 * 3 + 1], ascii201[202], four200[200 * 4 + 1],
        four201[201 * 4 + 1];
    ru_repeat(name200, "长", 200); /* 600 bytes, 200 characters */
    ru_repeat(name201, "长", 201);
    ru_repeat(ascii201, "a", 201);
    /* Four-byte characters (U+20000) count once each too. */
    ru_repeat(four200, "\xF0\xA0\x80\x80", 200);
    ru_repeat(four201, "\xF0\xA0\x80\x80", 201);
    const ru_case cases[] = {
        {"DrugName", name200, 0, NULL, "200 Chinese characters"},
        {"DrugName", name201, RU_BIT(DF_R_TOO_LONG), "DrugName", "201 Chinese characters"},
        {"DrugName", ascii201, RU_BIT(DF_R_TOO_LONG), "DrugName", "201 ASCII characters"},
        {"DrugName", ascii201 + 1, 0, NULL, "200 ASCII characters"},
        {"DrugName", four200, 0, NULL, "200 four-byte characters"},
        {"DrugName", four201, RU_BIT(DF_R_TOO_LONG), "DrugName", "201 four-byte characters"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

Test(rules, each_field_has_its_own_limit)
{
    static char s64[65], s65[66], s32[32 * 3 + 1], s33[34];
    ru_repeat(s64, "B", 64);
    ru_repeat(s65, "B", 65);
    ru_repeat(s32, "盒", 32);
    ru_repeat(s33, "x", 33);
    const ru_case cases[] = {
        {"BatchNo", s64, 0, NULL, "BatchNo 64"},
        {"BatchNo", s65, RU_BIT(DF_R_TOO_LONG), "BatchNo", "BatchNo 65"},
        {"Unit", s32, 0, NULL, "Unit 32 characters"},
        {"Unit", s33, RU_BIT(DF_R_TOO_LONG), "Unit", "Unit 33"},
    };
    ru_expect_cases(cases, sizeof cases / sizeof *cases);
}

/* ---- E_ENCODING ------------------------------------------------------- */

Test(rules, control_characters)
{
    static const char *bad[] = {"药\x01品", "\x1f", "a\x7f", "a\x0b", "a\x0c", "a\x1b[0m"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("DrugName", bad[k]);
        ru_expect_only(RU_BIT(DF_R_ENCODING), "DrugName", "control character");
    }
}

/* Long values are validated eight bytes at a time: a control character at
 * any offset, among ASCII or multi-byte text, must still be found, and
 * characters still counted one by one. */
Test(rules, control_character_at_every_offset_of_long_values)
{
    static const unsigned char ctrl[] = {0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f};
    char buf[80];
    for (size_t len = 1; len <= 40; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t k = 0; k < sizeof ctrl; k++) {
                memset(buf, 'a', len);
                buf[pos] = (char)ctrl[k];
                cr_assert_not(df_valid_utf8_text(buf, len, NULL), "0x%02x at %zu of %zu passed", ctrl[k], pos, len);
            }
            /* Tab, LF and CR are allowed (XML carries them). */
            memset(buf, 'a', len);
            buf[pos] = '\t';
            size_t n = 0;
            cr_assert(df_valid_utf8_text(buf, len, &n), "tab at %zu of %zu refused", pos, len);
            cr_assert_eq(n, len);
        }
    }
    /* A three-byte character at every offset: counted as one. */
    for (size_t pos = 0; pos + 3 <= 40; pos++) {
        memset(buf, 'b', 40);
        memcpy(buf + pos, "长", 3);
        size_t n = 0;
        cr_assert(df_valid_utf8_text(buf, 40, &n));
        cr_assert_eq(n, 38, "at %zu: %zu characters", pos, n);
        buf[pos + 2] = 'x'; /* broken sequence */
        cr_assert_not(df_valid_utf8_text(buf, 40, NULL), "broken sequence at %zu passed", pos);
    }
}

Test(rules, nul_byte_is_a_control_character)
{
    static const char v[] = {'a', 0, 'b'};
    int i = ru_field("DrugName");
    ru_vals[i] = v;
    ru_lens[i] = 3;
    ru_expect_only(RU_BIT(DF_R_ENCODING), "DrugName", "NUL");
}

Test(rules, invalid_utf8)
{
    static const char *bad[] = {
        "\xff",                 /* never valid */
        "\xC0\xAF",             /* overlong '/' */
        "\xE0\x80\xAF",         /* overlong three-byte */
        "\xF0\x80\x80\xAF",     /* overlong four-byte */
        "\xED\xA0\x80",         /* surrogate U+D800 */
        "\xE9\x98",             /* truncated */
        "\xF4\x90\x80\x80",     /* beyond U+10FFFF */
        "\x80",                 /* lone continuation */
        "\xE9\x98\xBF\xE9",     /* valid then truncated */
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("Manufacturer", bad[k]);
        ru_expect_only(RU_BIT(DF_R_ENCODING), "Manufacturer", "invalid UTF-8");
    }
}

Test(rules, c1_controls_and_noncharacters)
{
    static const char *bad[] = {"a\xC2\x80", "a\xC2\x85", "a\xC2\x9F", "\xEF\xBF\xBE", "\xEF\xBF\xBF"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        ru_set("DrugName", bad[k]);
        ru_expect_only(RU_BIT(DF_R_ENCODING), "DrugName", "C1 control or U+FFFE/FFFF");
    }
    /* The neighbours are fine: U+00A0, U+FFFD, U+10FFFF's plane... */
    static const char *good[] = {"a\xC2\xA0", "\xEF\xBF\xBD", "\xF0\xA0\x80\x80", "\xF4\x8F\xBF\xBD", "\xE2\x80\x94"};
    for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
        ru_set("DrugName", good[k]);
        ru_expect_only(0, NULL, "valid neighbour");
    }
}

Test(rules, valid_utf8_text_counts_characters)
{
    size_t n = 0;
    cr_expect(df_valid_utf8_text("a长\xF0\xA0\x80\x80", 8, &n));
    cr_expect_eq(n, 3);
    cr_expect(df_valid_utf8_text("", 0, &n));
    cr_expect_eq(n, 0);
}

/* ---- several reasons -------------------------------------------------- */

Test(rules, several_reasons_in_one_row_all_reported)
{
    static char long_name[202];
    ru_repeat(long_name, "x", 201);
    ru_set("Quantity", "-3");
    ru_set("PartnerName", "不在目录的单位");
    ru_set("DrugCode", "86900000000099");
    ru_set("BatchNo", "");
    ru_set("BillDate", "2026-02-30");
    ru_set("DrugName", long_name);
    ru_set("Manufacturer", "bad\x01");
    df_check_result r;
    uint32_t got = ru_check(&r);
    uint32_t want = RU_BIT(DF_R_NEGATIVE_QTY) | RU_BIT(DF_R_PARTNER_UNMATCHED) | RU_BIT(DF_R_COMMODITY_UNMATCHED) |
                    RU_BIT(DF_R_REQUIRED) | RU_BIT(DF_R_FORMAT) | RU_BIT(DF_R_TOO_LONG) | RU_BIT(DF_R_ENCODING);
    char msg[2048];
    df_check_message(&r, ru_sale, msg, sizeof msg);
    cr_expect_eq(got, want, "reasons 0x%x want 0x%x: %s", got, want, msg);
    cr_expect_eq(r.nviolations, 7, "%s", msg);
    /* The message names each field concerned. */
    static const char *named[] = {"Quantity", "PartnerName", "BatchNo", "BillDate", "DrugName", "Manufacturer",
                                  "DrugCode"};
    for (size_t k = 0; k < sizeof named / sizeof *named; k++)
        cr_expect(strstr(msg, named[k]) != NULL, "message lacks %s: %s", named[k], msg);
}

Test(rules, skipped_fields_are_not_judged_again)
{
    /* A field the converter already rejected (bad encoding, failed
     * transform) is not checked again, nor used for a catalog lookup. */
    ru_set("PartnerName", "\xff\xfe");
    df_check_result r;
    df_check_reset(&r);
    df_check_add(&r, DF_R_ENCODING, ru_field("PartnerName"), "bad bytes");
    r.skip_fields |= 1ULL << ru_field("PartnerName");
    df_rules_check(&ru_profile, ru_sale, &ru_cats, ru_vals, ru_lens, &r);
    cr_expect_eq(r.reasons, RU_BIT(DF_R_ENCODING));
    cr_expect_eq(r.nviolations, 1);
}

Test(rules, many_violations_are_capped_but_all_reasons_kept)
{
    df_check_result r;
    df_check_reset(&r);
    for (int i = 0; i < DF_MAX_VIOLATIONS + 10; i++)
        df_check_add(&r, (df_reason)(i % DF_R_COUNT), -1, "v%d", i);
    cr_expect_eq(r.nviolations, DF_MAX_VIOLATIONS);
    cr_expect_eq(r.reasons, (1u << DF_R_COUNT) - 1);
    char msg[64];
    df_check_message(&r, ru_sale, msg, sizeof msg); /* truncates, stays terminated */
    cr_expect_lt(strlen(msg), sizeof msg);
}

/* Messages quote values whole (issue 12): a user compares them with the
 * catalog character for character. Before, names were cut at 40 bytes
 * ('佛山市第746大药房(连锁)有限' for …有限公司). */
Test(rules, messages_quote_values_whole)
{
    static char long_name[200 * 3 + 1], long_pack[200 * 4 + 1];
    ru_repeat(long_name, "药", 196);
    strcat(long_name, "有限公司"); /* 200 characters, 600 bytes: allowed */
    ru_repeat(long_pack, "\xf0\xa0\x80\x80", 200); /* U+20000, four bytes each */
    const struct {
        const char *field, *value, *want;
    } cases[] = {
        {"PartnerName", "佛山市第746大药房(连锁)有限公司", "PartnerName '佛山市第746大药房(连锁)有限公司' is not in"},
        {"PartnerName", long_name, long_name},
        {"PackSpec", long_pack, long_pack},
        {"BillDate", "2026年10月05日星期一上午十点整的那一张单据的日期", "'2026年10月05日星期一上午十点整的那一张单据的日期'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ru_reset();
        ru_set(cases[k].field, cases[k].value);
        df_check_result r;
        cr_assert_neq(ru_check(&r), 0, "case %zu", k);
        char msg[8192];
        df_check_message(&r, ru_sale, msg, sizeof msg);
        cr_expect(strstr(msg, cases[k].want), "case %zu: '%s' not quoted whole: %s", k, cases[k].field, msg);
    }
}

Test(rules, quoting_is_bounded_and_keeps_characters_whole)
{
    char buf[DF_DETAIL_MAX / 2];
    static char big[5000 * 3 + 1];
    ru_repeat(big, "错", 5000);
    df_quote_value(buf, sizeof buf, big, strlen(big), 0);
    size_t chars = 0;
    cr_assert(df_valid_utf8_text(buf, strlen(buf), &chars), "valid UTF-8: %s", buf);
    cr_expect_eq(chars, (size_t)DF_QUOTE_MAX_CHARS + 3, "64 characters, the quotes and the ellipsis: %zu", chars);
    cr_expect(strstr(buf, "…'"), "the cut is marked: %s", buf);
    char tiny[16];
    df_quote_value(tiny, sizeof tiny, big, strlen(big), 200); /* a buffer too small: still whole characters */
    cr_expect(df_valid_utf8_text(tiny, strlen(tiny), NULL), "valid UTF-8 in a small buffer: %s", tiny);
    df_quote_value(buf, sizeof buf, "ab", 2, 1);
    cr_expect_str_eq(buf, "'a…'");
}
