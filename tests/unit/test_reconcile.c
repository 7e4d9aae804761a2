/* tests/unit/test_reconcile.c — the time drugflow asks the server from
 * (toDowloadFileDeal.do since=): never after a chunk of the batch could
 * have been received. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "uploader/reconcile.h"

static void rc_since(const char *period, const char *created, char *out)
{
    df_batch_info b;
    memset(&b, 0, sizeof b);
    snprintf(b.period, sizeof b.period, "%s", period);
    snprintf(b.created_at, sizeof b.created_at, "%s", created);
    df_reconcile_since(&b, out, 40);
}

Test(reconcile, since_is_the_earliest_possible_receipt)
{
    char s[40];
    /* a long past period: its first day, in China Standard Time */
    rc_since("2020-03", "2020-04-01T02:00:00+08:00", s);
    cr_expect_str_eq(s, "2020-02-29T16:00:00Z");
    /* a CreatedAt before the period (a practice run): the CreatedAt */
    rc_since("2020-03", "2020-02-20T08:00:00+08:00", s);
    cr_expect_str_eq(s, "2020-02-20T00:00:00Z");
    /* a period in the future: no later than 31 days ago */
    char y[8];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(y, sizeof y, "%04d-12", tm.tm_year + 1900 + 2);
    rc_since(y, "", s);
    time_t month_ago = now - 31 * 86400;
    char want[40];
    gmtime_r(&month_ago, &tm);
    strftime(want, sizeof want, "%Y-%m-%d", &tm);
    cr_expect(strncmp(s, want, 10) == 0, "%s, want %s…", s, want);
}
