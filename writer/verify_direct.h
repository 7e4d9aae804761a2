/* writer/verify_direct.h — verifying a signature with OpenSSL directly over
 * libxml2's canonical forms, for the algorithms libxmlsec1 does not know
 * (SM2 with SM3). For writer/verify.c only, after the shape check
 * (sig_policy.h) passed and KeyInfo's certificates were read.
 *
 * In order: the signer's certificate (certs[0]) chains to the trusted CA
 * through the others and is valid now; the canonical SignedInfo (the
 * profile's canonicalization of the SignedInfo subtree) verifies against
 * SignatureValue with its public key; the profile's digest of the
 * canonical document without the Signature subtree (URI="" and the
 * enveloped-signature transform, comments left out) equals DigestValue.
 * Each costs time linear in the file. */
#ifndef DF_WRITER_VERIFY_DIRECT_H
#define DF_WRITER_VERIFY_DIRECT_H

#include "base/error.h"
#include "mapping/protocol.h"
#include "writer/sig_policy.h"
#include "writer/verify.h"

struct _xmlDoc;

/* 0 when the verification ran (out->valid and out->reason say how it
 * went), -1 when it could not (err: the CA unreadable, out of memory). */
int df_verify_direct(struct _xmlDoc *doc, struct _xmlNode *sig, const df_sig_shape *shape, struct x509_st **certs,
                     const char *ca, const df_signature_def *s, df_verify_result *out, df_error *err);

#endif
