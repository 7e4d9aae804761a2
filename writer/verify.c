/* writer/verify.c — XML-DSig verification of data files: the profile's
 * shape first (sig_policy.h), then libxmlsec1 (OpenSSL back end, DOM) for
 * RSA or OpenSSL directly for SM2 (verify_direct.h); see verify.h for what
 * "valid" means. */
#include "writer/verify.h"
#include "writer/sig_policy.h"
#include "writer/sigalg.h"
#include "writer/verify_direct.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static char init_msg[256];

/* The first xmlsec error of the current verification, for the reason. */
static _Thread_local char xmlsec_first_error[256];

static void xmlsec_error_cb(const char *file, int line, const char *func, const char *errorObject,
                            const char *errorSubject, int reason, const char *msg)
{
    (void)file, (void)line, (void)func, (void)errorObject;
    if (xmlsec_first_error[0])
        return;
    const char *rs = "error";
    for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i) != NULL; i++) {
        if (xmlSecErrorsGetCode(i) == reason) {
            rs = xmlSecErrorsGetMsg(i);
            break;
        }
    }
    snprintf(xmlsec_first_error, sizeof xmlsec_first_error, "%s%s%s%s%s%s", rs, errorSubject ? " (" : "",
             errorSubject ? errorSubject : "", errorSubject ? ")" : "", msg && msg[0] ? ": " : "",
             msg && msg[0] ? msg : "");
}

static void do_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0) {
        snprintf(init_msg, sizeof init_msg, "xmlsec initialisation failed");
        init_rc = -1;
        return;
    }
    if (xmlSecCheckVersion() != 1) {
        snprintf(init_msg, sizeof init_msg, "loaded xmlsec library version is not compatible");
        init_rc = -1;
        return;
    }
    if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
        snprintf(init_msg, sizeof init_msg, "xmlsec crypto (OpenSSL) initialisation failed");
        init_rc = -1;
        return;
    }
    xmlSecErrorsSetCallback(xmlsec_error_cb);
    init_rc = 0;
}

int df_xmlsec_init(df_error *err)
{
    pthread_once(&init_once, do_init);
    if (init_rc != 0)
        return df_errorf(err, "%s", init_msg);
    return 0;
}

const char *df_xmlsec_error(void) { return xmlsec_first_error; }
void df_xmlsec_clear_error(void) { xmlsec_first_error[0] = 0; }

static void quiet_serror(void *ctx, xmlErrorPtr e)
{
    (void)ctx, (void)e;
}

static int invalid(df_verify_result *out, const char *fmt, const char *arg)
{
    out->valid = 0;
    snprintf(out->reason, sizeof out->reason, fmt, arg ? arg : "");
    return 0;
}

/* Fills the signer fields from the certificate. */
static void describe_signer(X509 *cert, df_verify_result *out)
{
    X509_NAME *name = X509_get_subject_name(cert);
    if (!name)
        return;
    int n = X509_NAME_get_text_by_NID(name, NID_commonName, out->signer_cn, (int)sizeof out->signer_cn);
    if (n < 0)
        out->signer_cn[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        int l = BIO_read(b, out->signer_subject, (int)sizeof out->signer_subject - 1);
        out->signer_subject[l > 0 ? l : 0] = '\0';
    }
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (PEM_write_bio_X509(b, cert) == 1 && BIO_pending(b) < (int)sizeof out->signer_pem) {
        int l = BIO_read(b, out->signer_pem, (int)sizeof out->signer_pem - 1);
        out->signer_pem[l > 0 ? l : 0] = '\0';
    }
    BIO_free(b);
}

/* The root's only Signature child (in the profile's namespace), which must
 * be its last element child; NULL (reason set) otherwise. */
static xmlNodePtr find_signature(xmlNodePtr root, const df_signature_def *s, df_verify_result *out)
{
    xmlNodePtr sig = NULL, last = NULL;
    int count = 0;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        last = c;
        if (xmlSecCheckNodeName(c, xmlSecNodeSignature, (const xmlChar *)s->ns)) {
            sig = c;
            count++;
        }
    }
    if (count == 0) {
        invalid(out, "no Signature element (namespace %s) under the root element", s->ns);
        return NULL;
    }
    if (count > 1) {
        invalid(out, "more than one Signature element under the root element%s", NULL);
        return NULL;
    }
    if (sig != last) {
        invalid(out, "Signature is not the root element's last child%s", NULL);
        return NULL;
    }
    return sig;
}

/* Every certificate of the PEM file as trusted (xmlsec's own loader takes
 * the first one only). */
