/* tests/unit/test_atomic_file.c — output files appear whole, under
 * temporary names nobody can guess or plant anything at: a symlink waiting
 * at the old predictable names (".NAME.tmp-PID-N") is never followed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"

static char af_dir[64];

static void af_setup(void)
{
    snprintf(af_dir, sizeof af_dir, "/tmp/df-test-atomic-XXXXXX");
    cr_assert_not_null(mkdtemp(af_dir));
}

static void af_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", af_dir);
    cr_expect_eq(system(cmd), 0);
}

static void af_read(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    size_t l = fread(buf, 1, n - 1, f);
    buf[l] = 0;
    fclose(f);
}

Test(atomic_file, planted_symlinks_at_predictable_names_are_not_followed, .init = af_setup, .fini = af_teardown)
{
    char outside[128], target[128], link[256], buf[64];
    snprintf(outside, sizeof outside, "%s/outside.txt", af_dir);
    FILE *f = fopen(outside, "w");
    cr_assert_not_null(f);
    fputs("precious", f);
    fclose(f);
    mkdir(strcat(strcpy(target, af_dir), "/out"), 0755);
    /* Every name the old scheme could have picked in this process. */
    for (int n = 0; n < 300; n++) {
        snprintf(link, sizeof link, "%s/.chunk.xml.tmp-%ld-%d", target, (long)getpid(), n);
        cr_assert_eq(symlink(outside, link), 0);
    }
    char final[256];
    snprintf(final, sizeof final, "%s/chunk.xml", target);
    df_error err;
    cr_assert_eq(df_atomic_write_file(final, "new content", 11, &err), 0, "%s", err.msg);
    af_read(outside, buf, sizeof buf);
    cr_expect_str_eq(buf, "precious", "a planted symlink was followed");
    struct stat st;
    cr_assert_eq(lstat(final, &st), 0);
    cr_expect(S_ISREG(st.st_mode), "the final name is not a regular file");
    af_read(final, buf, sizeof buf);
    cr_expect_str_eq(buf, "new content");
}

Test(atomic_file, temporary_names_are_unpredictable_and_exclusive, .init = af_setup, .fini = af_teardown)
{
    char final[128];
    snprintf(final, sizeof final, "%s/x.csv", af_dir);
    df_atomic_file a, b;
    df_error err;
    cr_assert_eq(df_atomic_open(&a, final, &err), 0, "%s", err.msg);
    cr_assert_eq(df_atomic_open(&b, final, &err), 0, "%s", err.msg);
    cr_expect_str_neq(a.tmp_path, b.tmp_path);
    const char *tail = strstr(a.tmp_path, ".tmp-");
    cr_assert_not_null(tail);
    cr_expect_eq(strlen(tail + 5), 16, "16 random hex digits: %s", a.tmp_path);
    char pid[32];
    snprintf(pid, sizeof pid, "-%ld-", (long)getpid());
    cr_expect_null(strstr(a.tmp_path, pid), "the pid is in the name: %s", a.tmp_path);
    df_atomic_abort(&a);
    df_atomic_abort(&b);
    cr_expect_neq(access(a.tmp_path[0] ? a.tmp_path : final, F_OK), 0);
}
