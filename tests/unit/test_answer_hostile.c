/* tests/unit/test_answer_hostile.c — the uploader's answer parsers refuse
 * hostile server answers (issue 7): an external entity (a FIFO that would
 * block the test if the parser opened it), an external DTD, a billion-laughs
 * document, and an answer above the size limit; nothing is fetched or
 * expanded. Compiled to nothing until uploader/answer.h is on the branch. */
#if __has_include("uploader/answer.h")
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapping/profile.h"
#include "uploader/answer.h"

static char ha_dir[256], ha_fifo[300];
static df_profile p; /* gd-v1 */

static void ha_setup(void)
{
    df_error err = {{0}};
    cr_assert(df_profile_load(&p, "../../samples/profile/gd-v1.yaml", &err) == 0, "%s", err.msg);
    snprintf(ha_dir, sizeof ha_dir, "%s/df-answer-hostile-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert(mkdtemp(ha_dir));
    snprintf(ha_fifo, sizeof ha_fifo, "%s/fifo", ha_dir);
    cr_assert_eq(mkfifo(ha_fifo, 0600), 0);
}

static void ha_teardown(void)
{
    unlink(ha_fifo);
    rmdir(ha_dir);
}

TestSuite(answer_hostile, .init = ha_setup, .fini = ha_teardown, .timeout = 20);

static int ha_item(void *arg, df_catalog_op op, const char *const *cols, const size_t *lens, df_error *err)
{
    (void)arg, (void)op, (void)cols, (void)lens, (void)err;
    return 0;
}

static int ha_file(void *arg, const df_file_result *f)
{
    (void)arg, (void)f;
    return 0;
}

/* Every parser refuses text with a message; none hangs on the FIFO. */
static void ha_refused(const char *text, const char *want)
{
    df_error err = {{0}};
    df_answer a;
    size_t n = strlen(text);
    cr_assert_eq(df_answer_parse(&p.protocol, text, n, DF_ANSWER_MAX_SMALL, &a, &err), -1, "accepted: %s", text);
    cr_assert(strstr(err.msg, want), "'%s' expected in: %s", want, err.msg);
    err.msg[0] = 0;
    cr_assert_eq(df_answer_parse_results(&p.protocol, text, n, DF_ANSWER_MAX_RESULTS, &a, ha_file, NULL, &err), -1);
    cr_assert(strstr(err.msg, want), "'%s' expected in: %s", want, err.msg);
    for (int i = 0; i < p.ncatalogs; i++) {
        err.msg[0] = 0;
        cr_assert_eq(df_answer_parse_catalog(&p.protocol, text, n, DF_ANSWER_MAX_CATALOG, &p.catalogs[i], &a, ha_item, NULL,
                                             &err),
                     -1);
        cr_assert(strstr(err.msg, want), "'%s' expected in: %s", want, err.msg);
    }
}

Test(answer_hostile, external_entity_is_neither_fetched_nor_expanded)
{
    char doc[1024];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [<!ENTITY e SYSTEM \"file://%s\">]>\n"
             "<Response><Code>0</Code><Message>&e;</Message></Response>",
             ha_fifo);
    ha_refused(doc, "DOCTYPE");
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE Response SYSTEM \"file://%s\">\n"
             "<Response><Code>0</Code><Message>x</Message></Response>",
             ha_fifo);
    ha_refused(doc, "DOCTYPE");
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>\n"
             "<Response><Code>0</Code></Response>",
             ha_fifo);
    ha_refused(doc, "DOCTYPE");
}

Test(answer_hostile, billion_laughs_is_not_expanded)
{
    char doc[4096];
    size_t n = (size_t)snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [\n"
                                                 "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n");
    for (char e = 'b'; e <= 'k'; e++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "<!ENTITY %c \"", e);
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "&%c;", e - 1);
        n += (size_t)snprintf(doc + n, sizeof doc - n, "\">\n");
    }
    snprintf(doc + n, sizeof doc - n, "]>\n<Response><Code>0</Code><Message>&k;</Message></Response>");
    ha_refused(doc, "DOCTYPE");
}

/* A UTF-8 BOM before the DOCTYPE, or a UTF-16 answer, must not slip the
 * DOCTYPE past the check made before parsing. */
Test(answer_hostile, doctype_behind_a_bom_or_in_utf16_is_refused)
{
    char doc[1024];
    snprintf(doc, sizeof doc,
             "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!DOCTYPE Response [<!ENTITY e SYSTEM \"file://%s\">]>\n"
             "<Response><Code>0</Code><Message>&e;</Message></Response>",
             ha_fifo);
    ha_refused(doc, "DOCTYPE");
    /* "<!DOCTYPE Response [<!ENTITY a \"a\">]><Response><Code>0</Code></Response>" in UTF-16LE with a BOM */
    const char *ascii = "<!DOCTYPE Response [<!ENTITY a \"a\">]><Response><Code>0</Code><Message>&a;</Message></Response>";
    size_t n = strlen(ascii);
    char *u16 = malloc(2 * n + 2);
    cr_assert(u16);
    u16[0] = (char)0xff;
    u16[1] = (char)0xfe;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = ascii[i];
        u16[3 + 2 * i] = 0;
    }
    df_answer a;
    df_error err = {{0}};
    cr_assert_eq(df_answer_parse(&p.protocol, u16, 2 * n + 2, DF_ANSWER_MAX_SMALL, &a, &err), -1);
    cr_assert(strstr(err.msg, "UTF-8") || strstr(err.msg, "DOCTYPE"), "%s", err.msg);
    err.msg[0] = 0;
    cr_assert_eq(df_answer_parse(&p.protocol, u16 + 2, 2 * n, DF_ANSWER_MAX_SMALL, &a, &err), -1); /* no BOM */
    cr_assert(strstr(err.msg, "UTF-8") || strstr(err.msg, "DOCTYPE"), "%s", err.msg);
    free(u16);
}

Test(answer_hostile, answer_above_the_limit_is_refused)
{
    size_t n = DF_ANSWER_MAX_SMALL + 1;
    char *big = malloc(n);
    cr_assert(big);
    memset(big, ' ', n);
    memcpy(big, "<Response><Code>0</Code><Message>", 33);
    df_answer a;
    df_error err = {{0}};
    cr_assert_eq(df_answer_parse(&p.protocol, big, n, DF_ANSWER_MAX_SMALL, &a, &err), -1);
    cr_assert(strstr(err.msg, "refused"), "%s", err.msg);
    free(big);
}
#endif
