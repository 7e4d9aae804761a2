/* writer/signer.c — the two signers of data files (INTERFACE.md §5); see
 * signer.h. The key they sign with comes from writer/key.h.
 *
 * Streaming: the chunk writer hands over the SHA-256 of the chunk's
 * canonical form (without the Signature). SignedInfo is a fixed text with
 * that digest in it, so its canonical form is known without a DOM. It is
 * canonicalised as a document subset whose apex is SignedInfo: C14N 1.0
 * renders an element's namespace node unless the nearest output ancestor
 * already rendered the same one, and SignedInfo has no output ancestor, so
 * the default namespace it inherits from Signature is rendered on it. The
 * bytes signed are `<SignedInfo xmlns="…xmldsig#">…</SignedInfo>`; the
 * element written into the file has no xmlns of its own. (Checked: xmlsec
 * signs the same SignedInfo to the very same SignatureValue; without the
 * xmlns, xmlsec1 --verify fails.)
 *
 * Reference: libxml2 DOM + libxmlsec1, for cross-checking. */
#include "writer/signer.h"
#include "writer/verify.h"
#include "base/atomic_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"

struct df_signer {
    const df_key *key;
    df_key *owned;      /* the key, when df_signer_load loaded it */
};

int df_signer_new(df_signer **out, const df_key *key, df_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return df_errorf(err, "out of memory");
    (*out)->key = key;
    return 0;
}

int df_signer_load(df_signer **out, const df_key_options *o, df_error *err)
{
    df_key *k;
    *out = NULL;
    if (df_key_load(&k, o, err) != 0)
        return -1;
    if (df_signer_new(out, k, err) != 0) {
        df_key_free(k);
        return -1;
    }
    (*out)->owned = k;
    return 0;
}

void df_signer_free(df_signer *s)
{
    if (s)
        df_key_free(s->owned);
    free(s);
}

const df_key *df_signer_key(const df_signer *s)
{
    return s->key;
}

/* ---- streaming signer ------------------------------------------------ */

#define SI_BODY_1                                                                                  \
    "\n<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\">"     \
    "</CanonicalizationMethod>\n"                                                                  \
    "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\">"            \
    "</SignatureMethod>\n"                                                                         \
    "<Reference URI=\"\">\n"                                                                       \
    "<Transforms>\n"                                                                               \
    "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></Transform>\n" \
    "</Transforms>\n"                                                                              \
    "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod>\n"        \
    "<DigestValue>"
#define SI_BODY_2 "</DigestValue>\n</Reference>\n</SignedInfo>"

