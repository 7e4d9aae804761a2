/* writer/signer.h — signing data files with the enterprise key
 * (INTERFACE.md §5: enveloped XML-DSig as the profile's `signature:`
 * section says: RSA-SHA256 with SHA-256 and C14N 1.0 in gd-v1; RSA-SHA1,
 * RSA-SHA512 or SM2-with-SM3 in others).
 *
 * Two signers over the same key (writer/key.h):
 *  - streaming: the chunk writer digests the canonical bytes as it writes
 *    them (chunk_writer.h); df_signer_sign_digest builds SignedInfo around
 *    that digest, signs it and returns the whole Signature element. No DOM,
 *    no re-reading; memory does not depend on the chunk's size.
 *  - reference: libxmlsec1 on a DOM of the finished unsigned file, kept to
 *    cross-check the streaming signer (same digest, both verify). RSA only:
 *    libxmlsec1 has no SM2. */
#ifndef DF_WRITER_SIGNER_H
#define DF_WRITER_SIGNER_H

#include <stddef.h>
#include "base/error.h"
#include "writer/chunk.h"
#include "mapping/protocol.h"
#include "writer/key.h"

typedef enum { DF_SIGN_NONE, DF_SIGN_STREAMING, DF_SIGN_REFERENCE } df_sign_mode;

typedef struct df_signer df_signer; /* opaque; thread-safe for signing */

/* A signer over a loaded key and the profile's signature section, which
 * must both outlive it. Fails if the key does not fit the algorithm. */
int df_signer_new(df_signer **out, const df_key *key, const df_signature_def *sig, df_error *err);
/* Loads the key (df_key_load, of the kind the algorithm signs with) and a
 * signer over it in one step; the signer owns that key: df_signer_free
 * frees both. */
int df_signer_load(df_signer **out, const df_key_options *o, const df_signature_def *sig, df_error *err);
void df_signer_free(df_signer *s);
const df_key *df_signer_key(const df_signer *s);

/* df_sign_fn for df_chunk_finish: ctx is the df_signer. */
int df_signer_sign_digest(void *ctx, const unsigned char *digest, size_t len, df_buf *signature_xml,
                          df_error *err);

/* The key kind (writer/key.h df_key_kind) the profile's algorithm signs with. */
int df_signer_key_kind(const df_signature_def *sig);

/* Reference signer: signs the unsigned data file at in_path with libxmlsec1
 * (DOM) and writes the signed file atomically to out_path. If digest is not
 * NULL it receives the reference digest xmlsec computed (DF_DIGEST_MAX
 * bytes of room; the profile's digest length is written). Memory is about
 * eight times the file's size. May run in several threads at once.
 * A df_file_sign_fn for df_convert (converter/convert.h): ctx is the
 * df_signer. Not for a key on a token (libxmlsec1 sees no private key in
 * it): refused with a message. */
int df_signer_reference_sign_file(void *ctx, const char *in_path, const char *out_path,
                                  unsigned char *digest, df_error *err);

#endif
