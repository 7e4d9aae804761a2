/* uploader/client.c — mutual-TLS HTTPS requests on libcurl's multi interface; see client.h. */
#include "uploader/transfer.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uploader/answer.h"
#include "writer/token.h"

struct df_client {
    const df_profile *profile;
    char base[1100];
    char ca[DF_PATH_MAX];
    char *key_pem, *cert_pem;
    size_t key_len, cert_len;
    const char *engine_uri;     /* a key on a token: libcurl loads it through the engine */
    char proxy[1024];           /* "" : libcurl's environment; "none": none */
    long connect_timeout, transfer_timeout;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int df_endpoint_resolve(const df_profile *p, const char *endpoint, char *out, size_t n, df_error *err)
{
    const char *url = endpoint;
    if (!endpoint || !*endpoint || !strcmp(endpoint, "practice"))
        url = p->endpoint_practice;
    else if (!strcmp(endpoint, "production"))
        url = p->endpoint_production;
    if (strncmp(url, "https://", 8) != 0)
        return df_errorf(err, "endpoint '%s' is neither practice, production nor an https:// address", endpoint);
    size_t l = strlen(url);
    if (l + 2 > n)
        return df_errorf(err, "endpoint '%s' is too long", url);
    snprintf(out, n, "%s%s", url, url[l - 1] == '/' ? "" : "/");
    return 0;
}

int df_proxy_check(const char *proxy, const char *what, df_error *err)
{
    static const char *const schemes[] = {"http://", "https://", "socks4://", "socks4a://", "socks5://",
                                          "socks5h://", NULL};
    if (!proxy || !proxy[0] || !strcmp(proxy, "none"))
        return 0;
    for (int i = 0; schemes[i]; i++)
        if (!strncasecmp(proxy, schemes[i], strlen(schemes[i])) && proxy[strlen(schemes[i])])
            return 0;
    return df_errorf(err, "%s '%.100s' is not a proxy address: give http://host:port (or https://, "
                     "socks5h://…; user:password@ before the host if the proxy asks), or none", what, proxy);
}

const char *df_client_proxy(const df_client *c)
{
    if (!strcmp(c->proxy, "none"))
        return "";
    if (c->proxy[0])
        return c->proxy;
    const char *e = getenv("https_proxy");
    if (!e || !*e)
        e = getenv("HTTPS_PROXY");
    return e ? e : "";
}

/* The enterprise certificate for TLS: key and chain as PEM, or the chain
 * alone when the key stays on its token. */
static int client_identity(df_client *c, const df_key *k, df_error *err)
{
    c->engine_uri = df_key_engine_uri(k);
    int rc = c->engine_uri ? df_key_export_cert_pem(k, &c->cert_pem, &c->cert_len, err)
                           : df_key_export_pem(k, &c->key_pem, &c->key_len, &c->cert_pem, &c->cert_len, err);
    return rc != 0 ? df_error_prefix(err, "the enterprise certificate for TLS") : 0;
}

int df_client_open(df_client **out, const df_client_options *o, df_error *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    df_client *c = calloc(1, sizeof *c);
    if (!c)
        return df_errorf(err, "out of memory");
    c->profile = o->profile;
    c->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 15;
    c->transfer_timeout = o->transfer_timeout > 0 ? o->transfer_timeout : 600;
    if (df_endpoint_resolve(o->profile, o->endpoint, c->base, sizeof c->base, err) != 0) {
        free(c);
        return -1;
    }
    snprintf(c->ca, sizeof c->ca, "%s", o->ca ? o->ca : "");
    if (!o->identity) {
        free(c);
        return df_errorf(err, "no enterprise certificate: set 'certificate: key:' in the configuration");
    }
    if (df_proxy_check(o->proxy, "tls.proxy (or DRUGFLOW_PROXY)", err) != 0 ||
        snprintf(c->proxy, sizeof c->proxy, "%s", o->proxy ? o->proxy : "") >= (int)sizeof c->proxy ||
        client_identity(c, o->identity, err) != 0) {
        df_client_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void df_client_free(df_client *c)
{
    if (!c)
        return;
    if (c->key_pem) {
        OPENSSL_cleanse(c->key_pem, c->key_len);
        free(c->key_pem);
    }
    free(c->cert_pem);
    free(c);
}

const char *df_client_base(const df_client *c)
{
    return c->base;
}

const df_profile *df_client_profile(const df_client *c)
{
    return c->profile;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    df_transfer *t = arg;
    size_t n = size * nmemb;
    if (t->len + n > t->limit) {
        t->too_big = 1;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = realloc(t->body, cap);
        if (!b)
            return 0;
        t->body = b;
        t->cap = cap;
    }
    memcpy(t->body + t->len, p, n);
    t->len += n;
    t->body[t->len] = 0;
    return n;
}

/* The TLS and transport settings every request carries. */
static int setup(df_client *c, df_transfer *t, const char *entry, size_t limit, df_error *err)
{
    memset(t, 0, sizeof *t);
    t->limit = limit;
    t->easy = curl_easy_init();
    if (!t->easy)
        return df_errorf(err, "out of memory (curl)");
    snprintf(t->url, sizeof t->url, "%s%s", c->base, entry);
    t->proxy = df_client_proxy(c);
    CURL *e = t->easy;
    struct curl_blob cert = {c->cert_pem, c->cert_len, CURL_BLOB_NOCOPY};
    struct curl_blob key = {c->key_pem, c->key_len, CURL_BLOB_NOCOPY};
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, t->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    if (c->ca[0])
        bad |= curl_easy_setopt(e, CURLOPT_CAINFO, c->ca) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK;
    if (c->engine_uri) {
        /* The engine writer/token.c registered, module and PIN set. */
        if (curl_easy_setopt(e, CURLOPT_SSLENGINE, DF_TOKEN_ENGINE_ID) != CURLE_OK) {
            df_transfer_cleanup(t);
            return df_errorf(err, "libcurl cannot use the OpenSSL PKCS#11 engine for the token's key (is "
                             "libcurl built with OpenSSL engine support?)");
        }
        bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, c->engine_uri) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "ENG") != CURLE_OK;
    } else {
        bad |= curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK;
    }
    if (c->proxy[0]) /* else libcurl reads https_proxy and no_proxy itself */
        bad |= curl_easy_setopt(e, CURLOPT_PROXY, strcmp(c->proxy, "none") ? c->proxy : "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT, c->transfer_timeout) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, t) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "drugflow/0.1") != CURLE_OK;
    if (bad) {
        df_transfer_cleanup(t);
        return df_errorf(err, "libcurl refused a TLS setting (it needs TLS 1.2, blobs and HTTPS support)");
    }
    return 0;
}

int df_transfer_upload(df_client *c, df_transfer *t, const char *path, const char *name, df_error *err)
{
    if (setup(c, t, c->profile->entry_upload, DF_ANSWER_MAX_SMALL, err) != 0)
        return -1;
    t->mime = curl_mime_init(t->easy);
    curl_mimepart *part = t->mime ? curl_mime_addpart(t->mime) : NULL;
    const df_protocol *pr = &c->profile->protocol;
    if (!part || curl_mime_name(part, pr->upload_part) != CURLE_OK || curl_mime_filedata(part, path) != CURLE_OK ||
        curl_mime_filename(part, name) != CURLE_OK || curl_mime_type(part, pr->upload_content_type) != CURLE_OK ||
        curl_easy_setopt(t->easy, CURLOPT_MIMEPOST, t->mime) != CURLE_OK) {
        df_transfer_cleanup(t);
        return df_errorf(err, "%s: cannot prepare the upload", path);
    }
    return 0;
}

int df_transfer_form(df_client *c, df_transfer *t, const char *entry, const char *body, size_t limit,
                     df_error *err)
{
    if (setup(c, t, entry, limit, err) != 0)
        return -1;
    t->form = strdup(body);
    if (!t->form || curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->form) != CURLE_OK) {
        df_transfer_cleanup(t);
        return df_errorf(err, "out of memory");
    }
    return 0;
}

void df_transfer_cleanup(df_transfer *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    if (t->mime)
        curl_mime_free(t->mime);
    free(t->form);
    free(t->body);
    void *user = t->user;
    memset(t, 0, sizeof *t);
    t->user = user;
}

/* A proxy URL for messages: a password in it shown as ***. */
static void proxy_shown(const char *proxy, char *out, size_t n)
{
    const char *at = strrchr(proxy, '@'), *scheme = strstr(proxy, "://");
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at)
        snprintf(out, n, "%.*s:***%s", (int)(colon - proxy), proxy, at);
    else
        snprintf(out, n, "%s", proxy);
}

