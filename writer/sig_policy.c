/* writer/sig_policy.c — checking a Signature's shape against the profile
 * before anything of it runs; see sig_policy.h. The XML-DSig element names
 * are libxmlsec1's constants; the namespace and the algorithm URIs the
 * profile's. */
#include "writer/sig_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <xmlsec/strings.h>

#include "mapping/protocol.h"

#define MAX_B64_CERT (64 * 1024)
#define MAX_B64_VALUE 4096

typedef struct walk {
    const df_signature_def *s;
    char *why;
    size_t n;
} walk;

static int refuse(walk *w, const char *fmt, const char *a, const char *b)
{
    snprintf(w->why, w->n, fmt, a ? a : "", b ? b : "");
    return -1;
}

static const char *local(xmlNodePtr e)
{
    return (const char *)e->name;
}

/* An element in the profile's namespace named name. */
static int is(walk *w, xmlNodePtr e, const xmlChar *name)
{
    return e && e->type == XML_ELEMENT_NODE && xmlStrEqual(e->name, name) && e->ns &&
           xmlStrEqual(e->ns->href, (const xmlChar *)w->s->ns);
}

/* The next element child after c (NULL: the first), refusing text other
 * than whitespace and processing instructions on the way; comments are
 * left out of the canonical form and are harmless. */
static int next_elem(walk *w, xmlNodePtr parent, xmlNodePtr *c)
{
    xmlNodePtr k = *c ? (*c)->next : parent->children;
    for (; k; k = k->next) {
        if (k->type == XML_ELEMENT_NODE)
            break;
        if (k->type == XML_COMMENT_NODE)
            continue;
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && xmlIsBlankNode(k))
            continue;
        return refuse(w, "%s holds %s; only the XML-DSig elements are allowed", local(parent),
                      k->type == XML_PI_NODE ? "a processing instruction" : "text");
    }
    *c = k;
    return 0;
}

/* The element's attributes are among allowed (NULL-terminated, unqualified). */
static int attrs_only(walk *w, xmlNodePtr e, const char *const *allowed)
{
    for (xmlAttrPtr a = e->properties; a; a = a->next) {
        int ok = 0;
        for (const char *const *p = allowed; !a->ns && *p; p++)
            ok |= xmlStrEqual(a->name, (const xmlChar *)*p);
        if (!ok)
            return refuse(w, "attribute %s on %s not allowed", (const char *)a->name, local(e));
    }
    return 0;
}

static const char *const only_id[] = {"Id", NULL};
static const char *const only_algorithm[] = {"Algorithm", NULL};

/* The next child must be the element name; *c gets it. */
static int expect(walk *w, xmlNodePtr parent, xmlNodePtr *c, const xmlChar *name)
{
    if (next_elem(w, parent, c) != 0)
        return -1;
    if (!*c)
        return refuse(w, "%s has no %s", local(parent), (const char *)name);
    if (!is(w, *c, name))
        return refuse(w, "%s found where %s belongs (or in another namespace than the profile's)", local(*c),
                      (const char *)name);
    return 0;
}

static int no_more(walk *w, xmlNodePtr parent, xmlNodePtr c)
{
    if (next_elem(w, parent, &c) != 0)
        return -1;
    if (c)
        return refuse(w, "%s holds %s, which is not allowed there", local(parent), local(c));
    return 0;
}

/* An algorithm element: Algorithm = want, no children (so no parameters). */
static int algorithm(walk *w, xmlNodePtr e, const char *what, const char *want)
{
    if (attrs_only(w, e, only_algorithm) != 0)
        return -1;
    xmlChar *a = xmlGetNoNsProp(e, (const xmlChar *)"Algorithm");
    char got[DF_URI_MAX + 8];
    snprintf(got, sizeof got, "%s", a ? (const char *)a : "(none)");
    int ok = a && !strcmp((const char *)a, want);
    xmlFree(a);
    if (!ok) {
        char fmt[160];
        snprintf(fmt, sizeof fmt, "%s %%s not allowed (the profile's is %%s)", what);
        return refuse(w, fmt, got, want);
    }
    xmlNodePtr c = NULL;
    if (next_elem(w, e, &c) != 0)
        return -1;
    if (c)
        return refuse(w, "%s carries a parameter <%s>; none is allowed", what, local(c));
    return 0;
}

