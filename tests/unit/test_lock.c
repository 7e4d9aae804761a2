/* tests/unit/test_lock.c — one drugflow process per workspace: a second
 * one is refused naming the holder's pid, or waits for it; the lock goes
 * when its holder does, even killed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workspace/lock.h"

static char lk_ws[64];

static void lk_setup(void)
{
    snprintf(lk_ws, sizeof lk_ws, "/tmp/df-test-lock-XXXXXX");
    cr_assert_not_null(mkdtemp(lk_ws));
}

static void lk_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", lk_ws);
    cr_expect_eq(system(cmd), 0);
}

/* A child holding the lock for hold_ms, then exiting (or killed). */
static pid_t lk_holder(int hold_ms)
{
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        df_workspace_lock l;
        df_error err;
        if (df_workspace_lock_take(&l, lk_ws, "run", 0, &err) != 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        struct timespec ts = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);
    close(ready[1]);
    return pid;
}

Test(lock, second_process_is_refused_with_the_pid, .init = lk_setup, .fini = lk_teardown)
{
    pid_t pid = lk_holder(3000);
    df_workspace_lock l;
    df_error err;
    cr_assert_neq(df_workspace_lock_take(&l, lk_ws, "status", 0, &err), 0);
    char want[64];
    snprintf(want, sizeof want, "locked by pid %ld (drugflow run)", (long)pid);
    cr_expect(strstr(err.msg, want) != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "--lock-wait") != NULL, "%s", err.msg);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* killed: the kernel let the lock go */
    cr_assert_eq(df_workspace_lock_take(&l, lk_ws, "status", 0, &err), 0, "%s", err.msg);
    df_workspace_lock_release(&l);
}

Test(lock, second_process_waits, .init = lk_setup, .fini = lk_teardown)
{
    pid_t pid = lk_holder(600);
    df_workspace_lock l;
    df_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(df_workspace_lock_take(&l, lk_ws, "status", 10, &err), 0, "%s", err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_expect(s > 0.3, "it did not wait for the holder (%.2f s)", s);
    df_workspace_lock_release(&l);
    waitpid(pid, NULL, 0);
}
