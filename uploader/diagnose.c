/* uploader/diagnose.c — DNS, TCP, TLS, the first request and the server's
 * clock, step by step; see diagnose.h. */
#include "uploader/diagnose.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uploader/answer.h"
#include "uploader/transfer.h"

static df_diag_step *step(df_diag_report *r, int i, const char *name)
{
    df_diag_step *s = &r->steps[i];
    s->name = name;
    s->status = DF_DIAG_SKIP;
    snprintf(s->message, sizeof s->message, "not checked: an earlier step failed");
    s->fix[0] = 0;
    return s;
}

static __attribute__((format(printf, 3, 4))) void set(df_diag_step *s, df_diag_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof s->message, fmt, ap);
    va_end(ap);
    s->status = st;
}

/* Host and port of a URL (the server's, or the proxy's). */
static int host_port(const char *url, const char *default_port, char *host, size_t hn, char *port, size_t pn)
{
    CURLU *u = curl_url();
    char *h = NULL, *p = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK)
            p = NULL;
        size_t hl = strlen(h);
        if (hl > 1 && h[0] == '[' && h[hl - 1] == ']') /* an IPv6 literal */
            snprintf(host, hn, "%.*s", (int)hl - 2, h + 1);
        else
            snprintf(host, hn, "%s", h);
        snprintf(port, pn, "%s", p ? p : default_port);
        rc = 0;
    }
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

/* "localhost" and any name under ".localhost". */
static int is_localhost(const char *host)
{
    size_t n = strlen(host), k = strlen(".localhost");
    if (n && host[n - 1] == '.')
        n--;
    return (n == k - 1 && !strncasecmp(host, "localhost", n)) ||
           (n > k && !strncasecmp(host + n - k, ".localhost", k));
}

