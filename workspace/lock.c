/* workspace/lock.c — the workspace's flock; see lock.h. */
#include "workspace/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/path.h"

/* Who holds the lock, as its file says ("pid 123 (drugflow run)"). */
static void holder(int fd, char *out, size_t n)
{
    char buf[128];
    ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
    int pid = 0;
    char what[64] = "";
    if (k > 0) {
        buf[k] = '\0';
        sscanf(buf, "%d %63[^\n]", &pid, what);
    }
    if (pid > 0)
        snprintf(out, n, "pid %d (drugflow %s)", pid, what[0] ? what : "?");
    else
        snprintf(out, n, "another drugflow process");
}

int df_workspace_lock_take(df_workspace_lock *l, const char *workspace, const char *what, long wait_s,
                           df_error *err)
{
    l->fd = -1;
    if (!workspace || !*workspace)
        return df_errorf(err, "no workspace: give --workspace DIR or 'workspace:' in the configuration");
    if (mkdir(workspace, 0700) != 0 && errno != EEXIST)
        return df_error_errno(err, "%s: cannot create the workspace", workspace);
    char path[DF_PATH_MAX];
    if (df_path_join(path, sizeof path, workspace, "drugflow.lock", err) != 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return df_error_errno(err, "%s: cannot open the workspace lock", path);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (errno != EWOULDBLOCK || now.tv_sec - start.tv_sec >= wait_s) {
            int e = errno;
            char who[128];
            holder(fd, who, sizeof who);
            close(fd);
            if (e != EWOULDBLOCK) {
                errno = e;
                return df_error_errno(err, "%s: cannot lock the workspace", path);
            }
            return df_errorf(err, "workspace %s is locked by %s: one drugflow run, upload, status or catalog pull "
                             "works in a workspace at a time; wait for it%s", workspace, who,
                             wait_s ? "" : ", or give --lock-wait SECONDS to wait for it");
        }
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    char line[96];
    int len = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), what);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
        /* The pid is only for the message another process prints. */
    }
    l->fd = fd;
    return 0;
}

void df_workspace_lock_release(df_workspace_lock *l)
{
    if (l->fd >= 0) {
        if (ftruncate(l->fd, 0) != 0) {
            /* the next holder rewrites it anyway */
        }
        flock(l->fd, LOCK_UN);
        close(l->fd);
    }
    l->fd = -1;
}
