/* tests/fuzz/fuzz_common.h — helpers shared by the libFuzzer harnesses:
 * the repository root (from DRUGFLOW_ROOT or the harness's own path), a
 * scratch directory per process, and fuzz input exposed as a file path
 * (a memfd seen through /proc/self/fd) for loaders that take paths. */
#ifndef DF_TESTS_FUZZ_COMMON_H
#define DF_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The repository root: $DRUGFLOW_ROOT, else two levels above the build dir
 * the harness runs from (build-fuzz/fuzz_x -> ..), else ".". */
static inline const char *fz_root(void)
{
    static char root[4096];
    if (root[0])
        return root;
    const char *e = getenv("DRUGFLOW_ROOT");
    if (e && *e) {
        snprintf(root, sizeof root, "%s", e);
        return root;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *s = strrchr(exe, '/');
        if (s) {
            *s = '\0';
            s = strrchr(exe, '/');
            if (s) {
                *s = '\0';
                snprintf(root, sizeof root, "%s", exe);
                return root;
            }
        }
    }
    snprintf(root, sizeof root, ".");
    return root;
}

/* "ROOT/rel" in a static buffer slot (four slots, reused round-robin). */
static inline const char *fz_path(const char *rel)
{
    static char bufs[4][4096];
    static int next;
    char *b = bufs[next++ & 3];
    snprintf(b, 4096, "%s/%s", fz_root(), rel);
    return b;
}

static char fz_scratch_dir[512];

static void fz_scratch_remove(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_scratch_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fz_scratch_dir);
}

/* A scratch directory for this process, made once under $TMPDIR (the
 * Makefile points it at /dev/shm, where fsync costs nothing) and removed
 * at exit. */
static inline const char *fz_scratch(void)
{
    if (!fz_scratch_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fz_scratch_dir, sizeof fz_scratch_dir, "%s/drugflow-fuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fz_scratch_dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(fz_scratch_remove);
    }
    return fz_scratch_dir;
}

/* Exposes data as a readable file; returns its path (valid until
 * fz_file_close). */
typedef struct fz_file {
    int fd;
    char path[64];
} fz_file;

static inline int fz_file_open(fz_file *f, const uint8_t *data, size_t size)
{
    f->fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (f->fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(f->fd, data + off, size - off);
        if (n <= 0) {
            close(f->fd);
            return -1;
        }
        off += (size_t)n;
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    return 0;
}

static inline void fz_file_close(fz_file *f)
{
    close(f->fd);
}

#endif
