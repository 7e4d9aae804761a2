/* writer/signer.h — signing data files with the enterprise certificate
 * (INTERFACE.md §5: enveloped XML-DSig, C14N 1.0, RSA-SHA256, SHA-256).
 *
 * Two signers over the same key:
 *  - streaming: the chunk writer digests the canonical bytes as it writes
 *    them (chunk_writer.h); df_signer_sign_digest builds SignedInfo around
 *    that digest, signs it and returns the whole Signature element. No DOM,
 *    no re-reading; memory does not depend on the chunk's size.
 *  - reference: libxmlsec1 on a DOM of the finished unsigned file, kept to
 *    cross-check the streaming signer (same digest, both verify).
 *
 * Keys: PKCS#12 (.pfx/.p12, as NETCA issues them) or PEM key + certificate.
 * The passphrase comes from an environment variable, a file or the
 * terminal — never argv — and is wiped after use; it never appears in a
 * message. A key file readable by group or others is refused unless
 * allowed. Expired or not-yet-valid certificates, a key that does not match
 * its certificate and a wrong passphrase each have their own message. */
#ifndef DF_WRITER_SIGNER_H
#define DF_WRITER_SIGNER_H

#include <stddef.h>
#include "base/error.h"
#include "writer/chunk_writer.h"

typedef enum { DF_SIGN_NONE, DF_SIGN_STREAMING, DF_SIGN_REFERENCE } df_sign_mode;

/* The passphrase is looked for only when the key needs one (a PKCS#12
 * that opens with the empty passphrase, or an unencrypted PEM key, needs
 * none): the environment variable if it is set, else the file, else the
 * terminal (/dev/tty, no echo) if pass_prompt. Messages name the CLI
 * options --passphrase-env, --passphrase-file, --allow-open-key-permissions
 * (cli/convert.c). */
typedef struct df_key_options {
    const char *key_path;      /* .p12/.pfx; or PEM private key (with cert_path, or
                                  followed by its certificate in the same file) */
    const char *cert_path;     /* PEM certificate (+ chain); NULL for PKCS#12 */
    const char *pass_env;      /* name of an environment variable holding the passphrase */
    const char *pass_file;     /* file whose first line is the passphrase (mode 600 too) */
    int pass_prompt;           /* ask on the terminal if neither gave one */
    int allow_open_perms;      /* accept key/passphrase files readable by group/others */
} df_key_options;

typedef struct df_signer df_signer; /* opaque; thread-safe for signing */

/* Loads and checks the key: RSA, matching its certificate, certificate
 * valid now. Fails (with *out = NULL) with its own message for each of:
 * unreadable/damaged file, open permissions, missing or wrong passphrase,
 * non-RSA key, key/certificate mismatch, expired, not yet valid.
 * First makes the process unable to dump core (RLIMIT_CORE 0 and
 * PR_SET_DUMPABLE 0) so that the key never lands in a core file. */
int df_signer_load(df_signer **out, const df_key_options *opts, df_error *err);
void df_signer_free(df_signer *s);

/* The certificate's subject CN (the enterprise's credit code in our PKI). */
const char *df_signer_subject_cn(const df_signer *s);

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

/* Loads the key and certificate the way df_signer_load does, for the TLS
 * client: PEM strings of the private key and certificate chain that the
 * caller hands to libcurl as blobs and must wipe and free. */
int df_signer_export_pem(const df_signer *s, char **key_pem, size_t *key_len, char **cert_pem,
                         size_t *cert_len, df_error *err);

#endif
