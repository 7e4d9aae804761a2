/* tests/unit/test_base.c — the shared pieces of base/ and config/values:
 * the bounded queue (order, capacity, close, abort, reservations, across
 * threads), option tables (types, ranges, usage errors, --help), the
 * backoff policy's bounds, hex, and the run values' checks. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/backoff.h"
#include "base/cmdline.h"
#include "base/digest.h"
#include "base/queue.h"
#include "config/values.h"

Test(queue, fifo_close_and_drain)
{
    df_queue q;
    df_error err;
    cr_assert_eq(df_queue_init(&q, 3, sizeof(int), &err), 0);
    for (int i = 1; i <= 3; i++)
        cr_assert_eq(df_queue_push(&q, &i), 0);
    cr_expect_eq(df_queue_reserve(&q), 0, "a full queue has no room to reserve");
    int v;
    cr_expect_eq(df_queue_try_pop(&q, &v), 1);
    cr_expect_eq(v, 1);
    cr_expect_eq(df_queue_reserve(&q), 1);
    int nine = 9;
    cr_expect_eq(df_queue_push_reserved(&q, &nine), 0);
    df_queue_close(&q);
    cr_expect_eq(df_queue_push(&q, &nine), -1, "no push after close");
    int want[] = {2, 3, 9};
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(df_queue_pop(&q, &v), 1);
        cr_expect_eq(v, want[i]);
    }
    cr_expect_eq(df_queue_pop(&q, &v), 0, "closed and drained");
    cr_expect_eq(df_queue_try_pop(&q, &v), -1);
    df_queue_destroy(&q);
}

static void *producer(void *arg)
{
    df_queue *q = arg;
    for (int i = 0; i < 10000; i++)
        if (df_queue_push(q, &i) != 0)
            break;
    df_queue_close(q);
    return NULL;
}

Test(queue, bounded_across_threads_in_order)
{
    df_queue q;
    df_error err;
    cr_assert_eq(df_queue_init(&q, 4, sizeof(int), &err), 0);
    pthread_t t;
    pthread_create(&t, NULL, producer, &q);
    int v, next = 0;
    while (df_queue_pop(&q, &v) == 1) {
        cr_expect_eq(v, next);
        cr_expect_leq(df_queue_count(&q), 4);
        next++;
    }
    pthread_join(t, NULL);
    cr_expect_eq(next, 10000);
    df_queue_destroy(&q);
}

static void *blocked_pusher(void *arg)
{
    df_queue *q = arg;
    int one = 1;
    return (void *)(long)df_queue_push(q, &one);
}

Test(queue, abort_releases_a_waiting_producer)
{
    df_queue q;
    df_error err;
    cr_assert_eq(df_queue_init(&q, 1, sizeof(int), &err), 0);
    int zero = 0;
    df_queue_push(&q, &zero);
    pthread_t t;
    pthread_create(&t, NULL, blocked_pusher, &q);
    df_queue_abort(&q);
    void *rc;
    pthread_join(t, &rc);
    cr_expect_eq((long)rc, -1);
    int v;
    cr_expect_eq(df_queue_pop(&q, &v), -1);
    df_queue_destroy(&q);
}

Test(cmdline, types_ranges_and_operands)
{
    const char *name = NULL, *mode = NULL;
    long n = 0;
    uint64_t size = 0;
    int flag = 0;
    df_arg_list list = {0};
    const df_opt opts[] = {
        {.name = "name", .short_name = 'n', .type = DF_ARG_STRING, .dest = &name},
        {.name = "count", .type = DF_ARG_INT, .dest = &n, .min = 1, .max = 9},
        {.name = "size", .type = DF_ARG_SIZE, .dest = &size, .min = 1024, .max = 1 << 30},
        {.name = "mode", .type = DF_ARG_CHOICE, .dest = &mode, .choices = "a|bb"},
        {.name = "flag", .type = DF_ARG_FLAG, .dest = &flag},
        {.name = "item", .type = DF_ARG_LIST, .dest = &list},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {.prog = "t", .name = "cmd", .opts = opts, .min_operands = 1, .max_operands = 2};
    char *argv[] = {"cmd", "-n", "x", "--count", "7", "--size", "16M", "--mode", "bb", "--flag", "--item", "i1",
                    "op", "--item", "i2", NULL};
    int first;
    cr_assert_eq(df_cmdline_parse(&spec, 15, argv, &first), DF_CMDLINE_OK);
    cr_expect_str_eq(name, "x");
    cr_expect_eq(n, 7);
    cr_expect_eq(size, 16u << 20);
    cr_expect_str_eq(mode, "bb");
    cr_expect_eq(flag, 1);
    cr_expect_eq(list.n, 2);
    cr_expect_str_eq(argv[first], "op", "operands after options are kept (GNU order)");
    const char *bad[][3] = {{"cmd", "--count", "0"}, {"cmd", "--count", "x"}, {"cmd", "--size", "1000"},
                            {"cmd", "--mode", "c"},  {"cmd", "--nope", "op"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *a[] = {(char *)bad[i][0], (char *)bad[i][1], (char *)bad[i][2], "op", NULL};
        cr_expect_eq(df_cmdline_parse(&spec, 4, a, &first), DF_CMDLINE_USAGE, "%s %s", bad[i][1], bad[i][2]);
    }
    char *none[] = {"cmd", NULL};
    cr_expect_eq(df_cmdline_parse(&spec, 1, none, &first), DF_CMDLINE_USAGE, "too few operands");
    char *many[] = {"cmd", "a", "b", "c", NULL};
    cr_expect_eq(df_cmdline_parse(&spec, 4, many, &first), DF_CMDLINE_USAGE, "too many operands");
}

Test(cmdline, help_lists_every_option)
{
    const char *s = NULL;
    int f = 0;
    const df_opt group[] = {{.name = "grouped", .type = DF_ARG_FLAG, .dest = &f, .help = "from a group"},
                            {.type = DF_ARG_END}};
    const df_opt opts[] = {
        {.name = "alpha", .short_name = 'a', .type = DF_ARG_STRING, .dest = &s, .arg = "FILE", .help = "one\ntwo"},
        {.type = DF_ARG_GROUP, .group = group, .section = "Group:"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {.prog = "t", .name = "cmd", .opts = opts, .usage = "[X]", .epilog = "bye\n"};
    char buf[4096] = "";
    FILE *m = fmemopen(buf, sizeof buf - 1, "w");
    df_cmdline_help(&spec, m);
    fclose(m);
    cr_expect(strstr(buf, "usage: t cmd [X]") != NULL, "%s", buf);
    cr_expect(strstr(buf, "-a, --alpha FILE") != NULL, "%s", buf);
    cr_expect(strstr(buf, "Group:\n      --grouped") != NULL, "%s", buf);
    cr_expect(strstr(buf, "-h, --help") != NULL, "%s", buf);
    cr_expect(strstr(buf, "bye") != NULL, "%s", buf);
}

Test(backoff, delays_stay_within_the_doubling_bound)
{
    df_retry r = {.attempts = 5, .base_ms = 100, .cap_ms = 1000};
    df_backoff b;
    df_backoff_init(&b, &r);
    for (int failed = 1; failed <= 8; failed++) {
        long bound = 100L << (failed - 1);
        if (bound > 1000)
            bound = 1000;
        for (int i = 0; i < 200; i++) {
            long d = df_backoff_delay_ms(&b, failed);
            cr_expect(d >= 0 && d <= bound, "failed %d: delay %ld beyond %ld", failed, d, bound);
        }
    }
    cr_expect(df_backoff_again(&b, 4));
    cr_expect(!df_backoff_again(&b, 5), "5 attempts in all");
    df_backoff_init(&b, NULL);
    cr_expect_eq(b.policy.attempts, DF_RETRY_ATTEMPTS);
}

Test(values, period_batch_created_at)
{
    char why[256];
    cr_expect_eq(df_period_check("2026-10", why, sizeof why), 0);
    const char *bad_periods[] = {"2026-13", "2026-00", "26-10", "2026-1", "2026/10", "", "2026-10x"};
    for (size_t i = 0; i < sizeof bad_periods / sizeof *bad_periods; i++)
        cr_expect_eq(df_period_check(bad_periods[i], why, sizeof why), -1, "%s", bad_periods[i]);
    cr_expect_eq(df_batch_id_check("2026-10-SALE-01", why, sizeof why), 0);
    const char *bad_ids[] = {"", ".", "..", "a/b", "a b", "批次"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++)
        cr_expect_eq(df_batch_id_check(bad_ids[i], why, sizeof why), -1, "'%s'", bad_ids[i]);
    char long_id[DF_BATCH_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    cr_expect_eq(df_batch_id_check(long_id, why, sizeof why), -1, "over %d characters", DF_BATCH_ID_MAX);
    cr_expect_eq(df_created_at_check("2026-11-01T02:00:00+08:00", why, sizeof why), 0);
    cr_expect_eq(df_created_at_check("2026-11-01T24:00:00Z", why, sizeof why), -1);
    uint64_t r, b;
    df_error err;
    cr_expect_eq(df_chunk_limits(0, 0, &r, &b, &err), 0);
    cr_expect_eq(r, DF_DEFAULT_CHUNK_RECORDS);
    cr_expect_eq(b, DF_DEFAULT_CHUNK_BYTES);
    cr_expect_eq(df_chunk_limits(0, 1024, &r, &b, &err), -1);
    cr_expect_eq(df_threads(0) >= 1, 1);
    cr_expect_eq(df_threads(1000), DF_MAX_THREADS);
}

Test(digest, hex_of_known_bytes)
{
    unsigned char d[32];
    char hex[65];
    df_sha256("abc", 3, d);
    df_hex_encode(d, 32, hex);
    cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
