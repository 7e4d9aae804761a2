/* tests/unit/load_errors.h — what the loader tests (test_profile.c,
 * test_mapping.c) share: reading and writing YAML files, finding a piece of
 * text's line and column, and checking that an error message points there.
 * Header-only: each test file gets its own static copies. */
#ifndef DF_TESTS_LOAD_ERRORS_H
#define DF_TESTS_LOAD_ERRORS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* The whole file, in a static buffer (valid until the next call). */
static inline char *le_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static inline void le_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Line and column (1-based, column in characters as libyaml counts them)
 * of the first occurrence of needle in text. */
static inline void le_position(const char *text, const char *needle, int *line, int *col)
{
    const char *at = strstr(text, needle);
    cr_assert_not_null(at, "'%s' not found", needle);
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* The message starts with "PATH:LINE:COL: " (possibly after a "profile: "
 * or "mapping: " prefix) and contains `what`; failures name the case. */
static inline void le_expect_at(const char *name, const df_error *err, const char *path, int line, int col,
                                const char *what)
{
    char want[512];
    snprintf(want, sizeof want, "%s:%d:%d: ", path, line, col);
    cr_expect(strstr(err->msg, want) != NULL, "%s: expected '%s' in: %s", name, want, err->msg);
    if (what)
        cr_expect(strstr(err->msg, what) != NULL, "%s: expected '%s' in: %s", name, what, err->msg);
}

/* A fresh temporary directory in dir (at least 32 bytes), and its removal. */
static inline void le_mkdtemp(char *dir, const char *tag)
{
    snprintf(dir, 32, "/tmp/df-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(dir));
}

static inline void le_rmdir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

#endif
