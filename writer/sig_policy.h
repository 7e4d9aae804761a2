/* writer/sig_policy.h — the one shape of signature a data file may carry
 * (INTERFACE.md §5), checked before any transform, digest or key operation
 * runs, for `drugflow verify` and drugflow-sim.
 *
 * The profile's `signature:` section fixes it: a Signature element in the
 * profile's namespace holding SignedInfo, SignatureValue and KeyInfo, in
 * that order and nothing else; SignedInfo with the profile's
 * CanonicalizationMethod and SignatureMethod and exactly one Reference
 * URI=""; the Reference with exactly the enveloped-signature Transform, the
 * profile's DigestMethod and a DigestValue of that digest's length;
 * KeyInfo with one X509Data of X509Certificate elements only: the
 * signer's, and perhaps its issuers' (at most DF_MAX_KEYINFO_CERTS in all;
 * key_info says what drugflow sends, but another tool signing with a
 * PKCS#12 writes its CA certificates too). Algorithms carry no parameters (no XPath, no
 * HMACOutputLength, no InclusiveNamespaces); elements carry no attributes
 * but Id (and Reference's URI). Anything else is refused with the reason,
 * e.g. "transform http://www.w3.org/TR/1999/REC-xpath-19991116 not
 * allowed", so a verification costs time linear in the file: no
 * expression from the file is ever evaluated. The signer's certificate
 * must also allow signing (df_sig_policy_check_signer). */
#ifndef DF_WRITER_SIG_POLICY_H
#define DF_WRITER_SIG_POLICY_H

#include <stddef.h>
#include "mapping/protocol.h"

#define DF_MAX_KEYINFO_CERTS 8

struct _xmlNode;
struct x509_st;

/* The parts of a signature that passed the check (libxml2 nodes). */
typedef struct df_sig_shape {
    struct _xmlNode *signed_info, *signature_value, *digest_value;
    int ncerts;
    struct _xmlNode *certs[DF_MAX_KEYINFO_CERTS]; /* X509Certificate elements, in document order */
} df_sig_shape;

/* Checks the Signature element sig against the profile: 0 with shape
 * filled, or -1 with why ("E_SIGNATURE"-worthy, one line). */
int df_sig_policy_check(const df_signature_def *s, struct _xmlNode *sig, df_sig_shape *shape, char *why,
                        size_t n);

/* The signer's certificate may sign: keyUsage (when present) has
 * digitalSignature or nonRepudiation, and it is no CA certificate. 0, or
 * -1 with why. */
int df_sig_policy_check_signer(struct x509_st *cert, char *why, size_t n);

/* Decodes the base64 text of a signature value, digest or certificate
 * (whitespace allowed) into a malloc'd buffer. 0, or -1 if not base64. */
int df_sig_b64_decode(const char *text, unsigned char **out, size_t *len);

#endif
