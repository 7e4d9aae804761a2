/* converter/output_guard.h — the files a conversion must never overwrite or
 * delete: its inputs, its mapping, and the files its caller names (the
 * configuration, the profile, catalogs, the key).
 *
 * rejects.csv and the chunks are renamed over their final names, and
 * --force removes a batch's old chunks: pointed at one of those files by a
 * typing slip (--rejects export.csv) they would replace it and lose data.
 * A file is "the same" when its device and inode are (a hard link, a
 * symlink, ./x or a/../x all name it), or when the resolved paths are. */
#ifndef DF_CONVERTER_OUTPUT_GUARD_H
#define DF_CONVERTER_OUTPUT_GUARD_H

#include "base/error.h"

/* A file that must survive the run, and what the user calls it. */
typedef struct df_guarded_file {
    const char *path;
    const char *what;   /* "the configuration", "the profile" */
} df_guarded_file;

struct df_convert_options;

/* 1 if name is a chunk file name of batch: BATCH_ + at least five digits +
 * .xml (not "BATCH_other_00001.xml", a chunk of "BATCH_other", nor a
 * backup "BATCH_00001.xml.bak"). */
int df_chunk_name_of_batch(const char *name, const char *batch);

/* The rejects file may be written at path: it is none of the guarded
 * files and not a chunk of this run. -1 with err naming both. */
int df_guard_rejects(const struct df_convert_options *o, const char *path, df_error *err);

/* The file at path (an existing chunk of the batch, about to be replaced
 * or removed) is none of the guarded files. -1 with err. */
int df_guard_replace(const struct df_convert_options *o, const char *path, df_error *err);

#endif
