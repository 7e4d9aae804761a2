/* writer/chunk.h — what a data file's writer is given and gives back: the
 * run values of its header, its result (path, records, digests), and the
 * signing callback that closes it. The face of the writer for callers that
 * never touch XML or OpenSSL themselves (the converter's users, cli/). */
#ifndef DF_WRITER_CHUNK_H
#define DF_WRITER_CHUNK_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "base/path.h"

/* The run values that fill the header (profile datafile.header_fields). */
typedef struct df_chunk_meta {
    const char *enterprise_code;
    const char *enterprise_name;
    const char *doc_type;
    const char *period;
    const char *batch_id;
    const char *created_at;
} df_chunk_meta;

/* A growable byte buffer for small outputs (signature XML). */
typedef struct df_buf {
    char *data;
    size_t len, cap;
} df_buf;
int df_buf_append(df_buf *b, const void *p, size_t n);
/* Room for n more bytes (and a NUL) after len. 0 or -1 (memory). */
int df_buf_reserve(df_buf *b, size_t n);
void df_buf_free(df_buf *b);

#define DF_DIGEST_MAX 64 /* bytes of the longest reference digest (SHA-512) */

/* Produces the complete <Signature …>…</Signature> element for a chunk
 * whose enveloped-signature reference digest (the profile's digest over the
 * canonical form without the Signature) is `digest`, `len` bytes.
 * Implemented by writer/signer. */
typedef int (*df_sign_fn)(void *ctx, const unsigned char *digest, size_t len, df_buf *signature_xml,
                          df_error *err);

typedef struct df_chunk_result {
    char path[DF_PATH_MAX];
    uint64_t records;
    uint64_t bytes;               /* file size */
    unsigned char c14n_digest[DF_DIGEST_MAX]; /* reference digest (canonical, unsigned) */
    size_t c14n_digest_len;        /* its length: the profile's digest (32 for SHA-256) */
    unsigned char file_sha256[32]; /* SHA-256 of the file as written (DF_CHUNK_FILE_DIGEST) */
    int has_file_sha256;
    /* Where the chunk's records came from (converter/provenance.h): the
     * (input index, physical line) of each record, in record order, as a
     * delta-encoded blob. Owned by the conversion summary (df_summary_free). */
    unsigned char *lines;
    size_t lines_len;
} df_chunk_result;

/* libxml2's process-wide set-up, before any thread writes or parses XML,
 * and its clean-up at exit (for leak checkers). */
void df_xml_init(void);
void df_xml_cleanup(void);

#endif