static int dns_step(df_diag_step *s, const char *host, const char *port, const char *whose, struct addrinfo **ai)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    /* curl never asks the resolver for localhost (RFC 6761): it is the loopback address, even on a minimal
     * machine or container without /etc/hosts. A null node without AI_PASSIVE gives exactly that. */
    int e = is_localhost(host) ? getaddrinfo(NULL, port, &hints, ai) : getaddrinfo(host, port, &hints, ai);
    if (e != 0) {
        set(s, DF_DIAG_FAIL, "%s name %s does not resolve: %s", whose, host, gai_strerror(e));
        snprintf(s->fix, sizeof s->fix, "check the name in %s and the machine's DNS (/etc/resolv.conf); "
                 "behind a proxy, set tls.proxy", !strcmp(whose, "the proxy's") ? "tls.proxy" : "endpoint");
        return -1;
    }
    char list[512] = "";
    size_t o = 0;
    int n = 0;
    for (struct addrinfo *p = *ai; p && n < 3 && o + 64 < sizeof list; p = p->ai_next, n++) {
        char a[INET6_ADDRSTRLEN] = "?";
        void *in = p->ai_family == AF_INET ? (void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
                                           : (void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
        inet_ntop(p->ai_family, in, a, sizeof a);
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", n ? ", " : "", a);
    }
    set(s, DF_DIAG_OK, "%s %s resolves to %s", !strcmp(whose, "the proxy's") ? "proxy" : "server", host, list);
    return 0;
}

/* A TCP connection to one of the addresses within timeout_ms. */
static int tcp_step(df_diag_step *s, struct addrinfo *ai, const char *host, const char *port, long timeout_ms)
{
    int err = ETIMEDOUT;
    for (struct addrinfo *p = ai; p; p = p->ai_next) {
        int fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0)
            continue;
        int rc = connect(fd, p->ai_addr, p->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            struct pollfd pf = {fd, POLLOUT, 0};
            socklen_t l = sizeof err;
            rc = poll(&pf, 1, (int)timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && !err
                     ? 0 : -1;
            if (rc != 0 && !err)
                err = ETIMEDOUT;
        } else if (rc != 0) {
            err = errno;
        }
        close(fd);
        if (rc == 0) {
            set(s, DF_DIAG_OK, "a TCP connection to %s port %s opens", host, port);
            return 0;
        }
    }
    set(s, DF_DIAG_FAIL, "no TCP connection to %s port %s: %s", host, port, strerror(err));
    snprintf(s->fix, sizeof s->fix, "is the server (or proxy) up, and does the firewall let this machine reach "
             "port %s? Outbound HTTPS may have to go through a proxy: set tls.proxy", port);
    return -1;
}

static int tls_step(df_client *c, df_diag_step *s, long timeout_s)
{
    df_transfer t;
    df_error err;
    if (df_transfer_form(c, &t, df_client_profile(c)->entry_results, "", 4096, &err) != 0) {
        set(s, DF_DIAG_FAIL, "%s", err.msg);
        return -1;
    }
    curl_easy_setopt(t.easy, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(t.easy, CURLOPT_CONNECTTIMEOUT, timeout_s);
    CURLcode cc = curl_easy_perform(t.easy);
    int rc = 0;
    if (cc == CURLE_OK) {
        set(s, DF_DIAG_OK, "TLS handshake with %s: server certificate and host name verified, client "
            "certificate presented", df_client_base(c));
    } else {
        long http;
        char why[1400];
        df_transfer_classify(&t, cc, &http, why, sizeof why);
        set(s, DF_DIAG_FAIL, "%s", why);
        const char *e = t.errbuf;
        snprintf(s->fix, sizeof s->fix, "%s",
                 strstr(e, "subject name") || strstr(e, "host name")
                     ? "the server's certificate is not for this host name: check the endpoint address"
                 : cc == CURLE_PEER_FAILED_VERIFICATION
                     ? "the server's certificate is not signed by a CA drugflow trusts: set tls.ca to the CA "
                       "bundle of the provincial system (or check the system's CA store)"
                 : cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_ENGINE_INITFAILED
                     ? "the enterprise certificate or key cannot be used for TLS: see the certificate checks"
                     : "check the endpoint, the network and the enterprise certificate (TLS 1.2 or newer)");
        rc = -1;
    }
    df_transfer_cleanup(&t);
    return rc;
}

typedef struct date_seen {
    time_t date;
} date_seen;

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
    size_t n = size * nmemb;
    date_seen *d = arg;
    if (n > 5 && n < 200 && !strncasecmp(p, "Date:", 5)) {
        char v[200];
        snprintf(v, sizeof v, "%.*s", (int)(n - 5), p + 5);
        d->date = curl_getdate(v, NULL);
    }
    return n;
}

/* The request the interface answers, and the Date it carries. */
static int server_step(df_client *c, df_diag_step *s, time_t *server_date)
{
    df_transfer t;
    df_error err;
    date_seen d = {-1};
    const df_protocol *pr = &df_client_profile(c)->protocol;
    char *form = NULL;
    size_t flen = 0;
    if (df_form_add(&form, &flen, pr->results_since, "2999-01-01") != 0) {
        set(s, DF_DIAG_FAIL, "out of memory");
        return -1;
    }
    int fr = df_transfer_form(c, &t, df_client_profile(c)->entry_results, form, DF_ANSWER_MAX_SMALL, &err);
    free(form);
    if (fr != 0) {
        set(s, DF_DIAG_FAIL, "%s", err.msg);
        return -1;
    }
    curl_easy_setopt(t.easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(t.easy, CURLOPT_HEADERDATA, &d);
    long http;
    char why[1400];
    df_answer a;
    int rc = -1;
    if (df_client_perform(c, &t, &http, why, sizeof why) != DF_TX_OK) {
        set(s, DF_DIAG_FAIL, "%s", why);
        snprintf(s->fix, sizeof s->fix, "%s", http == 401 || http == 403
                     ? "the server refuses the enterprise certificate: is it the one registered with the "
                       "provincial system?"
                     : "the server does not answer the interface: check the endpoint (practice or production)");
    } else if (df_answer_parse(pr, t.body, t.len, DF_ANSWER_MAX_SMALL, &a, &err) != 0) {
        set(s, DF_DIAG_FAIL, "%s", err.msg);
        snprintf(s->fix, sizeof s->fix, "the endpoint does not answer as the interface does: check its address");
    } else if (df_protocol_class(pr, a.code) != DF_CODE_OK) {
        char cm[900];
        df_answer_code_message(pr, a.code, a.message, cm, sizeof cm);
        set(s, DF_DIAG_FAIL, "%s answers %s", df_client_base(c), cm);
        snprintf(s->fix, sizeof s->fix, "%s", df_protocol_advice(pr, a.code));
    } else {
        set(s, DF_DIAG_OK, "%s answers over mutual TLS and knows the enterprise", df_client_base(c));
        rc = 0;
    }
    *server_date = d.date;
    df_transfer_cleanup(&t);
    return rc;
}

static void clock_step(df_diag_report *r, df_diag_step *s, time_t server_date, long max_skew_s)
{
    if (server_date == (time_t)-1) {
        set(s, DF_DIAG_WARN, "the server's answer has no Date: the clock was not compared");
        snprintf(s->fix, sizeof s->fix, "keep the system clock synchronised (NTP)");
        return;
    }
    r->skew_s = (long)(time(NULL) - server_date);
    r->have_skew = 1;
    long a = r->skew_s < 0 ? -r->skew_s : r->skew_s;
    if (a > max_skew_s) {
        set(s, DF_DIAG_FAIL, "this machine's clock is %ld s %s the server's (more than %ld s off)", a,
            r->skew_s > 0 ? "ahead of" : "behind", max_skew_s);
        snprintf(s->fix, sizeof s->fix, "set the clock right and keep it synchronised (timedatectl "
                 "set-ntp true): certificates and data files carry times the server checks");
        return;
    }
    set(s, DF_DIAG_OK, "clocks agree: this machine is %ld s %s the server", a, r->skew_s >= 0 ? "ahead of" : "behind");
}

void df_client_diagnose(df_client *c, long connect_timeout_s, long max_skew_s, df_diag_report *r)
{
    memset(r, 0, sizeof *r);
    df_diag_step *dns = step(r, 0, "dns"), *tcp = step(r, 1, "tcp"), *tls = step(r, 2, "tls"),
                 *srv = step(r, 3, "server"), *clk = step(r, 4, "clock");
    const char *proxy = df_client_proxy(c);
    char host[512], port[16];
    int via_proxy = proxy[0] != 0;
    if (host_port(via_proxy ? proxy : df_client_base(c), via_proxy ? "1080" : "443", host, sizeof host, port,
                  sizeof port) != 0) {
        set(dns, DF_DIAG_FAIL, "cannot read the host of %s", via_proxy ? "the proxy setting" : df_client_base(c));
        return;
    }
    struct addrinfo *ai = NULL;
    if (dns_step(dns, host, port, via_proxy ? "the proxy's" : "the server's", &ai) != 0)
        return;
    int ok = tcp_step(tcp, ai, host, port, connect_timeout_s * 1000) == 0;
    freeaddrinfo(ai);
    time_t date = -1;
    if (!ok || tls_step(c, tls, connect_timeout_s) != 0 || server_step(c, srv, &date) != 0)
        return;
    clock_step(r, clk, date, max_skew_s);
}
