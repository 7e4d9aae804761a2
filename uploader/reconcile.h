/* uploader/reconcile.h — the server is the source of truth.
 *
 * The journal can be lost (deleted, emptied, another machine's), and a
 * rerun then makes new bytes (a new CreatedAt) that the server's
 * duplicate detection cannot recognise. So before sending chunks the
 * journal has no FileId for, drugflow asks the server what it already
 * holds: toDowloadFileDeal.do since=<time> lists the files received since
 * then with their FileId and FileName, and a chunk whose name the server
 * holds is adopted (journaled as uploaded with the server's FileId), never
 * sent again — the upload loop does it (upload.h, o->reconcile). A name
 * the server holds twice (sent twice before this check existed) is
 * reported, the first one adopted. */
#ifndef DF_UPLOADER_RECONCILE_H
#define DF_UPLOADER_RECONCILE_H

#include <stddef.h>

#include "base/backoff.h"
#include "base/error.h"
#include "workspace/journal.h"

struct df_client;

typedef struct df_server_file {
    char name[256];
    char file_id[64];
} df_server_file;

/* The server's files that are chunks of one batch, in the server's order. */
typedef struct df_server_files {
    char batch[128];
    df_server_file *v;
    size_t n, cap;
} df_server_files;

/* The time to ask from for batch b: the earliest of the first day of its
 * period, its CreatedAt and 31 days ago (a chunk is never received before
 * it was made; a practice run may come before its period). ISO-8601. */
void df_reconcile_since(const df_batch_info *b, char *out, size_t n);

/* Asks the server for the files received since `since` and keeps those
 * named as chunks of batch (BATCH_NNNNN.xml). Transient failures are
 * retried as retry says; -1 with err when the server could not be asked
 * (then nothing of the batch may be sent). */
int df_reconcile_fetch(struct df_client *c, const df_retry *retry, const char *batch, const char *since,
                       df_server_files *out, df_error *err);
void df_server_files_free(df_server_files *f);

/* The first of the server's files named name, or NULL; *count (may be
 * NULL) gets how many the server holds under that name. */
const df_server_file *df_server_files_find(const df_server_files *f, const char *name, int *count);

#endif
