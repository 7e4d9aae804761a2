/* writer/sigalg.c — the signature algorithms and their URIs, from
 * libxmlsec1's own registry; see sigalg.h. */
#include "writer/sigalg.h"

#include <stdio.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/strings.h>
#include <xmlsec/transforms.h>

#include "base/error.h"
#include "writer/verify.h"

static xmlSecTransformId rsa_klass(df_sig_alg a)
{
    switch (a) {
    case DF_SIG_RSA_SHA256: return xmlSecTransformRsaSha256Id;
    case DF_SIG_RSA_SHA1: return xmlSecTransformRsaSha1Id;
    case DF_SIG_RSA_SHA512: return xmlSecTransformRsaSha512Id;
    default: return NULL;
    }
}

static xmlSecTransformId digest_klass(df_digest_alg d)
{
    switch (d) {
    case DF_DIGEST_SHA256: return xmlSecTransformSha256Id;
    case DF_DIGEST_SHA1: return xmlSecTransformSha1Id;
    case DF_DIGEST_SHA512: return xmlSecTransformSha512Id;
    default: return NULL;
    }
}

static xmlSecTransformId c14n_klass(df_c14n_alg c)
{
    switch (c) {
    case DF_C14N_10: return xmlSecTransformInclC14NId;
    case DF_C14N_11: return xmlSecTransformInclC14N11Id;
    case DF_C14N_EXCL_10: return xmlSecTransformExclC14NId;
    default: return NULL;
    }
}

int df_sigalg_is_rsa(df_sig_alg a)
{
    return rsa_klass(a) != NULL;
}

int df_sigalg_c14n_of(const char *uri)
{
    for (int c = 0; c < DF_C14N_COUNT; c++)
        if (!strcmp(uri, (const char *)c14n_klass((df_c14n_alg)c)->href))
            return c;
    return -1;
}

int df_sigalg_c14n_mode(df_c14n_alg c)
{
    return c == DF_C14N_11 ? XML_C14N_1_1 : c == DF_C14N_EXCL_10 ? XML_C14N_EXCLUSIVE_1_0 : XML_C14N_1_0;
}

const struct evp_md_st *df_sigalg_md(df_digest_alg d)
{
    switch (d) {
    case DF_DIGEST_SHA256: return EVP_sha256();
    case DF_DIGEST_SHA1: return EVP_sha1();
    case DF_DIGEST_SHA512: return EVP_sha512();
    case DF_DIGEST_SM3: return EVP_sm3();
    default: return NULL;
    }
}

const struct evp_md_st *df_sigalg_rsa_md(df_sig_alg a)
{
    switch (a) {
    case DF_SIG_RSA_SHA256: return EVP_sha256();
    case DF_SIG_RSA_SHA1: return EVP_sha1();
    case DF_SIG_RSA_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

const struct _xmlSecTransformKlass *df_sigalg_xmlsec(const df_signature_def *s, df_sigalg_role role)
{
    switch (role) {
    case DF_ROLE_C14N: return c14n_klass(s->c14n);
    case DF_ROLE_ENVELOPED: return xmlSecTransformEnvelopedId;
    case DF_ROLE_METHOD: return rsa_klass(s->algorithm);
    case DF_ROLE_DIGEST: return digest_klass(s->digest);
    default: return NULL;
    }
}

/* scheme ":" something, printable ASCII, nothing that needs escaping in an attribute. */
static int uri_syntax_ok(const char *u)
{
    const char *c = u;
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
        return 0;
    while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '+' ||
           *c == '-' || *c == '.')
        c++;
    if (*c != ':' || !c[1])
        return 0;
    for (c = u; *c; c++)
        if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '<' || *c == '>' || *c == '&' || *c == '\'' ||
            *c == '\\' || *c == '`')
            return 0;
    return 1;
}

/* The URI libxmlsec1 registers for a klass, and what it calls it. */
static int must_be(xmlSecTransformId k, const char *uri, const char *what, char *why, size_t n)
{
    if (!strcmp(uri, (const char *)k->href))
        return 0;
    snprintf(why, n, "'%s' is not the URI of %s; libxmlsec1 (and stock xmlsec1 --verify) knows it as '%s'", uri,
             what, (const char *)k->href);
    return -1;
}

