/* tests/fuzz/fuzz_answer.c — libFuzzer harness for the uploader's parsers
 * of the server's answers (uploader/answer.h): the same bytes as an upload
 * answer, a results answer and both catalog answers. Each must end in 0 or
 * -1 with a message; callbacks get bounded, NUL-terminated values. Built
 * only once uploader/answer.c exists (tests/fuzz/Makefile.fuzz). */
#include "tests/fuzz/fuzz_common.h"

#include "mapping/profile.h"
#include "uploader/answer.h"

static df_profile profile;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0) {
        fprintf(stderr, "fuzz_answer: %s\n", err.msg);
        abort();
    }
    return 0;
}

static int on_file(void *arg, const df_file_result *f)
{
    (void)arg;
    if (strnlen(f->file_id, sizeof f->file_id) == sizeof f->file_id ||
        f->state < 0 || f->state >= DF_STATE_COUNT || f->nerrors < 0 ||
        f->nerrors > DF_MAX_RECORD_ERRORS)
        abort();
    for (int i = 0; i < f->nerrors; i++)
        if (strnlen(f->errors[i].code, sizeof f->errors[i].code) == sizeof f->errors[i].code ||
            strnlen(f->errors[i].message, sizeof f->errors[i].message) == sizeof f->errors[i].message)
            abort();
    return 0;
}

static int on_item(void *arg, df_catalog_op op, const char *const *cols, const size_t *lens, df_error *err)
{
    const df_catalog_def *def = arg;
    (void)err;
    if ((unsigned)op >= DF_CATOP_COUNT)
        abort();
    for (int i = 0; i < def->ncolumns; i++)
        if (!cols[i] || strlen(cols[i]) != lens[i])
            abort();
    return 0;
}

static void check(int rc, const df_error *err)
{
    if (rc != 0 && !err->msg[0])
        abort(); /* a refusal must say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    df_answer a;
    df_error err = {{0}};
    check(df_answer_parse(&profile.protocol, buf, size, DF_ANSWER_MAX_SMALL, &a, &err), &err);
    err.msg[0] = 0;
    check(df_answer_parse_results(&profile.protocol, buf, size, DF_ANSWER_MAX_RESULTS, &a, on_file, NULL, &err), &err);
    for (int i = 0; i < profile.ncatalogs; i++) {
        err.msg[0] = 0;
        check(df_answer_parse_catalog(&profile.protocol, buf, size, DF_ANSWER_MAX_CATALOG, &profile.catalogs[i], &a, on_item,
                                      (void *)&profile.catalogs[i], &err),
              &err);
    }
    /* a small limit: an answer above it is refused, never parsed */
    err.msg[0] = 0;
    if (size > 16 && df_answer_parse(&profile.protocol, buf, size, 16, &a, &err) == 0)
        abort();
    return 0;
}