/* A transport failure on the way through a proxy: a refused tunnel is not
 * retried; every message names the proxy. */
static df_tx_class proxy_failure(df_transfer *t, const char *why, char *msg, size_t n)
{
    char shown[1100];
    long connect_code = 0;
    proxy_shown(t->proxy, shown, sizeof shown);
    curl_easy_getinfo(t->easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    if (connect_code == 407) {
        snprintf(msg, n, "%s: the proxy %s asks for credentials (HTTP 407): give them in tls.proxy or "
                 "DRUGFLOW_PROXY as http://USER:PASSWORD@host:port", t->url, shown);
        return DF_TX_REFUSED;
    }
    if (connect_code >= 400) {
        snprintf(msg, n, "%s: the proxy %s refuses the tunnel to the server (HTTP %ld): ask the network's "
                 "administrators to allow HTTPS to this address", t->url, shown, connect_code);
        return DF_TX_REFUSED;
    }
    snprintf(msg, n, "%s: %s (through the proxy %s: is it running, and is tls.proxy, DRUGFLOW_PROXY or "
             "https_proxy right?)", t->url, why, shown);
    return DF_TX_TRANSIENT;
}

df_tx_class df_transfer_classify(df_transfer *t, CURLcode cc, long *http, char *msg, size_t n)
{
    *http = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, http);
    if (t->too_big) {
        snprintf(msg, n, "%s: the answer is larger than %zu bytes; refused", t->url, t->limit);
        return DF_TX_REFUSED;
    }
    if (cc != CURLE_OK) {
        const char *why = t->errbuf[0] ? t->errbuf : curl_easy_strerror(cc);
        switch (cc) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_NOT_BUILT_IN:
        case CURLE_READ_ERROR:
            snprintf(msg, n, "%s: %s (the server was not trusted or the request could not be made; nothing "
                     "was sent)", t->url, why);
            return DF_TX_REFUSED;
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ENGINE_SETFAILED:
            snprintf(msg, n, "%s: %s (the key on the token could not be used for TLS)", t->url, why);
            return DF_TX_REFUSED;
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_PROXY:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
            if (t->proxy && t->proxy[0])
                return proxy_failure(t, why, msg, n);
            snprintf(msg, n, "%s: %s", t->url, why);
            return DF_TX_TRANSIENT;
        default:
            snprintf(msg, n, "%s: %s", t->url, why);
            return DF_TX_TRANSIENT;
        }
    }
    if (*http >= 500) {
        snprintf(msg, n, "%s: HTTP %ld from the server", t->url, *http);
        return DF_TX_TRANSIENT;
    }
    if (*http != 200) {
        snprintf(msg, n, "%s: HTTP %ld from the server%s", t->url, *http,
                 *http == 403 || *http == 401 ? " (is the enterprise certificate the registered one?)" : "");
        return DF_TX_REFUSED;
    }
    msg[0] = 0;
    return DF_TX_OK;
}