/* A URI of our own choosing (SM2, SM3) must not be one libxmlsec1 uses for another algorithm. */
static int not_xmlsec_s(const char *uri, const char *what, char *why, size_t n)
{
    df_error err;
    if (df_xmlsec_init(&err) != 0) {
        snprintf(why, n, "%s", err.msg);
        return -1;
    }
    xmlSecTransformId k = xmlSecTransformIdListFindByHref(xmlSecTransformIdsGet(), (const xmlChar *)uri,
                                                          xmlSecTransformUsageAny);
    if (k == xmlSecTransformIdUnknown)
        return 0;
    snprintf(why, n, "'%s' is libxmlsec1's URI of %s, not of %s", uri, (const char *)k->name, what);
    return -1;
}

int df_sigalg_check_uri(const df_signature_def *s, df_sigalg_role role, const char *uri, char *why, size_t n)
{
    if (!uri_syntax_ok(uri)) {
        snprintf(why, n, "'%s' is not an absolute URI (scheme:…, printable, no quotes, spaces or < > &)", uri);
        return -1;
    }
    int rsa = df_sigalg_is_rsa(s->algorithm);
    switch (role) {
    case DF_ROLE_NAMESPACE:
        if (!rsa || !strcmp(uri, (const char *)xmlSecDSigNs))
            return 0;
        snprintf(why, n, "an RSA signature is verified by libxmlsec1, whose XML-DSig namespace is '%s', not '%s'",
                 (const char *)xmlSecDSigNs, uri);
        return -1;
    case DF_ROLE_C14N:
        if (df_sigalg_c14n_of(uri) >= 0)
            return 0;
        snprintf(why, n, "'%s' is none of the canonicalizations drugflow writes: '%s', '%s' or '%s'", uri,
                 (const char *)c14n_klass(DF_C14N_10)->href, (const char *)c14n_klass(DF_C14N_11)->href,
                 (const char *)c14n_klass(DF_C14N_EXCL_10)->href);
        return -1;
    case DF_ROLE_ENVELOPED:
        return must_be(xmlSecTransformEnvelopedId, uri, "the enveloped-signature transform", why, n);
    case DF_ROLE_METHOD:
        return rsa ? must_be(rsa_klass(s->algorithm), uri, df_sig_alg_name(s->algorithm), why, n)
                   : not_xmlsec_s(uri, df_sig_alg_name(s->algorithm), why, n);
    case DF_ROLE_DIGEST:
        return digest_klass(s->digest) ? must_be(digest_klass(s->digest), uri, df_digest_alg_name(s->digest), why, n)
                                       : not_xmlsec_s(uri, df_digest_alg_name(s->digest), why, n);
    }
    snprintf(why, n, "unknown role");
    return -1;
}

void df_sigalg_default(df_signature_def *s)
{
    memset(s, 0, sizeof *s);
    s->algorithm = DF_SIG_RSA_SHA256;
    s->digest = DF_DIGEST_SHA256;
    s->c14n = DF_C14N_10;
    s->key_info = DF_KEYINFO_CERTIFICATE;
    snprintf(s->ns, sizeof s->ns, "%s", (const char *)xmlSecDSigNs);
    snprintf(s->c14n_uri, sizeof s->c14n_uri, "%s", (const char *)xmlSecTransformInclC14NId->href);
    snprintf(s->enveloped_uri, sizeof s->enveloped_uri, "%s", (const char *)xmlSecTransformEnvelopedId->href);
    snprintf(s->method_uri, sizeof s->method_uri, "%s", (const char *)xmlSecTransformRsaSha256Id->href);
    snprintf(s->digest_uri, sizeof s->digest_uri, "%s", (const char *)xmlSecTransformSha256Id->href);
}

/* ---- signing and verifying a SignedInfo ------------------------------- */

int df_sigalg_key_fits(const df_signature_def *s, struct evp_pkey_st *key)
{
    return df_sigalg_is_rsa(s->algorithm) ? EVP_PKEY_is_a(key, "RSA") : EVP_PKEY_is_a(key, "SM2");
}

