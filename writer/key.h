/* writer/key.h — the enterprise key and certificate (INTERFACE.md §1, §5).
 *
 * Keys are PKCS#12 (.pfx/.p12, as NETCA issues them) or a PEM key with its
 * certificate. The passphrase comes from an environment variable, a file or
 * the terminal — never argv — and is wiped after use; it never appears in a
 * message. A key file readable by group or others is refused unless
 * allowed. Expired or not-yet-valid certificates, a key that does not match
 * its certificate and a wrong passphrase each have their own message.
 *
 * One loaded key serves both the XML signers (writer/signer.h) and the TLS
 * client (uploader/client.h, through df_key_export_pem). */
#ifndef DF_WRITER_KEY_H
#define DF_WRITER_KEY_H

#include <stddef.h>
#include "base/error.h"
#include "config/config.h"

/* The passphrase is looked for only when the key needs one (a PKCS#12
 * that opens with the empty passphrase, or an unencrypted PEM key, needs
 * none): the environment variable if it is set, else the file, else the
 * terminal (/dev/tty, no echo) if pass_prompt. Messages name the CLI
 * options --passphrase-env, --passphrase-file, --allow-open-key-permissions. */
typedef struct df_key_options {
    const char *key_path;      /* .p12/.pfx; or PEM private key (with cert_path, or
                                  followed by its certificate in the same file) */
    const char *cert_path;     /* PEM certificate (+ chain); NULL for PKCS#12 */
    const char *pass_env;      /* name of an environment variable holding the passphrase */
    const char *pass_file;     /* file whose first line is the passphrase (mode 600 too) */
    int pass_prompt;           /* ask on the terminal if neither gave one */
    int allow_open_perms;      /* accept key/passphrase files readable by group/others */
    int kind;                  /* df_key_kind: the key the profile's signature needs */
} df_key_options;

/* Which key a use needs: the profile's signature algorithm decides between
 * RSA and SM2 (df_signer_key_kind); a TLS-only identity (tls.key) may be
 * any type libcurl takes. A signing key's certificate must allow signing. */
typedef enum { DF_KEY_RSA = 0, DF_KEY_SM2, DF_KEY_TLS } df_key_kind;

/* The one builder of key options: the configuration's certificate section
 * (with any command-line overrides already written into cfg). */
void df_key_options_from_config(const df_config *cfg, int prompt, df_key_options *k);

typedef struct df_key df_key; /* opaque; read-only once loaded, shared by threads */

/* Loads and checks the key: of the kind asked (RSA by default), matching
 * its certificate, certificate valid now and, for signing, allowed to sign
 * (keyUsage digitalSignature or nonRepudiation, not a CA). Fails (with
 * *out = NULL) with its own message for each of: unreadable/damaged file,
 * open permissions, missing or wrong passphrase, a key of another type,
 * key/certificate mismatch, expired, not yet valid, not for signing.
 * First makes the process unable to dump core (RLIMIT_CORE 0 and
 * PR_SET_DUMPABLE 0) so that the key never lands in a core file. */
int df_key_load(df_key **out, const df_key_options *opts, df_error *err);
void df_key_free(df_key *k);

/* The certificate's subject CN (the enterprise's credit code in our PKI). */
const char *df_key_subject_cn(const df_key *k);
/* The certificate as base64 DER, no line breaks (for KeyInfo). */
const char *df_key_cert_b64(const df_key *k, size_t *len);

/* The OpenSSL objects, borrowed, for the signers (EVP_PKEY *, X509 *). */
struct evp_pkey_st *df_key_pkey(const df_key *k);
struct x509_st *df_key_cert(const df_key *k);

/* The further certificates of the key file (the PKCS#12's CA
 * certificates, or the PEM chain after the first), for KeyInfo "chain". */
int df_key_chain_count(const df_key *k);
struct x509_st *df_key_chain_cert(const df_key *k, int i);

/* The reason of the last OpenSSL error, for messages; clears OpenSSL's
 * error queue. */
const char *df_openssl_reason(char *buf, size_t cap);

/* PEM strings of the private key and certificate chain, for the TLS
 * client, which hands them to libcurl as blobs and must wipe and free them. */
int df_key_export_pem(const df_key *k, char **key_pem, size_t *key_len, char **cert_pem,
                      size_t *cert_len, df_error *err);

#endif