static int load_trusted(xmlSecKeysMngrPtr mngr, const char *ca, df_error *err)
{
    BIO *b = BIO_new_file(ca, "r");
    if (!b)
        return df_errorf(err, "%s: cannot read the trusted CA certificate", ca);
    int n = 0, rc = 0;
    X509 *x;
    while (rc == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        unsigned char *der = NULL;
        int dl = i2d_X509(x, &der);
        if (dl <= 0 || xmlSecCryptoAppKeysMngrCertLoadMemory(mngr, der, (xmlSecSize)dl, xmlSecKeyDataFormatDer,
                                                             xmlSecKeyDataTypeTrusted) < 0)
            rc = df_errorf(err, "%s: cannot load certificate %d as trusted%s%s", ca, n + 1,
                           xmlsec_first_error[0] ? ": " : "", xmlsec_first_error);
        OPENSSL_free(der);
        X509_free(x);
        n++;
    }
    BIO_free(b);
    ERR_clear_error();
    if (rc == 0 && n == 0)
        rc = df_errorf(err, "%s: no PEM certificate in the trusted CA file", ca);
    return rc;
}

/* libxmlsec1 (RSA), with only the profile's transforms enabled: the shape
 * was checked already, this is the second lock. signer is KeyInfo's
 * end-entity certificate, which must be the key xmlsec verified with. */
static int verify_xmlsec(xmlNodePtr sig, const char *ca, const df_signature_def *s, X509 *signer,
                         df_verify_result *out, df_error *err)
{
    int rc = -1;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
    if (!mngr || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
        df_errorf(err, "xmlsec: cannot create a keys manager");
        goto done;
    }
    if (load_trusted(mngr, ca, err) != 0)
        goto done;
    ctx = xmlSecDSigCtxCreate(mngr);
    if (!ctx) {
        df_errorf(err, "xmlsec: cannot create a signature context");
        goto done;
    }
    /* Only same-document references; the key only from an X.509 certificate
     * that chains to the trusted CA; only the profile's algorithms. */
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    if (xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData, (void *)xmlSecKeyDataX509Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, df_sigalg_xmlsec(s, DF_ROLE_C14N)) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, df_sigalg_xmlsec(s, DF_ROLE_METHOD)) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, df_sigalg_xmlsec(s, DF_ROLE_ENVELOPED)) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, df_sigalg_xmlsec(s, DF_ROLE_DIGEST)) < 0) {
        df_errorf(err, "xmlsec: cannot restrict the signature's key data and transforms");
        goto done;
    }
    xmlsec_first_error[0] = '\0';
    rc = 0;
    if (xmlSecDSigCtxVerify(ctx, sig) < 0) {
        invalid(out, "signature could not be verified: %s",
                xmlsec_first_error[0] ? xmlsec_first_error : "xmlsec failure");
        goto done;
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        invalid(out, "signature value or digest does not match the content (the file was changed after signing)%s",
                NULL);
        goto done;
    }
    xmlSecKeyDataPtr x = ctx->signKey ? xmlSecKeyGetData(ctx->signKey, xmlSecOpenSSLKeyDataX509Id) : NULL;
    X509 *cert = x ? xmlSecOpenSSLKeyDataX509GetKeyCert(x) : NULL;
    if (!cert || X509_cmp(cert, signer) != 0) {
        invalid(out, "the key that verified is not the signer's certificate of KeyInfo (its end-entity one)%s", NULL);
        goto done;
    }
    out->valid = 1;
done:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    if (mngr)
        xmlSecKeysMngrDestroy(mngr);
    return rc;
}

/* The certificates of KeyInfo, decoded; 0, or -1 with the reason set. */
static int read_certs(const df_sig_shape *shape, X509 **certs, df_verify_result *out)
{
    for (int i = 0; i < shape->ncerts; i++) {
        xmlChar *t = xmlNodeGetContent(shape->certs[i]);
        unsigned char *der = NULL;
        size_t dl = 0;
        int ok = t && df_sig_b64_decode((const char *)t, &der, &dl) == 0;
        const unsigned char *p = der;
        certs[i] = ok ? d2i_X509(NULL, &p, (long)dl) : NULL;
        ok = certs[i] && p == der + dl;
        xmlFree(t);
        free(der);
        ERR_clear_error();
        if (!ok) {
            invalid(out, "X509Certificate %s of KeyInfo is not a DER certificate",
                    i == 0 ? "1" : i == 1 ? "2" : "3 or later");
            return -1;
        }
    }
    return 0;
}

/* The signer among KeyInfo's certificates: the only one, or the only one
 * that is no CA certificate; -1 if that is not one certificate. */
static int signer_index(X509 **certs, int n)
{
    if (n == 1)
        return 0;
    int found = -1;
    for (int i = 0; i < n; i++) {
        if (X509_get_extension_flags(certs[i]) & EXFLAG_CA)
            continue;
        if (found >= 0)
            return -1;
        found = i;
    }
    return found;
}