/* One RSA or SM2 sign (sig, *siglen in: room, out: length) or verify
 * (sig, *siglen given) over data. 1 success, 0 failure. */
static int sign_or_verify(const df_signature_def *s, EVP_PKEY *key, int sign, const void *data, size_t len,
                          unsigned char *sig, size_t *siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL; /* the SM2 ID's context: ours to free, after md */
    const EVP_MD *h = df_sigalg_is_rsa(s->algorithm) ? df_sigalg_rsa_md(s->algorithm) : EVP_sm3();
    int ok = md != NULL;
    if (ok && !df_sigalg_is_rsa(s->algorithm)) {
        /* The ID enters SM2's pre-hash Z (GM/T 0009): the same on both sides, or nothing verifies. */
        pc = EVP_PKEY_CTX_new(key, NULL);
        ok = pc && EVP_PKEY_CTX_set1_id(pc, s->sm2_id, strlen(s->sm2_id)) > 0;
        if (ok)
            EVP_MD_CTX_set_pkey_ctx(md, pc);
    }
    if (ok && sign)
        ok = EVP_DigestSignInit(md, NULL, h, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, siglen, (const unsigned char *)data, len) == 1;
    else if (ok)
        ok = EVP_DigestVerifyInit(md, NULL, h, NULL, key) == 1 &&
             EVP_DigestVerify(md, sig, *siglen, (const unsigned char *)data, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pc);
    return ok;
}

/* SM2's DER SEQUENCE {r, s} to r||s (32 bytes each) and back. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char raw[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    int ok = es && p == der + len && BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) == 32 &&
             BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) == 32;
    ECDSA_SIG_free(es);
    return ok;
}

static int raw_to_der(const unsigned char raw[64], unsigned char *der, size_t *len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *sv = BN_bin2bn(raw + 32, 32, NULL);
    int ok = es && r && sv && ECDSA_SIG_set0(es, r, sv) == 1;
    if (!ok) {
        BN_free(r);
        BN_free(sv);
        ECDSA_SIG_free(es);
        return 0;
    }
    int n = i2d_ECDSA_SIG(es, NULL);
    unsigned char *o = der;
    ok = n > 0 && (size_t)n <= *len && i2d_ECDSA_SIG(es, &o) == n;
    *len = ok ? (size_t)n : 0;
    ECDSA_SIG_free(es);
    return ok;
}

int df_sigalg_sign(const df_signature_def *s, struct evp_pkey_st *key, const void *data, size_t len,
                   unsigned char *sig, size_t *siglen, char *why, size_t n)
{
    if (!df_sigalg_key_fits(s, key) || (size_t)EVP_PKEY_get_size(key) > *siglen) {
        snprintf(why, n, "the key does not fit the profile's %s signature", df_sig_alg_name(s->algorithm));
        return -1;
    }
    if (!sign_or_verify(s, key, 1, data, len, sig, siglen)) {
        unsigned long e = ERR_peek_last_error();
        char r[256] = "no detail from OpenSSL";
        if (e)
            ERR_error_string_n(e, r, sizeof r);
        ERR_clear_error();
        snprintf(why, n, "%s signing failed (%s)", df_sig_alg_name(s->algorithm), r);
        return -1;
    }
    if (s->algorithm == DF_SIG_SM2_SM3 && s->sm2_format == DF_SM2_RAW) {
        unsigned char raw[64];
        if (!der_to_raw(sig, *siglen, raw)) {
            snprintf(why, n, "SM2 signing gave an unreadable value");
            return -1;
        }
        memcpy(sig, raw, 64);
        *siglen = 64;
    }
    return 0;
}

int df_sigalg_verify(const df_signature_def *s, struct evp_pkey_st *pub, const void *data, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    if (!df_sigalg_key_fits(s, pub))
        return 0;
    unsigned char der[80];
    size_t dl = sizeof der;
    if (s->algorithm == DF_SIG_SM2_SM3 && s->sm2_format == DF_SM2_RAW) {
        if (siglen != 64 || !raw_to_der(sig, der, &dl))
            return 0;
        sig = der;
        siglen = dl;
    }
    int ok = sign_or_verify(s, pub, 0, data, len, (unsigned char *)sig, &siglen);
    ERR_clear_error();
    return ok;
}
