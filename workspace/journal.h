/* workspace/journal.h — the workspace journal: WORKSPACE/journal.sqlite.
 *
 * What drugflow knows about its batches survives crashes here: each batch
 * with the values that make its chunks reproducible (CreatedAt, chunk
 * sizes); each chunk with its path, SHA-256, record count and state; every
 * upload attempt and its outcome; the server's results with their record
 * errors; the catalogs with their versions. SQLite in WAL mode with
 * synchronous=FULL: every change of state is one transaction, durable when
 * the call returns. One connection, serialised by a mutex: safe to call
 * from the converter's writer threads and the upload loop at once.
 *
 * Chunk states, in order:
 *   written → signed → uploading → uploaded (FileId) → PASSED | PARTIAL | FAILED
 * and `refused` when the server refused the upload for good (a Code other
 * than 0/5000, HTTP 4xx). A chunk without FileId (written, signed,
 * uploading, refused) is uploaded again by a rerun; the server's duplicate
 * detection makes that harmless after a lost answer. A chunk the server
 * turns out to hold already (its name among the server's files, asked
 * before sending: uploader/reconcile.h) is adopted: uploaded with the
 * server's FileId, never sent. `ANOMALY` is a result that cannot be true
 * (impossible counts, one FileId for two chunks): final, never PASSED. */
#ifndef DF_WORKSPACE_JOURNAL_H
#define DF_WORKSPACE_JOURNAL_H

#include "base/error.h"
#include "base/path.h"
#include "mapping/catalog.h"
#include "mapping/profile.h"

typedef struct df_journal df_journal;

typedef enum {
    DF_CS_WRITTEN, DF_CS_SIGNED, DF_CS_UPLOADING, DF_CS_UPLOADED, DF_CS_REFUSED,
    DF_CS_PASSED, DF_CS_PARTIAL, DF_CS_FAILED, DF_CS_ANOMALY, DF_CS_COUNT
} df_chunk_state;

const char *df_chunk_state_name(df_chunk_state s);
int df_chunk_state_parse(const char *name, df_chunk_state *out);
/* 1 if a chunk may go from `from` to `to` (the journal refuses others). */
int df_chunk_transition_ok(df_chunk_state from, df_chunk_state to);
/* 1 for PASSED, PARTIAL, FAILED, ANOMALY. */
int df_chunk_state_final(df_chunk_state s);

typedef struct df_batch_info {
    char id[128];
    char doc_type[64];
    char period[16];
    char created_at[64];
    char out_dir[DF_PATH_MAX];
    long long chunk_records, chunk_bytes;
} df_batch_info;

typedef struct df_chunk_row {
    long long id;
    char batch[128];
    int seq;
    char name[256];
    char path[DF_PATH_MAX];
    char sha256[65];
    long long records, bytes;
    df_chunk_state state;
    char file_id[64];
    int duplicate;
    int code;            /* last refusal: Code, or HTTP status */
    char message[512];   /* last refusal's message */
    long long total, passed, failed;
    int attempts;
} df_chunk_row;

/* Opens (creating the folder and the schema if needed) WORKSPACE/journal.sqlite. */
int df_journal_open(df_journal **out, const char *workspace, df_error *err);
void df_journal_close(df_journal *j);
const char *df_journal_workspace(const df_journal *j);

/* Batches. get: *found = 0 when unknown. put: inserts, or keeps the stored
 * row if the id exists (a batch's CreatedAt never changes). */
int df_journal_batch_get(df_journal *j, const char *id, df_batch_info *b, int *found, df_error *err);
int df_journal_batch_put(df_journal *j, const df_batch_info *b, df_error *err);
/* Calls fn for each batch, oldest first. */
int df_journal_batches(df_journal *j, int (*fn)(void *arg, const df_batch_info *b), void *arg, df_error *err);

/* Chunks. */
int df_journal_chunk_get(df_journal *j, const char *batch, int seq, df_chunk_row *r, int *found, df_error *err);
/* Records a chunk file (state written or signed). A chunk of the same batch
 * and seq without FileId is replaced; one with a FileId must have the same
 * SHA-256 (else an error: the batch's input changed after upload). */
