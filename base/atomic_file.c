/* base/atomic_file.c — temp name, fsync, rename; see atomic_file.h. */
#include "base/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_uint tmp_counter;

/* 64 unpredictable bits for a temporary name: getrandom, else (no entropy
 * yet, an old kernel) the clock, pid and a counter, which O_EXCL still
 * makes safe, only guessable. */
static unsigned long long tmp_nonce(void)
{
    unsigned long long v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
        return v;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((unsigned long long)ts.tv_nsec << 32) ^ (unsigned long long)ts.tv_sec ^
           ((unsigned long long)getpid() << 16) ^ atomic_fetch_add(&tmp_counter, 1);
}

int df_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int df_atomic_open(df_atomic_file *af, const char *final_path, df_error *err)
{
    af->fd = -1;
    af->written = af->flushed = 0;
    if (strlen(final_path) >= sizeof af->final_path - 64)
        return df_errorf(err, "%s: path too long", final_path);
    strcpy(af->final_path, final_path);
    char dir[DF_PATH_MAX], base[DF_PATH_MAX];
    strcpy(dir, final_path);
    strcpy(base, final_path);
    const char *d = dirname(dir), *b = basename(base);
    /* A fresh name that nobody can plant a file or symlink at in advance:
     * O_EXCL refuses anything already there, O_NOFOLLOW a symlink. */
    for (int attempt = 0;; attempt++) {
        snprintf(af->tmp_path, sizeof af->tmp_path, "%s/.%s.tmp-%016llx", d, b, tmp_nonce());
        af->fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (af->fd >= 0)
            return 0;
        if (errno != EEXIST || attempt == 16)
            break;
    }
    df_error_errno(err, "cannot create %s (is the output directory writable?)", af->tmp_path);
    af->tmp_path[0] = '\0';
    return -1;
}

#define WRITEBACK_STEP (4ULL << 20)

int df_atomic_write(df_atomic_file *af, const void *buf, size_t len, df_error *err)
{
    if (df_write_all(af->fd, buf, len) != 0)
        return df_error_errno(err, "cannot write %s (disk full?)", af->tmp_path);
    af->written += len;
    if (af->written - af->flushed >= WRITEBACK_STEP) {
        /* Asynchronous: starts writing the range out and returns. */
        sync_file_range(af->fd, (off_t)af->flushed, (off_t)(af->written - af->flushed), SYNC_FILE_RANGE_WRITE);
        af->flushed = af->written;
    }
    return 0;
}

static void fsync_dir_of(const char *path)
{
    char dir[DF_PATH_MAX];
    df_path_dirname(path, dir, sizeof dir);
    df_fsync_dir(dir);
}

int df_atomic_commit(df_atomic_file *af, df_error *err)
{
    if (fsync(af->fd) != 0) {
        df_error_errno(err, "cannot flush %s to disk", af->tmp_path);
        df_atomic_abort(af);
        return -1;
    }
    if (close(af->fd) != 0) {
        af->fd = -1;
        df_error_errno(err, "cannot close %s", af->tmp_path);
        df_atomic_abort(af);
        return -1;
    }
    af->fd = -1;
    if (rename(af->tmp_path, af->final_path) != 0) {
        df_error_errno(err, "cannot rename %s to %s", af->tmp_path, af->final_path);
        df_atomic_abort(af);
        return -1;
    }
    af->tmp_path[0] = '\0';
    fsync_dir_of(af->final_path);
    return 0;
}

void df_atomic_abort(df_atomic_file *af)
{
    if (af->fd >= 0) {
        close(af->fd);
        af->fd = -1;
    }
    if (af->tmp_path[0]) {
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
    }
}

int df_atomic_write_file(const char *path, const void *buf, size_t len, df_error *err)
{
    df_atomic_file af;
    if (df_atomic_open(&af, path, err) != 0)
        return -1;
    if (df_atomic_write(&af, buf, len, err) != 0) {
        df_atomic_abort(&af);
        return -1;
    }
    return df_atomic_commit(&af, err);
}
