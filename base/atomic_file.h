/* base/atomic_file.h — output files that appear whole or not at all.
 *
 * A file is written under a temporary name in its final directory
 * (".NAME.tmp-" and 16 random hex digits, created with O_EXCL and
 * O_NOFOLLOW, so that nothing planted at a guessed name is followed or
 * reused), fsync'd, renamed over the final name, and the directory
 * fsync'd, so that a crash never leaves a truncated file under a final
 * name. Abort unlinks the temporary file. */
#ifndef DF_BASE_ATOMIC_FILE_H
#define DF_BASE_ATOMIC_FILE_H

#include <stdio.h>
#include "base/error.h"
#include "base/path.h"

typedef struct df_atomic_file {
    char final_path[DF_PATH_MAX];
    char tmp_path[DF_PATH_MAX];
    int fd;
    unsigned long long written;   /* bytes written so far */
    unsigned long long flushed;   /* bytes whose writeback has been started */
} df_atomic_file;

/* Creates the temporary file; af->fd is open for writing. */
int df_atomic_open(df_atomic_file *af, const char *final_path, df_error *err);
/* Writes all of buf, retrying short writes; names the file on failure.
 * Writeback to disk is started every few MiB as the file grows, so that
 * the fsync at commit finds little left to do and does not stall. */
int df_atomic_write(df_atomic_file *af, const void *buf, size_t len, df_error *err);
/* fsync, close, rename, fsync directory. On failure the temp file is removed. */
int df_atomic_commit(df_atomic_file *af, df_error *err);
/* Closes and unlinks the temporary file; safe to call twice. */
void df_atomic_abort(df_atomic_file *af);

/* Writes a whole file atomically in one call. */
int df_atomic_write_file(const char *path, const void *buf, size_t len, df_error *err);

/* Writes all of buf to fd, retrying short writes and EINTR. 0 or -1 (errno). */
int df_write_all(int fd, const void *buf, size_t len);

#endif
