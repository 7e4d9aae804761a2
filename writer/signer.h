/* writer/signer.h — signing data files with the enterprise key
 * (INTERFACE.md §5: enveloped XML-DSig, C14N 1.0, RSA-SHA256, SHA-256).
 *
 * Two signers over the same key (writer/key.h):
 *  - streaming: the chunk writer digests the canonical bytes as it writes
 *    them (chunk_writer.h); df_signer_sign_digest builds SignedInfo around
 *    that digest, signs it and returns the whole Signature element. No DOM,
 *    no re-reading; memory does not depend on the chunk's size.
 *  - reference: libxmlsec1 on a DOM of the finished unsigned file, kept to
 *    cross-check the streaming signer (same digest, both verify). */
#ifndef DF_WRITER_SIGNER_H
#define DF_WRITER_SIGNER_H

#include <stddef.h>
#include "base/error.h"
#include "writer/chunk.h"
#include "writer/key.h"

typedef enum { DF_SIGN_NONE, DF_SIGN_STREAMING, DF_SIGN_REFERENCE } df_sign_mode;

typedef struct df_signer df_signer; /* opaque; thread-safe for signing */

/* A signer over a loaded key, which must outlive it. */
int df_signer_new(df_signer **out, const df_key *key, df_error *err);
/* Loads the key (df_key_load) and a signer over it in one step; the signer
 * owns that key: df_signer_free frees both. */
int df_signer_load(df_signer **out, const df_key_options *o, df_error *err);
void df_signer_free(df_signer *s);
const df_key *df_signer_key(const df_signer *s);

/* df_sign_fn for df_chunk_finish: ctx is the df_signer. */
int df_signer_sign_digest(void *ctx, const unsigned char digest[32], df_buf *signature_xml,
                          df_error *err);

/* Reference signer: signs the unsigned data file at in_path with libxmlsec1
 * (DOM) and writes the signed file atomically to out_path. If digest is not
 * NULL it receives the reference digest xmlsec computed. Memory is about
 * eight times the file's size. May run in several threads at once.
 * A df_file_sign_fn for df_convert (converter/convert.h): ctx is the
 * df_signer. */
int df_signer_reference_sign_file(void *ctx, const char *in_path, const char *out_path,
                                  unsigned char digest[32], df_error *err);

#endif