/* Base64 text of an element (whitespace allowed): its decoded length in *len. */
static int base64_text(walk *w, xmlNodePtr e, size_t max_chars, size_t *len)
{
    size_t chars = 0, pad = 0;
    for (xmlNodePtr k = e->children; k; k = k->next) {
        if (k->type == XML_COMMENT_NODE)
            continue;
        if (k->type != XML_TEXT_NODE)
            return refuse(w, "%s holds markup; base64 text expected%s", local(e), NULL);
        for (const xmlChar *p = k->content; p && *p; p++) {
            if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                continue;
            int b64 = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                      *p == '+' || *p == '/';
            if (*p == '=' && pad < 2)
                pad++;
            else if (!b64 || pad)
                return refuse(w, "%s is not base64%s", local(e), NULL);
            if (++chars > max_chars)
                return refuse(w, "%s is too long%s", local(e), NULL);
        }
    }
    if (chars == 0 || chars % 4)
        return refuse(w, "%s is not base64%s", local(e), NULL);
    *len = chars / 4 * 3 - pad;
    return 0;
}

static int reference(walk *w, xmlNodePtr ref, df_sig_shape *shape)
{
    static const char *const ref_attrs[] = {"URI", "Id", NULL};
    if (attrs_only(w, ref, ref_attrs) != 0)
        return -1;
    xmlChar *uri = xmlGetNoNsProp(ref, (const xmlChar *)"URI");
    char got[DF_URI_MAX];
    snprintf(got, sizeof got, "%s", uri ? (const char *)uri : "");
    int ok = uri && !uri[0];
    int absent = !uri;
    xmlFree(uri);
    if (!ok)
        return refuse(w, "Reference URI%s%s not allowed: only URI=\"\" (the whole document)",
                      absent ? " missing:" : " ", absent ? "" : got);
    xmlNodePtr c = NULL, t = NULL;
    if (expect(w, ref, &c, xmlSecNodeTransforms) != 0 || attrs_only(w, c, (const char *const[]){NULL}) != 0)
        return -1;
    int nt = 0;
    for (;;) {
        if (next_elem(w, c, &t) != 0)
            return -1;
        if (!t)
            break;
        if (!is(w, t, xmlSecNodeTransform))
            return refuse(w, "Transforms holds %s, which is not allowed there%s", local(t), NULL);
        xmlChar *a = xmlGetNoNsProp(t, (const xmlChar *)"Algorithm");
        snprintf(got, sizeof got, "%s", a ? (const char *)a : "(none)");
        int env = a && !strcmp((const char *)a, w->s->enveloped_uri);
        xmlFree(a);
        if (!env)
            return refuse(w, "transform %s not allowed (the profile allows only %s)", got, w->s->enveloped_uri);
        if (nt++ > 0)
            return refuse(w, "a second transform %s not allowed (the profile allows exactly one)%s", got, NULL);
        if (algorithm(w, t, "transform", w->s->enveloped_uri) != 0)
            return -1;
    }
    if (nt == 0)
        return refuse(w, "the Reference has no transform; the profile requires %s%s", w->s->enveloped_uri, NULL);
    if (expect(w, ref, &c, xmlSecNodeDigestMethod) != 0 ||
        algorithm(w, c, "digest method", w->s->digest_uri) != 0 ||
        expect(w, ref, &c, xmlSecNodeDigestValue) != 0 || attrs_only(w, c, (const char *const[]){NULL}) != 0)
        return -1;
    size_t len;
    if (base64_text(w, c, MAX_B64_VALUE, &len) != 0)
        return -1;
    if (len != df_digest_alg_size(w->s->digest))
        return refuse(w, "DigestValue is not a %s digest%s", df_digest_alg_name(w->s->digest), NULL);
    shape->digest_value = c;
    return no_more(w, ref, c);
}

static int signed_info(walk *w, xmlNodePtr si, df_sig_shape *shape)
{
    xmlNodePtr c = NULL;
    if (attrs_only(w, si, only_id) != 0 || expect(w, si, &c, xmlSecNodeCanonicalizationMethod) != 0 ||
        algorithm(w, c, "canonicalization", w->s->c14n_uri) != 0 ||
        expect(w, si, &c, xmlSecNodeSignatureMethod) != 0 ||
        algorithm(w, c, "signature method", w->s->method_uri) != 0 || expect(w, si, &c, xmlSecNodeReference) != 0 ||
        reference(w, c, shape) != 0)
        return -1;
    xmlNodePtr more = c;
    if (next_elem(w, si, &more) != 0)
        return -1;
    if (more && is(w, more, xmlSecNodeReference))
        return refuse(w, "a second Reference not allowed: exactly one, URI=\"\"%s%s", NULL, NULL);
    return no_more(w, si, c);
}

