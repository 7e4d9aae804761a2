/* writer/sigalg.h — the signature algorithms drugflow implements and the
 * URIs they go by.
 *
 * The profile's `signature:` section names an algorithm (rsa-sha256,
 * rsa-sha1, rsa-sha512, sm2-sm3), a digest and five URIs. For what
 * libxmlsec1 implements (RSA, SHA-1/256/512, the canonicalizations, the
 * enveloped-signature transform, the XML-DSig namespace) the URI must be
 * the very one libxmlsec1 registers, taken from the library at run time:
 * that is what stock `xmlsec1 --verify` will accept, and no URI is spelled
 * out in drugflow's C. For SM2 and SM3, which no W3C document names, the
 * profile's URIs are taken as they are (any absolute URI libxmlsec1 does
 * not use for something else). No OpenSSL or xmlsec header here: the
 * library objects come back as pointers to their opaque structs. */
#ifndef DF_WRITER_SIGALG_H
#define DF_WRITER_SIGALG_H

#include <stddef.h>
#include "mapping/protocol.h"

struct evp_pkey_st;
struct evp_md_st;
struct _xmlSecTransformKlass;

typedef enum { DF_ROLE_NAMESPACE, DF_ROLE_C14N, DF_ROLE_ENVELOPED, DF_ROLE_METHOD, DF_ROLE_DIGEST } df_sigalg_role;

/* Checks the URI the profile gives for role, with s->algorithm and
 * s->digest already set: 0, or -1 with why. */
int df_sigalg_check_uri(const df_signature_def *s, df_sigalg_role role, const char *uri, char *why, size_t n);

/* The canonicalization a URI stands for (df_c14n_alg), or -1. */
int df_sigalg_c14n_of(const char *uri);

/* 1 if the signature is RSA (verified with libxmlsec1), 0 for SM2. */
int df_sigalg_is_rsa(df_sig_alg a);

/* OpenSSL's digest for a digest algorithm, and for an RSA signature's hash. */
const struct evp_md_st *df_sigalg_md(df_digest_alg d);
const struct evp_md_st *df_sigalg_rsa_md(df_sig_alg a);

/* libxmlsec1's transform for a role of s (NULL for SM2 and SM3). */
const struct _xmlSecTransformKlass *df_sigalg_xmlsec(const df_signature_def *s, df_sigalg_role role);

/* libxml2's C14N mode (XML_C14N_1_0 etc.) of a canonicalization. */
int df_sigalg_c14n_mode(df_c14n_alg c);

/* gd-v1's signature: rsa-sha256, sha256, C14N 1.0, the certificate only,
 * libxmlsec1's URIs for them. */
void df_sigalg_default(df_signature_def *s);

/* Whether a key is of the type s->algorithm signs with (RSA, or SM2). */
int df_sigalg_key_fits(const df_signature_def *s, struct evp_pkey_st *key);

#define DF_SIGVALUE_MAX 1024 /* bytes of the longest SignatureValue (RSA-8192) */

/* Signs data as s says (RSA PKCS#1 v1.5 with the method's hash, or SM2
 * with SM3 and s->sm2_id, in s->sm2_format) into sig (*siglen in: room,
 * out: length). 0, or -1 with why. */
int df_sigalg_sign(const df_signature_def *s, struct evp_pkey_st *key, const void *data, size_t len,
                   unsigned char *sig, size_t *siglen, char *why, size_t n);
/* Verifies such a signature with a public key: 1 valid, 0 not. */
int df_sigalg_verify(const df_signature_def *s, struct evp_pkey_st *pub, const void *data, size_t len,
                     const unsigned char *sig, size_t siglen);

#endif
