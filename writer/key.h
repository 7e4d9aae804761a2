/* writer/key.h — the enterprise key and certificate (INTERFACE.md §1, §5).
 *
 * Keys are PKCS#12 (.pfx/.p12, as NETCA issues them) or a PEM key with its
 * certificate. The passphrase comes from an environment variable, a file or
 * the terminal — never argv — and is wiped after use; it never appears in a
 * message. A key file readable by group or others is refused unless
 * allowed. Expired or not-yet-valid certificates, a key that does not match
 * its certificate and a wrong passphrase each have their own message.
 *
 * A key can also be on a USB token: key_path "pkcs11:token=…;object=…"
 * (writer/token.h), the PIN from the passphrase sources, the certificate
 * from the token or cert_path. A certificate that ends within
 * DF_KEY_EXPIRY_WARN_DAYS is warned about on every load, naming the date.
 *
 * One loaded key serves both the XML signers (writer/signer.h) and the TLS
 * client (uploader/client.h, through df_key_export_pem or, for a token,
 * df_key_engine_uri). */
#ifndef DF_WRITER_KEY_H
#define DF_WRITER_KEY_H

#include <stddef.h>
#include <stdio.h>
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
    const char *pkcs11_module; /* key_path "pkcs11:…" (a key on a token): its PKCS#11 module;
                                  the PIN comes from the passphrase sources above */
    FILE *warn;                /* where "the certificate expires on …" goes (NULL: nowhere) */
    char *token_found;         /* out, may be NULL: for a key on a token, what was found
                                  ("token 'ent-a' (SoftHSM v2, serial …): PIN accepted, key found")
                                  once the token check passed, even if a later check fails */
    size_t token_found_n;
    int kind;                  /* df_key_kind: the key the profile's signature needs */
    int inspect;               /* loaded to be inspected (doctor): whether the certificate may
                                  sign is left to the caller to check and explain */
} df_key_options;

/* Days ahead of its end that a certificate is warned about, on every load. */
#define DF_KEY_EXPIRY_WARN_DAYS 30

/* Which key a use needs: the profile's signature algorithm decides between
 * RSA and SM2 (df_signer_key_kind); a TLS-only identity (tls.key) may be
 * any type libcurl takes. A signing key's certificate must allow signing. */
typedef enum { DF_KEY_RSA = 0, DF_KEY_SM2, DF_KEY_TLS } df_key_kind;

/* The one builder of key options: the configuration's certificate section
 * (with any command-line overrides already written into cfg); warnings go
 * to stderr. */
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
/* Further certificates that came with it (a PKCS#12's CA chain), or NULL. */
struct stack_st_X509 *df_key_chain(const df_key *k);

/* The further certificates of the key file (the PKCS#12's CA
 * certificates, or the PEM chain after the first), for KeyInfo "chain". */
int df_key_chain_count(const df_key *k);
struct x509_st *df_key_chain_cert(const df_key *k, int i);

/* The reason of the last OpenSSL error, for messages; clears OpenSSL's
 * error queue. */
const char *df_openssl_reason(char *buf, size_t cap);

/* PEM strings of the private key and certificate chain, for the TLS
 * client, which hands them to libcurl as blobs and must wipe and free them.
 * A key on a token cannot be exported (see df_key_engine_uri). */
int df_key_export_pem(const df_key *k, char **key_pem, size_t *key_len, char **cert_pem,
                      size_t *cert_len, df_error *err);
/* The certificate chain alone as PEM (free() it). */
int df_key_export_cert_pem(const df_key *k, char **cert_pem, size_t *cert_len, df_error *err);

/* For a key on a token: the URI under which the OpenSSL engine "pkcs11"
 * (writer/token.h), registered with module and PIN, hands it to libcurl's
 * engine key type; NULL for a key from a file. */
const char *df_key_engine_uri(const df_key *k);

/* The certificate's end of validity ("2026-12-24 08:00:00 UTC") and the
 * whole days left (negative once expired). */
long df_key_days_left(const df_key *k, char *not_after, size_t n);

#endif
