/* writer/signer.c — the two signers of data files (INTERFACE.md §5); see
 * signer.h. The key they sign with comes from writer/key.h.
 *
 * Streaming: the chunk writer hands over the profile's digest (SHA-256 in
 * gd-v1) of the chunk's canonical form (without the Signature). SignedInfo
 * is a text fixed by the profile's `signature:` section (namespace, the
 * four algorithm URIs) with that digest in it, so its canonical form is
 * known without a DOM; the three canonicalizations the profile may name
 * give the same bytes for it (one element tree in one default namespace,
 * no comments, no xml: attributes). It is
 * canonicalised as a document subset whose apex is SignedInfo: C14N 1.0
 * renders an element's namespace node unless the nearest output ancestor
 * already rendered the same one, and SignedInfo has no output ancestor, so
 * the default namespace it inherits from Signature is rendered on it. The
 * bytes signed are `<SignedInfo xmlns="NAMESPACE">…</SignedInfo>`; the
 * element written into the file has no xmlns of its own. (Checked: xmlsec
 * signs the same SignedInfo to the very same SignatureValue; without the
 * xmlns, xmlsec1 --verify fails.)
 *
 * KeyInfo holds the signer's certificate, or with key_info: chain also the
 * key file's other certificates (writer/key.h df_key_chain_cert).
 *
 * Reference: libxml2 DOM + libxmlsec1, for cross-checking (RSA only). */
#include "writer/signer.h"
#include "writer/sigalg.h"
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

struct df_signer {
    const df_key *key;
    const df_signature_def *sig;
    /* The fixed parts of a Signature, built once from the profile. */
    df_buf c14n_open;  /* <SignedInfo xmlns="NS">: how the signed bytes begin */
    df_buf sig_open;   /* <Signature xmlns="NS">\n<SignedInfo>: how the file's bytes begin */
    df_buf si_body;    /* the methods and the Reference, up to <DigestValue> */
    df_buf key_info;   /* </SignatureValue> … </Signature>, with the certificate(s) */
    df_key *owned;      /* the key, when df_signer_load loaded it */
};

static int put(df_buf *b, const char *s)
{
    return df_buf_append(b, s, strlen(s));
}

/* Base64 DER of a certificate into b. */
static int put_cert(df_buf *b, X509 *cert)
{
    unsigned char *der = NULL;
    int dl = i2d_X509(cert, &der);
    if (dl <= 0)
        return -1;
    size_t room = 4 * (((size_t)dl + 2) / 3) + 1;
    char *b64 = malloc(room);
    int rc = -1;
    if (b64) {
        int n = EVP_EncodeBlock((unsigned char *)b64, der, dl);
        rc = df_buf_append(b, b64, (size_t)n);
        free(b64);
    }
    OPENSSL_free(der);
    return rc;
}

/* The parts of the Signature that do not depend on the chunk. The URIs are
 * checked at profile load: nothing in them needs escaping in an attribute. */
static int build_parts(df_signer *s)
{
    const df_signature_def *d = s->sig;
    int bad = 0;
    bad |= put(&s->c14n_open, "<SignedInfo xmlns=\"") | put(&s->c14n_open, d->ns) | put(&s->c14n_open, "\">");
    bad |= put(&s->sig_open, "<Signature xmlns=\"") | put(&s->sig_open, d->ns) | put(&s->sig_open, "\">\n<SignedInfo>");
    const char *body[] = {"\n<CanonicalizationMethod Algorithm=\"", d->c14n_uri, "\"></CanonicalizationMethod>\n"
                          "<SignatureMethod Algorithm=\"", d->method_uri, "\"></SignatureMethod>\n"
                          "<Reference URI=\"\">\n<Transforms>\n<Transform Algorithm=\"", d->enveloped_uri,
                          "\"></Transform>\n</Transforms>\n<DigestMethod Algorithm=\"", d->digest_uri,
                          "\"></DigestMethod>\n<DigestValue>"};
    for (size_t i = 0; i < sizeof body / sizeof *body; i++)
        bad |= put(&s->si_body, body[i]);
    bad |= put(&s->key_info, "</SignatureValue>\n<KeyInfo>\n<X509Data>\n<X509Certificate>");
    bad |= put_cert(&s->key_info, df_key_cert(s->key));
    bad |= put(&s->key_info, "</X509Certificate>\n");
    for (int i = 0; d->key_info == DF_KEYINFO_CHAIN && i < df_key_chain_count(s->key); i++) {
        bad |= put(&s->key_info, "<X509Certificate>");
        bad |= put_cert(&s->key_info, df_key_chain_cert(s->key, i));
        bad |= put(&s->key_info, "</X509Certificate>\n");
    }
    bad |= put(&s->key_info, "</X509Data>\n</KeyInfo>\n</Signature>");
    return bad ? -1 : 0;
}

