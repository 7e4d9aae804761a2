/* workspace/register.h — recording chunk files made elsewhere (`drugflow
 * convert -o DIR`, another machine) in the workspace journal, so that
 * `drugflow upload` sends them exactly once like the chunks of a `run`.
 *
 * A chunk file is named BATCH_NNNNN.xml; its SHA-256, size, record count
 * (the trailer's RecordCount) and whether it is signed are read from the
 * file, and its batch's document type, period and CreatedAt from its
 * header, with the element names of the profile. */
#ifndef DF_WORKSPACE_REGISTER_H
#define DF_WORKSPACE_REGISTER_H

#include "base/error.h"
#include "mapping/profile.h"
#include "workspace/journal.h"

/* Registers a chunk file, or every BATCH_NNNNN.xml in a folder (in name
 * order). A chunk already on the server with other bytes is an error. */
int df_register_path(df_journal *j, const df_profile *p, const char *path, df_error *err);

#endif
