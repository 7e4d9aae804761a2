/* writer/verify.h — verification of a data file's enveloped XML-DSig
 * signature (INTERFACE.md §5) as the profile's `signature:` section says,
 * for `drugflow verify`, the signer's self-check and drugflow-sim.
 *
 * A file is valid when: it is well-formed XML without a DOCTYPE (parsed with
 * no network access, no DTD loading, no entity expansion); its root has
 * exactly one Signature (in the profile's namespace), the root's last
 * element child; the signature has exactly the profile's shape
 * (sig_policy.h: one Reference URI="", only the enveloped-signature
 * transform, the profile's canonicalization, digest and signature methods,
 * KeyInfo/X509Data with the signer's certificate, or its chain), checked
 * before anything of it runs; the signer's certificate (KeyInfo's first)
 * may sign, chains to the trusted CA and is within its validity period; and
 * the digest and signature values match. RSA signatures are verified by
 * libxmlsec1 with only the profile's transforms enabled; SM2-with-SM3 ones
 * (which libxmlsec1 does not know) by OpenSSL over libxml2's canonical
 * SignedInfo and document (verify_direct.h).
 *
 * Usage:
 *     df_verify_result r;
 *     if (df_verify_file("chunk.xml", "ca.pem", &r, &err) != 0)
 *         ... could not even try: err says why (CA unreadable, out of memory)
 *     else if (!r.valid)
 *         ... r.reason says why the file is not validly signed
 *     else
 *         ... r.signer_cn is the signer certificate's subject CN
 *
 * Thread-safe: any number of threads may verify at once. */
#ifndef DF_WRITER_VERIFY_H
#define DF_WRITER_VERIFY_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/protocol.h"

typedef struct df_verify_result {
    int valid;              /* 1: signature verified against the trusted CA */
    int malformed;          /* 1: not even parsed (not well-formed XML, or a DOCTYPE) */
    char reason[512];       /* when !valid: why, in one line */
    char signer_cn[256];    /* subject CN of the signer's certificate ("" if none found) */
    char signer_subject[512]; /* the whole subject, one line (RFC 2253) */
    char signer_pem[4096];  /* the signer's certificate, PEM ("" if none or too big) */
} df_verify_result;

/* Initialises libxml2, xmlsec and its OpenSSL back end once per process
 * (pthread_once); later calls return the first call's outcome. Every
 * function here calls it; the signer may call it too before signing. */
int df_xmlsec_init(df_error *err);

/* The first xmlsec error reported on this thread since the last clear
 * ("" if none), for messages; and clearing it before an operation. */
const char *df_xmlsec_error(void);
void df_xmlsec_clear_error(void);

/* Verifies the file at path, signed as sig says, against the CA
 * certificate(s) in the PEM file trusted_ca_pem. Returns 0 when the verification ran (look at out->valid),
 * -1 when it could not (err filled: CA file unreadable, xmlsec failure
 * unrelated to the file). A file that cannot be read or parsed is a
 * verification that ran: valid 0 with the reason. */
int df_verify_file_sig(const char *path, const char *trusted_ca_pem, const df_signature_def *sig,
                       df_verify_result *out, df_error *err);

/* The same for a document held in memory. */
int df_verify_memory_sig(const void *buf, size_t len, const char *trusted_ca_pem, const df_signature_def *sig,
                         df_verify_result *out, df_error *err);

/* The same with gd-v1's signature (RSA-SHA256, SHA-256, C14N 1.0, the
 * certificate only), its URIs taken from libxmlsec1 (df_sigalg_default). */
int df_verify_file(const char *path, const char *trusted_ca_pem, df_verify_result *out,
                   df_error *err);
int df_verify_memory(const void *buf, size_t len, const char *trusted_ca_pem,
                     df_verify_result *out, df_error *err);

#endif