static int key_info(walk *w, xmlNodePtr ki, df_sig_shape *shape)
{
    xmlNodePtr x = NULL;
    if (attrs_only(w, ki, only_id) != 0 || next_elem(w, ki, &x) != 0)
        return -1;
    if (!x || !is(w, x, xmlSecNodeX509Data))
        return refuse(w, "KeyInfo holds %s; only X509Data with X509Certificate is allowed%s",
                      x ? local(x) : "nothing", NULL);
    if (attrs_only(w, x, (const char *const[]){NULL}) != 0 || no_more(w, ki, x) != 0)
        return -1;
    /* Whatever key_info says drugflow sends: a file from another tool may
     * carry the signer's issuers too (stock xmlsec1 writes a PKCS#12's). */
    int max = DF_MAX_KEYINFO_CERTS;
    shape->ncerts = 0;
    for (xmlNodePtr c = NULL;;) {
        size_t len;
        if (next_elem(w, x, &c) != 0)
            return -1;
        if (!c)
            break;
        if (!is(w, c, xmlSecNodeX509Certificate))
            return refuse(w, "X509Data holds %s; only X509Certificate is allowed%s", local(c), NULL);
        if (shape->ncerts == max) {
            char m[16];
            snprintf(m, sizeof m, "%d", max);
            return refuse(w, "more than %s X509Certificate in KeyInfo (the signer's and its issuers')%s", m, NULL);
        }
        if (attrs_only(w, c, (const char *const[]){NULL}) != 0 || base64_text(w, c, MAX_B64_CERT, &len) != 0)
            return -1;
        shape->certs[shape->ncerts++] = c;
    }
    if (shape->ncerts == 0)
        return refuse(w, "X509Data holds no X509Certificate%s%s", NULL, NULL);
    return 0;
}

int df_sig_policy_check(const df_signature_def *s, struct _xmlNode *sig, df_sig_shape *shape, char *why, size_t n)
{
    walk w = {s, why, n};
    why[0] = '\0';
    memset(shape, 0, sizeof *shape);
    xmlNodePtr c = NULL;
    if (attrs_only(&w, sig, only_id) != 0 || expect(&w, sig, &c, xmlSecNodeSignedInfo) != 0 ||
        signed_info(&w, c, shape) != 0)
        return -1;
    shape->signed_info = c;
    if (expect(&w, sig, &c, xmlSecNodeSignatureValue) != 0 || attrs_only(&w, c, only_id) != 0)
        return -1;
    size_t len;
    if (base64_text(&w, c, MAX_B64_VALUE, &len) != 0)
        return -1;
    shape->signature_value = c;
    if (expect(&w, sig, &c, xmlSecNodeKeyInfo) != 0 || key_info(&w, c, shape) != 0)
        return -1;
    return no_more(&w, sig, c);
}

int df_sig_policy_check_signer(struct x509_st *cert, char *why, size_t n)
{
    uint32_t ku = X509_get_key_usage(cert);
    if (X509_get_extension_flags(cert) & EXFLAG_CA) {
        snprintf(why, n, "the signer's certificate is a CA certificate (basicConstraints CA:TRUE), not allowed to "
                 "sign data files");
        return -1;
    }
    if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        snprintf(why, n, "the signer's certificate does not allow signing (keyUsage has neither digitalSignature "
                 "nor nonRepudiation)");
        return -1;
    }
    return 0;
}

int df_sig_b64_decode(const char *text, unsigned char **out, size_t *len)
{
    size_t n = strlen(text), k = 0, pad = 0;
    char *clean = malloc(n + 1);
    if (!clean)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            clean[k++] = text[i];
    clean[k] = 0;
    if (k && clean[k - 1] == '=')
        pad++;
    if (k > 1 && clean[k - 2] == '=')
        pad++;
    unsigned char *buf = k % 4 == 0 && k ? malloc(k / 4 * 3 + 1) : NULL;
    int dl = buf ? EVP_DecodeBlock(buf, (const unsigned char *)clean, (int)k) : -1;
    free(clean);
    if (dl < 0 || (size_t)dl < pad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = (size_t)dl - pad;
    return 0;
}