int df_signer_sign_digest(void *ctx, const unsigned char digest[32], df_buf *out, df_error *err)
{
    const df_signer *s = ctx;
    EVP_PKEY *pkey = df_key_pkey(s->key);
    size_t cert_b64_len;
    const char *cert_b64 = df_key_cert_b64(s->key, &cert_b64_len);
    static const char si_open_c14n[] = "<SignedInfo xmlns=\"" DSIG_NS "\">";
    static const char si_open_doc[] = "<SignedInfo>";
    char dv[48];
    int dvl = EVP_EncodeBlock((unsigned char *)dv, digest, 32);

    /* The canonical SignedInfo, as signed. */
    char si[sizeof si_open_c14n + sizeof SI_BODY_1 + sizeof SI_BODY_2 + sizeof dv];
    size_t sil = 0;
#define SI_PUT(p, n)                                                                               \
    do {                                                                                           \
        memcpy(si + sil, (p), (n));                                                                \
        sil += (n);                                                                                \
    } while (0)
    SI_PUT(si_open_c14n, sizeof si_open_c14n - 1);
    SI_PUT(SI_BODY_1, sizeof SI_BODY_1 - 1);
    SI_PUT(dv, (size_t)dvl);
    SI_PUT(SI_BODY_2, sizeof SI_BODY_2 - 1);
#undef SI_PUT

    unsigned char sig[1024];
    size_t sigl = sizeof sig;
    char why[256];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return df_errorf(err, "signing: out of memory");
    if ((size_t)EVP_PKEY_get_size(pkey) > sizeof sig ||
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(md, sig, &sigl, (const unsigned char *)si, sil) != 1) {
        EVP_MD_CTX_free(md);
        return df_errorf(err, "RSA-SHA256 signing failed (%s)", df_openssl_reason(why, sizeof why));
    }
    EVP_MD_CTX_free(md);
    char sv[4 * (sizeof sig / 3 + 1) + 1];
    int svl = EVP_EncodeBlock((unsigned char *)sv, sig, (int)sigl);

    static const char sig_open[] = "<Signature xmlns=\"" DSIG_NS "\">\n";
    static const char sv_open[] = "\n<SignatureValue>";
    static const char ki[] = "</SignatureValue>\n<KeyInfo>\n<X509Data>\n<X509Certificate>";
    static const char tail[] = "</X509Certificate>\n</X509Data>\n</KeyInfo>\n</Signature>";
    if (df_buf_append(out, sig_open, sizeof sig_open - 1) != 0 ||
        df_buf_append(out, si_open_doc, sizeof si_open_doc - 1) != 0 ||
        df_buf_append(out, si + sizeof si_open_c14n - 1, sil - (sizeof si_open_c14n - 1)) != 0 ||
        df_buf_append(out, sv_open, sizeof sv_open - 1) != 0 ||
        df_buf_append(out, sv, (size_t)svl) != 0 || df_buf_append(out, ki, sizeof ki - 1) != 0 ||
        df_buf_append(out, cert_b64, cert_b64_len) != 0 ||
        df_buf_append(out, tail, sizeof tail - 1) != 0)
        return df_errorf(err, "signing: out of memory");
    return 0;
}

/* ---- reference signer (libxmlsec1) ----------------------------------- */

static const char *xmlsec_reason(void)
{
    return df_xmlsec_error()[0] ? df_xmlsec_error() : "no detail from xmlsec";
}

/* An xmlsec key holding our key pair and certificate. */
static xmlSecKeyPtr make_xmlsec_key(const df_key *k)
{
    EVP_PKEY *pkey = df_key_pkey(k);
    X509 *cert = df_key_cert(k);
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key)
        return NULL;
    if (!EVP_PKEY_up_ref(pkey))
        goto fail;
    xmlSecKeyDataPtr kd = xmlSecOpenSSLEvpKeyAdopt(pkey);
    if (!kd) {
        EVP_PKEY_free(pkey);
        goto fail;
    }
    if (xmlSecKeySetValue(key, kd) < 0) {
        xmlSecKeyDataDestroy(kd);
        goto fail;
    }
    xmlSecKeyDataPtr xd = xmlSecKeyEnsureData(key, xmlSecOpenSSLKeyDataX509Id);
    if (!xd)
        goto fail;
    X509 *c1 = X509_dup(cert);
    if (!c1 || xmlSecOpenSSLKeyDataX509AdoptKeyCert(xd, c1) < 0) {
        X509_free(c1);
        goto fail;
    }
    X509 *c2 = X509_dup(cert);
    if (!c2 || xmlSecOpenSSLKeyDataX509AdoptCert(xd, c2) < 0) {
        X509_free(c2);
        goto fail;
    }
    return key;
fail:
    xmlSecKeyDestroy(key);
    return NULL;
}

/* Base64 text of a node (whitespace allowed) into exactly 32 bytes. */
static int decode_digest(const xmlChar *text, unsigned char out[32])
{
    char clean[128];
    size_t n = 0;
    for (const xmlChar *p = text; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        if (n + 1 >= sizeof clean)
            return -1;
        clean[n++] = (char)*p;
    }
    if (n != 44 || clean[43] != '=' || clean[42] == '=')
        return -1;
    unsigned char tmp[33];
    if (EVP_DecodeBlock(tmp, (const unsigned char *)clean, (int)n) != 33)
        return -1;
    memcpy(out, tmp, 32);
    return 0;
}

