/* tests/unit/test_nearmiss.c — near misses (mapping/nearmiss.h): each
 * normalisation step found and named from the row's side, edit-distance
 * suggestions naming the part and characters that differ, truly missing
 * keys left without a suggestion, and the suggestion text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mapping/catalog.h"
#include "mapping/nearmiss.h"
#include "mapping/profile.h"

static df_profile nm_profile;
static df_catalog_set nm_cats;
static df_nearmiss *nm_partner, *nm_commodity;

static void add(const char *cat, const char *a, const char *b)
{
    int ci = df_profile_catalog_index(&nm_profile, cat);
    const char *parts[2] = {a, b};
    size_t lens[2] = {strlen(a), b ? strlen(b) : 0};
    df_error err;
    cr_assert_eq(df_catalog_add(&nm_cats.cat[ci], parts, lens, &err), 0, "%s", err.msg);
}

static void nm_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&nm_profile, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    df_catalog_set_init(&nm_cats, &nm_profile);
    add("partner", "广州市第3大药房（连锁）有限公司", NULL);
    add("partner", "广州市第4大药房（连锁）有限公司", NULL);
    add("partner", "深圳市海王星辰医药有限公司", NULL);
    add("partner", "Guangzhou Pharma Co.", NULL);
    add("partner", "佛山市第746大药房(连锁)有限公司", NULL);
    add("commodity", "86900000000011", "0.25g*24粒/盒");
    add("commodity", "86900000000011", "0.25g*36粒/盒");
    add("commodity", "86900000000028", "10mg*30片/盒");
    cr_assert_eq(df_nearmiss_build(&nm_partner, &nm_cats.cat[df_profile_catalog_index(&nm_profile, "partner")], &err),
                 0, "%s", err.msg);
    cr_assert_eq(df_nearmiss_build(&nm_commodity, &nm_cats.cat[df_profile_catalog_index(&nm_profile, "commodity")],
                                   &err), 0, "%s", err.msg);
}

static void nm_teardown(void)
{
    df_nearmiss_free(nm_partner);
    df_nearmiss_free(nm_commodity);
    df_catalog_set_free(&nm_cats);
}

TestSuite(nearmiss, .init = nm_setup, .fini = nm_teardown);

typedef struct nm_case {
    const char *row;         /* the unmatched key, parts joined by U+001F */
    const char *want_key;    /* the suggestion's key, or NULL: none */
    const char *want_differs;
    int normalised;
} nm_case;

static void run_cases(df_nearmiss *nm, const nm_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        df_near r;
        df_nearmiss_find(nm, cases[i].row, strlen(cases[i].row), &r);
        if (!cases[i].want_key) {
            cr_expect(!r.found, "'%s': nothing is near, got '%.*s'", cases[i].row, (int)r.key_len, r.key);
            continue;
        }
        cr_expect(r.found, "'%s': no suggestion", cases[i].row);
        if (!r.found)
            continue;
        cr_expect(r.key_len == strlen(cases[i].want_key) && !memcmp(r.key, cases[i].want_key, r.key_len),
                  "'%s': suggested '%.*s', want '%s'", cases[i].row, (int)r.key_len, r.key, cases[i].want_key);
        cr_expect_str_eq(r.differs, cases[i].want_differs, "'%s': differs '%s', want '%s'", cases[i].row, r.differs,
                         cases[i].want_differs);
        cr_expect_eq(r.normalised, cases[i].normalised, "'%s': normalised", cases[i].row);
    }
}

