/* base/path.h — file names: their one size limit, joining them without
 * silent truncation, creating folders, syncing a folder, and finding the
 * files drugflow ships (profile, schema, mappings).
 *
 * Shipped files are looked up the same way by drugflow and drugflow-sim:
 * beside the binary in a source checkout (build/../samples/), then in the
 * installation's share/drugflow/ (bin/../share/drugflow/), then under
 * /usr/share/drugflow/, then ./samples/. */
#ifndef DF_BASE_PATH_H
#define DF_BASE_PATH_H

#include <stddef.h>
#include "base/error.h"

#define DF_PATH_MAX 4096

/* out = dir + "/" + name. -1 with err ("path too long") if it does not fit. */
int df_path_join(char *out, size_t n, const char *dir, const char *name, df_error *err);
/* mkdir -p (mode 0755). */
int df_mkdirs(const char *path, df_error *err);
/* fsync of a folder, so that a rename in it is durable. Best effort. */
void df_fsync_dir(const char *dir);
/* The folder part of path into out ("." when there is none). */
void df_path_dirname(const char *path, char *out, size_t n);
/* A shipped file, rel to the samples folder ("profile/gd-v1.yaml"); 0 and
 * its path in out, or -1 when it is nowhere. */
int df_find_shipped(const char *rel, char *out, size_t n);

#endif