static int save_cb(void *ctx, const char *buf, int len)
{
    df_atomic_file *af = ctx;
    return df_atomic_write(af, buf, (size_t)len, NULL) == 0 ? len : -1;
}

static int close_cb(void *ctx)
{
    (void)ctx;
    return 0;
}

int df_signer_reference_sign_file(void *ctx, const char *in_path, const char *out_path,
                                  unsigned char digest[32], df_error *err)
{
    const df_signer *s = ctx;
    if (df_xmlsec_init(err) != 0)
        return -1;
    df_xmlsec_clear_error();
    int rc = -1;
    xmlSecDSigCtxPtr dsig = NULL;
    xmlDocPtr doc = xmlReadFile(in_path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                                                   XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *xe = xmlGetLastError();
        return df_errorf(err, "%s: cannot parse the unsigned data file%s%s", in_path,
                         xe && xe->message ? ": " : "", xe && xe->message ? xe->message : "");
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        df_errorf(err, "%s: a data file must not carry a DTD", in_path);
        goto out;
    }
    if (!root) {
        df_errorf(err, "%s: no root element", in_path);
        goto out;
    }
    if (xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs)) {
        df_errorf(err, "%s is signed already", in_path);
        goto out;
    }
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformInclC14NId,
                                               xmlSecTransformRsaSha256Id, NULL);
    if (!sig) {
        df_errorf(err, "%s: cannot create the signature template (%s)", in_path, xmlsec_reason());
        goto out;
    }
    /* Last child of the root, after the newline that follows the trailer —
     * where the streaming writer puts it. */
    if (!xmlAddChild(root, sig)) {
        xmlFreeNode(sig);
        df_errorf(err, "%s: cannot add the signature template", in_path);
        goto out;
    }
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
                                                     BAD_CAST "", NULL);
    xmlNodePtr ki = ref ? xmlSecTmplSignatureEnsureKeyInfo(sig, NULL) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) || !ki ||
        !xmlSecTmplKeyInfoAddX509Data(ki)) {
        df_errorf(err, "%s: cannot fill the signature template (%s)", in_path, xmlsec_reason());
        goto out;
    }
    dsig = xmlSecDSigCtxCreate(NULL);
    if (!dsig || !(dsig->signKey = make_xmlsec_key(s->key))) {
        df_errorf(err, "%s: cannot prepare the key for xmlsec (%s)", in_path, xmlsec_reason());
        goto out;
    }
    if (xmlSecDSigCtxSign(dsig, sig) < 0) {
        df_errorf(err, "%s: xmlsec signing failed (%s)", in_path, xmlsec_reason());
        goto out;
    }
    if (digest) {
        xmlNodePtr dvn = xmlSecFindNode(ref, xmlSecNodeDigestValue, xmlSecDSigNs);
        xmlChar *t = dvn ? xmlNodeGetContent(dvn) : NULL;
        int bad = !t || decode_digest(t, digest) != 0;
        xmlFree(t);
        if (bad) {
            df_errorf(err, "%s: no readable DigestValue after signing", in_path);
            goto out;
        }
    }
    df_atomic_file af;
    if (df_atomic_open(&af, out_path, err) != 0)
        goto out;
    xmlSaveCtxtPtr sv = xmlSaveToIO(save_cb, close_cb, &af, "UTF-8", 0);
    int bad = !sv;
    if (sv) {
        bad |= xmlSaveDoc(sv, doc) < 0;
        bad |= xmlSaveClose(sv) < 0;
    }
    if (bad) {
        df_atomic_abort(&af);
        df_errorf(err, "cannot write %s (disk full?)", out_path);
        goto out;
    }
    if (df_atomic_commit(&af, err) != 0)
        goto out;
    rc = 0;
out:
    if (dsig)
        xmlSecDSigCtxDestroy(dsig);
    xmlFreeDoc(doc);
    return rc;
}