Test(nearmiss, partner_names)
{
    static const nm_case cases[] = {
        {"广州市第3大药房(连锁)有限公司", "广州市第3大药房（连锁）有限公司", "half-width brackets", 1},
        {"佛山市第746大药房（连锁）有限公司", "佛山市第746大药房(连锁)有限公司", "full-width brackets", 1},
        {"广州市第３大药房（连锁）有限公司", "广州市第3大药房（连锁）有限公司", "full-width digits", 1},
        {"广州市第3大药房（连锁）有限公司 ", "广州市第3大药房（连锁）有限公司", "extra spaces", 1},
        {"深圳市海王星辰医药  有限公司", "深圳市海王星辰医药有限公司", "extra spaces", 1},
        {"深圳市海王星辰医药有限责任公司", "深圳市海王星辰医药有限公司", "有限责任公司 for 有限公司", 1},
        {"ＧＵＡＮＧＺＨＯＵ PHARMA CO．", "Guangzhou Pharma Co.", "full-width letters; full-width punctuation; letter case",
         1},
        {"广州市第3大药房(连锁)有限责任公司", "广州市第3大药房（连锁）有限公司",
         "half-width brackets; 有限责任公司 for 有限公司", 1},
        /* not normalised: a character off */
        {"深圳市海王星辰医药有限公", "深圳市海王星辰医药有限公司", "'司' missing", 0},
        {"深圳市海王新辰医药有限公司", "深圳市海王星辰医药有限公司", "'新' → '星'", 0},
        {"广州市第5大药房（连锁）有限公司", "广州市第3大药房（连锁）有限公司", "'5' → '3'", 0},
        /* truly missing */
        {"汕头市潮南区某某诊所", NULL, NULL, 0},
        {"深圳市海王星辰医药有限公司（未备案）", NULL, NULL, 0},
    };
    run_cases(nm_partner, cases, sizeof cases / sizeof *cases);
}

Test(nearmiss, commodity_keys)
{
    static const nm_case cases[] = {
        {"86900000000011\x1f" "0.25g×24粒/盒", "86900000000011\x1f" "0.25g*24粒/盒", "multiplication sign (×, x or *)", 1},
        {"86900000000011\x1f" "0.25gx24粒/盒", "86900000000011\x1f" "0.25g*24粒/盒", "multiplication sign (×, x or *)", 1},
        {"86900000000011\x1f" "0.25G*24粒/盒", "86900000000011\x1f" "0.25g*24粒/盒", "letter case", 1},
        {"86900000000011\x1f" "0.25g*48粒/盒", "86900000000011\x1f" "0.25g*24粒/盒", "PackSpec '48' → '24'", 0},
        {"86900000000028\x1f" "0.25g*48粒/盒", NULL, NULL, 0}, /* both parts off: another product */
        {"86900000000011\x1f" "0.25g*30粒/盒", "86900000000011\x1f" "0.25g*36粒/盒", "PackSpec '30' → '36'", 0},
        {"86900000000012\x1f" "10mg*30片/盒", "86900000000028\x1f" "10mg*30片/盒", "DrugCode '86900000000012' → '86900000000028'", 0},
        {"86900000000099\x1f" "5ml*6支/盒", NULL, NULL, 0},
    };
    run_cases(nm_commodity, cases, sizeof cases / sizeof *cases);
}

Test(nearmiss, suggestion_text)
{
    df_near r;
    char buf[1024];
    const char *row = "广州市第3大药房(连锁)有限公司";
    df_nearmiss_find(nm_partner, row, strlen(row), &r);
    df_near_format(&r, buf, sizeof buf);
    cr_expect_str_eq(buf, "did you mean \"广州市第3大药房（连锁）有限公司\" (differs: half-width brackets)");
    const char *key = "86900000000011\x1f" "0.25g×24粒/盒";
    df_nearmiss_find(nm_commodity, key, strlen(key), &r);
    df_near_format(&r, buf, sizeof buf);
    cr_expect_str_eq(buf, "did you mean (\"86900000000011\", \"0.25g*24粒/盒\") (differs: multiplication sign (×, x or *))");
    char small[20];
    df_nearmiss_find(nm_partner, row, strlen(row), &r);
    df_near_format(&r, small, sizeof small);
    cr_expect(strlen(small) < sizeof small);
    df_nearmiss_find(nm_partner, "无关", strlen("无关"), &r);
    cr_expect_eq(df_near_format(&r, buf, sizeof buf), 0);
}

Test(nearmiss, empty_catalog_and_hostile_keys)
{
    df_catalog c = {0};
    c.def = &nm_profile.catalogs[0];
    df_nearmiss *nm;
    df_error err;
    cr_assert_eq(df_nearmiss_build(&nm, &c, &err), 0);
    df_near r;
    df_nearmiss_find(nm, "abc", 3, &r);
    cr_expect(!r.found);
    df_nearmiss_free(nm);
    /* Invalid UTF-8 and a very long key: answered, nothing read out of bounds. */
    static char big[20000];
    memset(big, 'a', sizeof big - 1);
    big[5] = (char)0xff;
    df_nearmiss_find(nm_partner, big, strlen(big), &r);
    df_nearmiss_find(nm_partner, "\xe4\xb8", 2, &r);
    df_nearmiss_find(nm_partner, "", 0, &r);
}