int df_journal_chunk_put(df_journal *j, df_chunk_row *r, df_error *err);

typedef enum { DF_JSEL_ALL, DF_JSEL_TO_UPLOAD, DF_JSEL_TO_POLL } df_journal_select;
/* Calls fn for the chunks of batch (NULL: all batches) that sel picks, in
 * batch and seq order. fn returning non-zero stops. */
int df_journal_chunks(df_journal *j, const char *batch, df_journal_select sel,
                      int (*fn)(void *arg, const df_chunk_row *r), void *arg, df_error *err);

/* State changes, each one transaction; refused when the transition is not allowed. */
int df_journal_set_state(df_journal *j, long long chunk, df_chunk_state to, df_error *err);
int df_journal_set_uploaded(df_journal *j, long long chunk, const char *file_id, int duplicate, df_error *err);
int df_journal_set_refused(df_journal *j, long long chunk, int code, const char *message, df_error *err);
/* A chunk the server already holds under file_id: uploaded without being
 * sent (from written, signed, uploading or refused), with an attempt
 * "reconcile"/"adopted" recorded. */
int df_journal_adopt(df_journal *j, long long chunk, const char *file_id, df_error *err);
/* A result that cannot be true: state ANOMALY, the server's counts kept,
 * why in the chunk's message (from uploaded, a final state or ANOMALY). */
int df_journal_set_anomaly(df_journal *j, long long chunk, long long total, long long passed, long long failed,
                           const char *why, df_error *err);
/* Calls fn for every chunk (of any batch) holding file_id. */
int df_journal_chunks_by_file_id(df_journal *j, const char *file_id, int (*fn)(void *arg, const df_chunk_row *r),
                                 void *arg, df_error *err);

/* One attempt: entry, outcome ("ok", "transient", "refused"), HTTP status,
 * Code (-1 if none) and message. */
int df_journal_attempt(df_journal *j, long long chunk, const char *entry, const char *outcome, long http,
                       int code, const char *message, df_error *err);

typedef struct df_record_error {
    long long seq;
    char code[48];
    char message[2048];
} df_record_error;

/* A file's final result and its record errors, one transaction. */
int df_journal_set_result(df_journal *j, long long chunk, df_chunk_state status, long long total,
                          long long passed, long long failed, const df_record_error *errors, int nerrors,
                          df_error *err);
int df_journal_record_errors(df_journal *j, long long chunk,
                             int (*fn)(void *arg, const df_record_error *e), void *arg, df_error *err);

/* Catalogs: version (0 if never pulled), and changes applied in one
 * transaction between begin and commit (rollback on any failure). */
int df_journal_catalog_version(df_journal *j, const char *cat, long long *version, df_error *err);
int df_journal_catalog_count(df_journal *j, const char *cat, long long *count, df_error *err);
/* When the catalog was last pulled ("2026-11-30T08:00:00Z", UTC), "" if never. */
int df_journal_catalog_pulled(df_journal *j, const char *cat, char *when, size_t n, df_error *err);
int df_journal_begin(df_journal *j, df_error *err);
int df_journal_commit(df_journal *j, df_error *err);
void df_journal_rollback(df_journal *j);
/* Within begin/commit: an addition, update or deletion (the answer's op,
 * as the profile names it); cols in the catalog's column order. */
int df_journal_catalog_apply(df_journal *j, const df_catalog_def *def, df_catalog_op op, const char *const *cols,
                             const size_t *lens, df_error *err);
int df_journal_catalog_set_version(df_journal *j, const char *cat, long long version, df_error *err);

/* Fills the catalogs of set (df_catalog_set_init'ed for p) that the
 * workspace holds; *nloaded gets how many were pulled at least once. */
int df_journal_load_catalogs(df_journal *j, const df_profile *p, df_catalog_set *set, int *nloaded,
                             df_error *err);

#endif