int df_signer_key_kind(const df_signature_def *sig)
{
    return df_sigalg_is_rsa(sig->algorithm) ? DF_KEY_RSA : DF_KEY_SM2;
}


void df_signer_free(df_signer *s)
{
    if (!s)
        return;
    df_buf_free(&s->c14n_open);
    df_buf_free(&s->sig_open);
    df_buf_free(&s->si_body);
    df_buf_free(&s->key_info);
    df_key_free(s->owned);
    free(s);
}

int df_signer_new(df_signer **out, const df_key *key, const df_signature_def *sig, df_error *err)
{
    *out = NULL;
    if (!df_sigalg_key_fits(sig, df_key_pkey(key)))
        return df_errorf(err, "the key of %s does not fit the profile's signature algorithm %s",
                         df_key_subject_cn(key), df_sig_alg_name(sig->algorithm));
    df_signer *s = calloc(1, sizeof *s);
    if (!s)
        return df_errorf(err, "out of memory");
    s->key = key;
    s->sig = sig;
    if (build_parts(s) != 0) {
        df_signer_free(s);
        return df_errorf(err, "signing: out of memory");
    }
    *out = s;
    return 0;
}

int df_signer_load(df_signer **out, const df_key_options *o, const df_signature_def *sig, df_error *err)
{
    df_key *k;
    *out = NULL;
    df_key_options ko = *o;
    ko.kind = df_signer_key_kind(sig);
    if (df_key_load(&k, &ko, err) != 0)
        return -1;
    if (df_signer_new(out, k, sig, err) != 0) {
        df_key_free(k);
        return -1;
    }
    (*out)->owned = k;
    return 0;
}

const df_key *df_signer_key(const df_signer *s)
{
    return s->key;
}

/* ---- streaming signer ------------------------------------------------ */

static const char SI_TAIL[] = "</DigestValue>\n</Reference>\n</SignedInfo>";

int df_signer_sign_digest(void *ctx, const unsigned char *digest, size_t len, df_buf *out, df_error *err)
{
    const df_signer *s = ctx;
    if (len != df_digest_alg_size(s->sig->digest))
        return df_errorf(err, "signing: a %zu-byte digest, not the %zu of %s", len,
                         df_digest_alg_size(s->sig->digest), df_digest_alg_name(s->sig->digest));
    char dv[4 * (DF_DIGEST_MAX / 3 + 1) + 1];
    int dvl = EVP_EncodeBlock((unsigned char *)dv, digest, (int)len);

    /* The canonical SignedInfo, as signed. */
    df_buf si = {0};
    if (df_buf_append(&si, s->c14n_open.data, s->c14n_open.len) || df_buf_append(&si, s->si_body.data, s->si_body.len) ||
        df_buf_append(&si, dv, (size_t)dvl) || df_buf_append(&si, SI_TAIL, sizeof SI_TAIL - 1)) {
        df_buf_free(&si);
        return df_errorf(err, "signing: out of memory");
    }
    unsigned char sig[DF_SIGVALUE_MAX];
    size_t sigl = sizeof sig;
    char why[400];
    int rc = df_sigalg_sign(s->sig, df_key_pkey(s->key), si.data, si.len, sig, &sigl, why, sizeof why);
    df_buf_free(&si);
    if (rc != 0)
        return df_errorf(err, "%s", why);
    char sv[4 * (sizeof sig / 3 + 1) + 1];
    int svl = EVP_EncodeBlock((unsigned char *)sv, sig, (int)sigl);

    static const char sv_open[] = "\n<SignatureValue>";
    if (df_buf_append(out, s->sig_open.data, s->sig_open.len) != 0 ||
        df_buf_append(out, s->si_body.data, s->si_body.len) != 0 || df_buf_append(out, dv, (size_t)dvl) != 0 ||
        df_buf_append(out, SI_TAIL, sizeof SI_TAIL - 1) != 0 || df_buf_append(out, sv_open, sizeof sv_open - 1) != 0 ||
        df_buf_append(out, sv, (size_t)svl) != 0 || df_buf_append(out, s->key_info.data, s->key_info.len) != 0)
        return df_errorf(err, "signing: out of memory");
    return 0;
}

