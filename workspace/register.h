/* workspace/register.h — recording chunk files made elsewhere (`drugflow
 * convert -o DIR`, another machine) in the workspace journal, so that
 * `drugflow upload` sends them exactly once like the chunks of a `run`.
 *
 * A chunk file is named BATCH_NNNNN.xml; its SHA-256, size and record
 * count (the trailer's RecordCount) are read from the file, and its batch's
 * document type, period and CreatedAt from its header, with the element
 * names of the profile. Only a signed data file of the profile is taken:
 * the profile's root element, a Header holding every header field (its
 * BatchId and ChunkSeq those of the file name) and an XML-DSig Signature
 * as the root's last child; anything else is refused with the reason. */
#ifndef DF_WORKSPACE_REGISTER_H
#define DF_WORKSPACE_REGISTER_H

#include "base/error.h"
#include "mapping/profile.h"
#include "workspace/journal.h"

/* Registers a chunk file, or every BATCH_NNNNN.xml in a folder (in name
 * order). A chunk already on the server with other bytes is an error. */
int df_register_path(df_journal *j, const df_profile *p, const char *path, df_error *err);

#endif
