/* base/path.c — file names, folders and shipped files; see path.h. */
#include "base/path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int df_path_join(char *out, size_t n, const char *dir, const char *name, df_error *err)
{
    int l = snprintf(out, n, "%s/%s", dir, name);
    if (l < 0 || (size_t)l >= n)
        return df_errorf(err, "%s/%s: path too long (at most %zu bytes)", dir, name, n - 1);
    return 0;
}

int df_mkdirs(const char *path, df_error *err)
{
    char buf[DF_PATH_MAX];
    if (strlen(path) >= sizeof buf)
        return df_errorf(err, "%s: path too long", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return df_error_errno(err, "%s: cannot create the directory", buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return df_error_errno(err, "%s: cannot create the directory", buf);
    return 0;
}

void df_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

void df_path_dirname(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == path)
        snprintf(out, n, "/");
    else
        snprintf(out, n, "%.*s", (int)(slash - path), path);
}

int df_find_shipped(const char *rel, char *out, size_t n)
{
    char exe[DF_PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        char dir[DF_PATH_MAX];
        df_path_dirname(exe, dir, sizeof dir);
        static const char *const beside[] = {"%s/../samples/%s", "%s/../share/drugflow/%s", "%s/../../samples/%s"};
        for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
            snprintf(out, n, beside[i], dir, rel);
            if (access(out, R_OK) == 0)
                return 0;
        }
    }
    static const char *const fixed[] = {"/usr/share/drugflow/%s", "samples/%s"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        snprintf(out, n, fixed[i], rel);
        if (access(out, R_OK) == 0)
            return 0;
    }
    return -1;
}