/* ---- reference signer (libxmlsec1) ----------------------------------- */

static const char *xmlsec_reason(void)
{
    return df_xmlsec_error()[0] ? df_xmlsec_error() : "no detail from xmlsec";
}

/* An xmlsec key holding our key pair and certificate (and, for key_info
 * chain, the further certificates, which xmlsec then writes into X509Data). */
static xmlSecKeyPtr make_xmlsec_key(const df_key *k, int chain)
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
    for (int i = 0; chain && i < df_key_chain_count(k); i++) {
        X509 *c = X509_dup(df_key_chain_cert(k, i));
        if (!c || xmlSecOpenSSLKeyDataX509AdoptCert(xd, c) < 0) {
            X509_free(c);
            goto fail;
        }
    }
    return key;
fail:
    xmlSecKeyDestroy(key);
    return NULL;
}

/* Base64 text of a node (whitespace allowed) into exactly len bytes. */
static int decode_digest(const xmlChar *text, unsigned char *out, size_t len)
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
    size_t pad = (3 - len % 3) % 3;
    if (n != 4 * ((len + 2) / 3) || (pad && clean[n - 1] != '=') || (pad == 2 && clean[n - 2] != '=') ||
        clean[n - pad - 1] == '=')
        return -1;
    unsigned char tmp[DF_DIGEST_MAX + 3];
    if (EVP_DecodeBlock(tmp, (const unsigned char *)clean, (int)n) != (int)(len + pad))
        return -1;
    memcpy(out, tmp, len);
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
                                  unsigned char *digest, df_error *err)
{
    const df_signer *s = ctx;
    if (!df_sigalg_is_rsa(s->sig->algorithm))
        return df_errorf(err, "the reference signer is libxmlsec1, which has no %s: sign with --sign streaming "
                         "(drugflow verify checks it)", df_sig_alg_name(s->sig->algorithm));
    if (df_key_engine_uri(s->key))
        return df_errorf(err, "the reference signer (libxmlsec1) cannot sign with a key on a token (%s): "
                         "use the streaming signer (--sign streaming, the default)", df_key_engine_uri(s->key));
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
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, df_sigalg_xmlsec(s->sig, DF_ROLE_C14N),
                                               df_sigalg_xmlsec(s->sig, DF_ROLE_METHOD), NULL);
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
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, df_sigalg_xmlsec(s->sig, DF_ROLE_DIGEST), NULL,
                                                     BAD_CAST "", NULL);
    xmlNodePtr ki = ref ? xmlSecTmplSignatureEnsureKeyInfo(sig, NULL) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, df_sigalg_xmlsec(s->sig, DF_ROLE_ENVELOPED)) || !ki ||
        !xmlSecTmplKeyInfoAddX509Data(ki)) {
        df_errorf(err, "%s: cannot fill the signature template (%s)", in_path, xmlsec_reason());
        goto out;
    }
    dsig = xmlSecDSigCtxCreate(NULL);
    if (!dsig || !(dsig->signKey = make_xmlsec_key(s->key, s->sig->key_info == DF_KEYINFO_CHAIN))) {
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
        int bad = !t || decode_digest(t, digest, df_digest_alg_size(s->sig->digest)) != 0;
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