static int verify_doc(xmlDocPtr doc, const char *ca, const df_signature_def *s, df_verify_result *out,
                      df_error *err)
{
    if (doc->intSubset || doc->extSubset) {
        out->malformed = 1;
        return invalid(out, "a DOCTYPE declaration is not allowed%s", NULL);
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return invalid(out, "no root element%s", NULL);
    xmlNodePtr sig = find_signature(root, s, out);
    if (!sig)
        return 0;
    /* The shape first: nothing of the signature runs before it passed. */
    df_sig_shape shape;
    char why[sizeof out->reason];
    if (df_sig_policy_check(s, sig, &shape, why, sizeof why) != 0)
        return invalid(out, "%s", why);
    /* Checked here: xmlsec's own failure path for an unreadable file leaks. */
    if (access(ca, R_OK) != 0)
        return df_error_errno(err, "%s: cannot read the trusted CA certificate", ca);
    X509 *certs[DF_MAX_KEYINFO_CERTS] = {0};
    int rc = 0;
    if (read_certs(&shape, certs, out) != 0)
        goto out;
    int si = signer_index(certs, shape.ncerts);
    if (si < 0) {
        invalid(out, "KeyInfo must hold one end-entity certificate, the signer's, and otherwise only CA "
                "certificates of its chain%s", NULL);
        goto out;
    }
    if (si > 0) { /* the signer's first, for the direct verifier */
        X509 *t = certs[0];
        certs[0] = certs[si];
        certs[si] = t;
    }
    describe_signer(certs[0], out);
    if (df_sig_policy_check_signer(certs[0], why, sizeof why) != 0) {
        invalid(out, "%s", why);
        goto out;
    }
    rc = df_sigalg_is_rsa(s->algorithm) ? verify_xmlsec(sig, ca, s, certs[0], out, err)
                                        : df_verify_direct(doc, sig, &shape, certs, ca, s, out, err);
    if (rc == 0 && out->valid && !out->signer_cn[0]) {
        out->valid = 0;
        snprintf(out->reason, sizeof out->reason, "the signer's certificate has no subject CN");
    }
    if (rc == 0 && out->valid)
        out->reason[0] = '\0';
out:
    for (int i = 0; i < shape.ncerts; i++)
        X509_free(certs[i]);
    return rc;
}

/* SAX internalSubset: a DOCTYPE stops the parse before any declaration in
 * it is read, so no entity is declared, expanded or fetched. */
static char doctype_seen;
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    (void)name, (void)eid, (void)sid;
    xmlParserCtxtPtr pc = ctx;
    pc->_private = &doctype_seen;
    xmlStopParser(pc);
}

static int verify_common(const void *buf, size_t len, const char *path, const char *ca, const df_signature_def *s,
                         df_verify_result *out, df_error *err)
{
    memset(out, 0, sizeof *out);
    if (df_xmlsec_init(err) != 0)
        return -1;
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc)
        return df_errorf(err, "out of memory creating an XML parser");
    pc->sax->serror = quiet_serror;
    pc->sax->error = NULL;
    pc->sax->warning = NULL;
    pc->vctxt.error = NULL;
    pc->vctxt.warning = NULL;
    pc->sax->internalSubset = refuse_doctype;
    pc->_private = NULL;
    xmlDocPtr doc;
    if (path)
        doc = xmlCtxtReadFile(pc, path, NULL, XML_PARSE_NONET);
    else
        doc = xmlCtxtReadMemory(pc, buf, (int)len, "memory.xml", NULL, XML_PARSE_NONET);
    if (pc->_private == &doctype_seen) {
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(pc);
        return invalid(out, "a DOCTYPE declaration is not allowed%s", NULL);
    }
    if (!doc || !pc->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(pc);
        char msg[400];
        snprintf(msg, sizeof msg, "line %d: %s", e ? e->line : 0, e && e->message ? e->message : "cannot read");
        size_t l = strlen(msg);
        while (l && (msg[l - 1] == '\n'))
            msg[--l] = '\0';
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(pc);
        out->malformed = 1;
        return invalid(out, "not well-formed XML: %s", msg);
    }
    xmlFreeParserCtxt(pc);
    int rc = verify_doc(doc, ca, s, out, err);
    xmlFreeDoc(doc);
    return rc;
}

int df_verify_file_sig(const char *path, const char *trusted_ca_pem, const df_signature_def *sig,
                       df_verify_result *out, df_error *err)
{
    int rc = verify_common(NULL, 0, path, trusted_ca_pem, sig, out, err);
    if (rc != 0)
        df_error_prefix(err, "%s", path);
    return rc;
}

int df_verify_memory_sig(const void *buf, size_t len, const char *trusted_ca_pem, const df_signature_def *sig,
                         df_verify_result *out, df_error *err)
{
    if (len > 0x7fffffff) {
        memset(out, 0, sizeof *out);
        return invalid(out, "document larger than 2 GiB%s", NULL);
    }
    return verify_common(buf, len, NULL, trusted_ca_pem, sig, out, err);
}

int df_verify_file(const char *path, const char *trusted_ca_pem, df_verify_result *out, df_error *err)
{
    df_signature_def d;
    df_sigalg_default(&d);
    return df_verify_file_sig(path, trusted_ca_pem, &d, out, err);
}

int df_verify_memory(const void *buf, size_t len, const char *trusted_ca_pem, df_verify_result *out,
                     df_error *err)
{
    df_signature_def d;
    df_sigalg_default(&d);
    return df_verify_memory_sig(buf, len, trusted_ca_pem, &d, out, err);
}