df_tx_class df_client_perform(df_client *c, df_transfer *t, long *http, char *msg, size_t n)
{
    (void)c;
    CURLM *m = curl_multi_init();
    if (!m) {
        snprintf(msg, n, "out of memory (curl)");
        return DF_TX_TRANSIENT;
    }
    curl_multi_add_handle(m, t->easy);
    int running = 1;
    CURLcode cc = CURLE_OK;
    while (running) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        if (running)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    CURLMsg *cm;
    int q;
    while ((cm = curl_multi_info_read(m, &q)))
        if (cm->msg == CURLMSG_DONE)
            cc = cm->data.result;
    df_tx_class k = df_transfer_classify(t, cc, http, msg, n);
    curl_multi_remove_handle(m, t->easy);
    curl_multi_cleanup(m);
    return k;
}

void df_answer_code_message(const df_protocol *pr, int code, const char *message, char *out, size_t n)
{
    snprintf(out, n, "%s %d %s — %s", df_an(pr, DF_AN_CODE), code, message, df_protocol_advice(pr, code));
}

int df_form_add(char **form, size_t *len, const char *key, const char *value)
{
    size_t need = strlen(key) + 3 * strlen(value) + 3;
    char *f = realloc(*form, *len + need + 1);
    if (!f)
        return -1;
    *form = f;
    size_t o = *len;
    if (o)
        f[o++] = '&';
    o += (size_t)sprintf(f + o, "%s=", key);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~')
            f[o++] = (char)*p;
        else
            o += (size_t)sprintf(f + o, "%%%02X", *p);
    }
    f[o] = 0;
    *len = o;
    return 0;
}

int df_client_probe(df_client *c, char *msg, size_t n)
{
    df_transfer t;
    df_error err;
    const df_protocol *pr = &c->profile->protocol;
    char *form = NULL;
    size_t flen = 0;
    if (df_form_add(&form, &flen, pr->results_since, "2999-01-01") != 0) {
        snprintf(msg, n, "out of memory");
        return -1;
    }
    int fr = df_transfer_form(c, &t, c->profile->entry_results, form, DF_ANSWER_MAX_SMALL, &err);
    free(form);
    if (fr != 0) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    long http;
    char why[1200];
    df_tx_class k = df_client_perform(c, &t, &http, why, sizeof why);
    df_answer a;
    int rc = -1;
    if (k != DF_TX_OK)
        snprintf(msg, n, "%s", why);
    else if (df_answer_parse(pr, t.body, t.len, DF_ANSWER_MAX_SMALL, &a, &err) != 0)
        snprintf(msg, n, "%s", err.msg);
    else if (df_protocol_class(pr, a.code) != DF_CODE_OK) {
        char cm[900];
        df_answer_code_message(pr, a.code, a.message, cm, sizeof cm);
        snprintf(msg, n, "%s: %s", c->base, cm);
    } else {
        snprintf(msg, n, "%s answers over mutual TLS", c->base);
        rc = 0;
    }
    df_transfer_cleanup(&t);
    return rc;
}
