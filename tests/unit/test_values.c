/* tests/unit/test_values.c — a batch id within the profile's length: the
 * limit is profile data, the schema says the same, and two long ids can
 * never become one (refused, never cut short). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/values.h"
#include "mapping/profile.h"

static char *va_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(values, batch_id_length_is_the_profiles_and_the_schemas)
{
    static df_profile p;
    df_error err;
    cr_assert_eq(df_profile_load(&p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    cr_expect_eq(p.batch_id_max, 64);
    const char *xsd = va_slurp("../../samples/schema/gd-v1.xsd");
    const char *t = strstr(xsd, "<xs:simpleType name=\"BatchId\">");
    cr_assert_not_null(t, "the schema has no BatchId type");
    const char *m = strstr(t, "maxLength value=\"");
    cr_assert_not_null(m);
    cr_expect_eq(atoi(m + 17), p.batch_id_max, "schema maxLength %d, profile %d", atoi(m + 17), p.batch_id_max);
    cr_expect_not_null(strstr(xsd, "<xs:element name=\"BatchId\" type=\"BatchId\"/>"));
}

Test(values, long_batch_ids_are_refused_not_cut)
{
    char a[200], b[200], why[256];
    memset(a, 'A', 64);
    a[64] = 0;
    strcpy(b, a);
    b[63] = 'B';
    cr_expect_eq(df_batch_id_check_max(a, 64, why, sizeof why), 0, "%s", why);
    cr_expect_eq(df_batch_id_check_max(b, 64, why, sizeof why), 0, "%s", why);
    cr_expect_str_neq(a, b);
    /* one more character: refused, with the limit and where it comes from */
    strcat(a, "X");
    cr_expect_eq(df_batch_id_check_max(a, 64, why, sizeof why), -1);
    cr_expect(strstr(why, "65 characters") && strstr(why, "batch_id_max_length"), "%s", why);
    /* two ids alike in their first 127 characters are both refused, never the same */
    char c[200], d[200];
    memset(c, 'C', 130);
    c[130] = 0;
    strcpy(d, c);
    d[129] = 'D';
    cr_expect_eq(df_batch_id_check_max(c, 127, why, sizeof why), -1);
    cr_expect_eq(df_batch_id_check_max(d, 127, why, sizeof why), -1);
    cr_expect_eq(df_batch_id_check(c, why, sizeof why), -1);
}
