/* writer/verify_direct.c — SM2-with-SM3 (and any algorithm libxmlsec1 does
 * not know) verified with OpenSSL over libxml2's C14N; see verify_direct.h. */
#include "writer/verify_direct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "writer/chunk.h"
#include "writer/sigalg.h"

static void set_invalid(df_verify_result *out, const char *fmt, const char *arg)
{
    out->valid = 0;
    snprintf(out->reason, sizeof out->reason, fmt, arg ? arg : "");
}

/* 1 if n is apex or below it. */
static int below(xmlNodePtr n, xmlNodePtr apex)
{
    for (; n; n = n->parent)
        if (n == apex)
            return 1;
    return 0;
}

/* libxml2 asks about namespace nodes with the element they are on. */
static xmlNodePtr subject(xmlNodePtr node, xmlNodePtr parent)
{
    return node->type == XML_NAMESPACE_DECL ? parent : node;
}

static int in_signed_info(void *apex, xmlNodePtr node, xmlNodePtr parent)
{
    return below(subject(node, parent), apex);
}

static int outside_signature(void *sig, xmlNodePtr node, xmlNodePtr parent)
{
    return !below(subject(node, parent), sig);
}

/* Canonical bytes go to a digest, or to a buffer. */
typedef struct sink {
    EVP_MD_CTX *md;
    df_buf *buf;
    int failed;
} sink;

static int sink_write(void *ctx, const char *b, int len)
{
    sink *k = ctx;
    if (k->md ? EVP_DigestUpdate(k->md, b, (size_t)len) != 1 : df_buf_append(k->buf, b, (size_t)len) != 0)
        k->failed = 1;
    return k->failed ? -1 : len;
}

static int sink_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static int c14n(xmlDocPtr doc, xmlC14NIsVisibleCallback visible, void *arg, const df_signature_def *s, sink *k)
{
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(sink_write, sink_close, k, NULL);
    if (!ob)
        return -1;
    int n = xmlC14NExecute(doc, visible, arg, df_sigalg_c14n_mode(s->c14n), NULL, 0, ob);
    int closed = xmlOutputBufferClose(ob);
    return n < 0 || closed < 0 || k->failed ? -1 : 0;
}

/* The signer's certificate chains to the trusted CA, now. */
static int check_chain(X509 **certs, int n, const char *ca, df_verify_result *out, df_error *err)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    int rc = -1;
    if (!store || !ctx || !untrusted) {
        df_errorf(err, "out of memory");
        goto out;
    }
    if (X509_STORE_load_file(store, ca) != 1) {
        df_errorf(err, "%s: cannot load the trusted CA certificate (PEM expected)", ca);
        goto out;
    }
    for (int i = 1; i < n; i++)
        if (!sk_X509_push(untrusted, certs[i])) {
            df_errorf(err, "out of memory");
            goto out;
        }
    rc = 0;
    if (X509_STORE_CTX_init(ctx, store, certs[0], untrusted) != 1 || X509_verify_cert(ctx) != 1) {
        char m[300];
        snprintf(m, sizeof m, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        set_invalid(out, "the signer's certificate does not verify against the trusted CA: %s", m);
        rc = 1;
    }
out:
    ERR_clear_error();
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

static int text_of(xmlNodePtr e, unsigned char **v, size_t *len)
{
    xmlChar *t = xmlNodeGetContent(e);
    int rc = t ? df_sig_b64_decode((const char *)t, v, len) : -1;
    xmlFree(t);
    return rc;
}

/* The SignedInfo's signature; 1 valid, 0 not, -1 out of memory. */
static int check_signed_info(xmlDocPtr doc, const df_sig_shape *shape, X509 *signer, const df_signature_def *s)
{
    df_buf si = {0};
    sink k = {.buf = &si};
    unsigned char *sv = NULL;
    size_t svl = 0;
    int rc = -1;
    if (c14n(doc, in_signed_info, shape->signed_info, s, &k) == 0 && text_of(shape->signature_value, &sv, &svl) == 0)
        rc = df_sigalg_verify(s, X509_get0_pubkey(signer), si.data, si.len, sv, svl);
    free(sv);
    df_buf_free(&si);
    return rc;
}

/* The reference digest; 1 equal, 0 not, -1 out of memory. */
static int check_digest(xmlDocPtr doc, xmlNodePtr sig, const df_sig_shape *shape, const df_signature_def *s)
{
    unsigned char got[EVP_MAX_MD_SIZE], *want = NULL;
    unsigned int gl = 0;
    size_t wl = 0;
    sink k = {.md = EVP_MD_CTX_new()};
    int rc = -1;
    if (k.md && EVP_DigestInit_ex(k.md, df_sigalg_md(s->digest), NULL) == 1 &&
        c14n(doc, outside_signature, sig, s, &k) == 0 && EVP_DigestFinal_ex(k.md, got, &gl) == 1 &&
        text_of(shape->digest_value, &want, &wl) == 0)
        rc = wl == gl && memcmp(got, want, gl) == 0;
    free(want);
    EVP_MD_CTX_free(k.md);
    return rc;
}

int df_verify_direct(struct _xmlDoc *doc, struct _xmlNode *sig, const df_sig_shape *shape, struct x509_st **certs,
                     const char *ca, const df_signature_def *s, df_verify_result *out, df_error *err)
{
    int c = check_chain(certs, shape->ncerts, ca, out, err);
    if (c != 0)
        return c < 0 ? -1 : 0;
    int v = check_signed_info(doc, shape, certs[0], s);
    if (v < 0)
        return df_errorf(err, "out of memory canonicalizing SignedInfo");
    if (!v) {
        set_invalid(out, "the signature value does not match SignedInfo (%s, signed with another key, ID or "
                    "content)", df_sig_alg_name(s->algorithm));
        return 0;
    }
    int d = check_digest(doc, sig, shape, s);
    if (d < 0)
        return df_errorf(err, "out of memory canonicalizing the document");
    if (!d) {
        set_invalid(out, "the digest does not match the content (the file was changed after signing)%s", NULL);
        return 0;
    }
    out->valid = 1;
    return 0;
}
