/* simulator/server.c — drugflow-sim's HTTPS side: libmicrohttpd over GnuTLS,
 * TLS 1.2+, a client certificate required and verified in the handshake;
 * the four entries of INTERFACE.md §2 (catalogs §3, upload and results §6),
 * request limits, and one log line per request. The upload-time XML
 * check is upload_check.c's, the choice of injected faults faults.c's. */
#include "simulator/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "base/atomic_file.h"
#include "base/digest.h"

enum { E_COMMODITIES, E_PARTNERS, E_UPLOAD, E_RESULTS, E_COUNT };

#define FORM_LIMIT (1 << 20)
#define UPLOAD_SLACK (64 * 1024) /* multipart framing allowed beyond the file limit */
/* A body announced larger than the limit is read and dropped, so that the
 * client can read the 2002 answer (a client still sending when the server
 * closes sees a broken pipe, not the answer); beyond this, answered at once. */
#define DISCARD_LIMIT (1LL << 30)

struct sim_server {
    struct MHD_Daemon *d;
    const sim_config *cfg;
    const df_profile *p;
    sim_processor *pr;
    sim_registry *reg;
    int port;
    char entry_path[E_COUNT][256];
    int cat_commodity, cat_partner; /* the catalogs the two catalog entries serve (profile indexes) */
    char *key_pem, *cert_pem, *ca_pem;
    FILE *log;
    pthread_mutex_t log_mu;
    atomic_ullong reqno;
    atomic_llong inflight; /* upload bytes held in memory by requests in progress */
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    int stopping;
};

/* Per connection: the verified client certificate's CN. */
typedef struct conn_ctx {
    int checked, ok;
    char cn[SIM_CODE_MAX * 2];
} conn_ctx;

/* Per request. */
typedef struct req {
    sim_server *s;
    int entry; /* E_*, or -1 */
    struct timespec t0;
    char enterprise[SIM_CODE_MAX * 2];
    sim_ent *ent;
    struct MHD_PostProcessor *pp;
    int broken;
    /* forms */
    char since[64];
    int have_since;
    char *ids[DF_MAX_IDS_PER_REQUEST];
    int nids, too_many, form_too_big;
    size_t form_bytes;
    const char *last_key;
    /* upload */
    int have_file, too_big, busy, discard;
    unsigned int fault_http; /* an injected 5xx (or empty 200) answered after the body */
    int fault_empty;
    long long held; /* bytes counted in s->inflight for this request */
    char filename[256];
    unsigned char *buf;
    size_t len, cap;
    /* faults and outcome */
    int reset;
    size_t reset_after, received;
    int responded;
    char outcome[96];
} req;

/* ---- responses ---- */

static enum MHD_Result send_body(struct MHD_Connection *c, req *r, unsigned int http, const char *ctype, char *body,
                                 size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(c, http, resp);
    MHD_destroy_response(resp);
    if (r)
        r->responded = 1;
    return ret;
}

/* An answer: the profile's root element holding its code element (the
 * profile's code for the situation), message element and extra. */
static enum MHD_Result answer(struct MHD_Connection *c, req *r, df_code_means means, const char *msg, sim_buf *extra)
{
    const df_protocol *pr = &r->s->p->protocol;
    int code = df_protocol_means(pr, means);
    sim_buf b = {0};
    sim_buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s>", df_an(pr, DF_AN_ROOT));
    sim_elem_int(&b, df_an(pr, DF_AN_CODE), code);
    sim_elem(&b, df_an(pr, DF_AN_MESSAGE), msg);
    if (extra && extra->p)
        sim_buf_add(&b, extra->p, extra->len);
    sim_buf_addf(&b, "</%s>\n", df_an(pr, DF_AN_ROOT));
    if (extra)
        sim_buf_free(extra);
    if (b.oom) {
        sim_buf_free(&b);
        return MHD_NO;
    }
    snprintf(r->outcome, sizeof r->outcome, "code=%d http=200", code);
    return send_body(c, r, MHD_HTTP_OK, pr->content_type, b.p, b.len);
}

/* An injected fault's answer: the 5xx, or HTTP 200 with nothing in it. */
static enum MHD_Result fault_answer(struct MHD_Connection *c, req *r)
{
    char *body = strdup(r->fault_empty ? "" : "fault injected\n");
    if (!body)
        return MHD_NO;
    if (r->fault_empty)
        snprintf(r->outcome, sizeof r->outcome, "fault-empty");
    else
        snprintf(r->outcome, sizeof r->outcome, "http=%u", r->fault_http);
    return send_body(c, r, r->fault_http, "text/plain; charset=UTF-8", body, strlen(body));
}

static enum MHD_Result plain(struct MHD_Connection *c, req *r, unsigned int http, const char *msg)
{
    char *body = strdup(msg);
    if (!body)
        return MHD_NO;
    if (r)
        snprintf(r->outcome, sizeof r->outcome, "http=%u", http);
    return send_body(c, r, http, "text/plain; charset=UTF-8", body, strlen(body));
}

/* ---- logging ---- */

static void log_request(sim_server *s, req *r, const char *outcome)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    char now[40];
    sim_iso_time((long long)time(NULL), now, sizeof now);
    const char *entry;
    switch (r->entry) {
    case E_COMMODITIES: entry = s->p->entry_commodities; break;
    case E_PARTNERS: entry = s->p->entry_partners; break;
    case E_UPLOAD: entry = s->p->entry_upload; break;
    case E_RESULTS: entry = s->p->entry_results; break;
    default: entry = "-";
    }
    char line[512];
    int n = snprintf(line, sizeof line, "%s enterprise=%s entry=%s outcome=%s ms=%.1f\n", now,
                     r->enterprise[0] ? r->enterprise : "-", entry, outcome, ms);
    if (n > 0) {
        pthread_mutex_lock(&s->log_mu);
        fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, s->log);
        fflush(s->log);
        pthread_mutex_unlock(&s->log_mu);
    }
}

/* ---- TLS: require and verify the client certificate ---- */

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(conn_ctx));
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        if (ci && ci->tls_session) {
            gnutls_session_t sess = (gnutls_session_t)ci->tls_session;
            /* Refuse in the handshake a client without a certificate, or one
             * that does not verify against the trusted CA (expired, foreign). */
            gnutls_certificate_server_set_request(sess, GNUTLS_CERT_REQUIRE);
            gnutls_session_set_verify_cert(sess, NULL, 0);
            /* A handshake that trickles in byte by byte ends here; one that
             * sends nothing at all ends at the connection timeout. */
            const sim_server *s = cls;
            gnutls_handshake_set_timeout(sess, (unsigned int)s->cfg->handshake_timeout * 1000u);
        }
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* The client's verified CN, or NULL. */
static const char *client_cn(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_ctx *cc = ci ? (conn_ctx *)ci->socket_context : NULL;
    if (cc && cc->checked)
        return cc->ok ? cc->cn : NULL;
    const union MHD_ConnectionInfo *si = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!si || !si->tls_session)
        return NULL;
    gnutls_session_t sess = (gnutls_session_t)si->tls_session;
    unsigned int status = 0, n = 0;
    int ok = 0;
    char cn[SIM_CODE_MAX * 2] = "";
    if (gnutls_certificate_verify_peers2(sess, &status) == 0 && status == 0) {
        const gnutls_datum_t *certs = gnutls_certificate_get_peers(sess, &n);
        gnutls_x509_crt_t crt;
        if (certs && n > 0 && gnutls_x509_crt_init(&crt) == 0) {
            size_t len = sizeof cn;
            if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
                gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) == 0)
                ok = 1;
            gnutls_x509_crt_deinit(crt);
        }
    }
    if (!cc) {
        static _Thread_local char tl[SIM_CODE_MAX * 2];
        snprintf(tl, sizeof tl, "%s", cn);
        return ok ? tl : NULL;
    }
    cc->checked = 1;
    cc->ok = ok;
    snprintf(cc->cn, sizeof cc->cn, "%s", cn);
    return ok ? cc->cn : NULL;
}

/* ---- faults: when to apply them (faults.c) ---- */

/* Waits ms milliseconds (ms < 0: until shutdown). Returns 1 if stopping. */
static int wait_or_stop(sim_server *s, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (ms >= 0) {
        until.tv_sec += ms / 1000;
        until.tv_nsec += (ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&s->stop_mu);
    while (!s->stopping) {
        int rc = ms >= 0 ? pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &until)
                         : pthread_cond_wait(&s->stop_cv, &s->stop_mu);
        if (rc == ETIMEDOUT)
            break;
    }
    int stopping = s->stopping;
    pthread_mutex_unlock(&s->stop_mu);
    return stopping;
}

/* Resets the TCP connection (RST instead of an orderly close). */
static enum MHD_Result reset_connection(struct MHD_Connection *c, req *r)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        struct linger lg = {1, 0};
        setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        shutdown(ci->connect_fd, SHUT_RDWR);
    }
    snprintf(r->outcome, sizeof r->outcome, "fault-reset");
    return MHD_NO;
}

/* ---- request bodies ---- */

/* Counts n more upload bytes held in memory; 0 if that would pass
 * --max-inflight (the upload is then answered 5000). */
static int hold(req *r, long long n)
{
    sim_server *s = r->s;
    long long now = atomic_fetch_add(&s->inflight, n) + n;
    if (now > s->cfg->max_inflight) {
        atomic_fetch_sub(&s->inflight, n);
        return 0;
    }
    r->held += n;
    return 1;
}

static int add_value(req *r, const char *key, const char *data, size_t size, uint64_t off)
{
    const df_protocol *pr = &r->s->p->protocol;
    r->form_bytes += size;
    if (r->form_bytes > FORM_LIMIT) {
        r->form_too_big = 1;
        return 0;
    }
    const char *since = r->entry == E_RESULTS ? pr->results_since : pr->catalog_version;
    if (strcmp(key, since) == 0) {
        size_t have = off ? strlen(r->since) : 0;
        if (have + size >= sizeof r->since) {
            r->since[0] = '?'; /* too long: invalid */
            r->since[1] = '\0';
        } else {
            memcpy(r->since + have, data, size);
            r->since[have + size] = '\0';
        }
        r->have_since = 1;
    } else if (r->entry == E_RESULTS && strcmp(key, pr->results_file_id) == 0) {
        if (off == 0) {
            if (r->nids == pr->results_max_ids) {
                r->too_many = 1;
                return 0;
            }
            r->ids[r->nids] = calloc(1, SIM_FILEID_LEN + 2);
            if (!r->ids[r->nids])
                return -1;
            r->nids++;
        }
        if (r->nids == 0)
            return 0;
        char *v = r->ids[r->nids - 1];
        size_t have = strlen(v);
        size_t room = SIM_FILEID_LEN + 1 - have;
        memcpy(v + have, data, size < room ? size : room);
        v[have + (size < room ? size : room)] = '\0';
    }
    return 0;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                 const char *content_type, const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    req *r = cls;
    if (!key)
        return MHD_YES;
    if (r->entry == E_UPLOAD) {
        if (strcmp(key, r->s->p->protocol.upload_part) != 0)
            return MHD_YES;
        if (!r->have_file) {
            r->have_file = 1;
            snprintf(r->filename, sizeof r->filename, "%s", filename ? filename : "");
        }
        if (r->too_big || r->busy || size == 0)
            return MHD_YES;
        if (r->len + size > (size_t)r->s->cfg->max_upload) {
            r->too_big = 1;
            free(r->buf);
            r->buf = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (r->len + size > r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 1 << 20;
            while (nc < r->len + size)
                nc *= 2;
            if (nc > (size_t)r->s->cfg->max_upload)
                nc = (size_t)r->s->cfg->max_upload; /* >= len + size, checked above */
            if ((long long)nc > r->held && !hold(r, (long long)nc - r->held)) {
                r->busy = 1;
                free(r->buf);
                r->buf = NULL;
                r->len = r->cap = 0;
                return MHD_YES;
            }
            unsigned char *p = realloc(r->buf, nc);
            if (!p)
                return MHD_NO;
            r->buf = p;
            r->cap = nc;
        }
        memcpy(r->buf + r->len, data, size);
        r->len += size;
        return MHD_YES;
    }
    return add_value(r, key, data, size, off) == 0 ? MHD_YES : MHD_NO;
}

/* ---- the entries ---- */

typedef struct cat_out {
    sim_buf b;
    const df_catalog_def *def;
    const df_protocol *pr;
} cat_out;

static int cat_row(void *arg, df_catalog_op op, const char *cols, size_t len)
{
    cat_out *o = arg;
    sim_buf_addf(&o->b, "<%s %s=\"", o->def->item, df_an(o->pr, DF_AN_OP));
    sim_buf_esc(&o->b, o->pr->ops[op], strlen(o->pr->ops[op]));
    sim_buf_add(&o->b, "\">", 2);
    const char *q = cols, *end = cols + len;
    for (int i = 0; i < o->def->ncolumns; i++) {
        const char *x = q ? memchr(q, '\x1f', (size_t)(end - q)) : NULL;
        size_t l = q ? (size_t)((x ? x : end) - q) : 0;
        sim_buf_addf(&o->b, "<%s>", o->def->columns[i]);
        if (q)
            sim_buf_esc(&o->b, q, l);
        sim_buf_addf(&o->b, "</%s>", o->def->columns[i]);
        q = x ? x + 1 : NULL;
    }
    sim_buf_addf(&o->b, "</%s>", o->def->item);
    return o->b.oom ? -1 : 0;
}

static enum MHD_Result do_catalog(struct MHD_Connection *c, req *r)
{
    sim_server *s = r->s;
    const df_protocol *pr = &s->p->protocol;
    char m[200];
    if (r->form_too_big)
        return answer(c, r, DF_MEANS_BAD_REQUEST, "request form too large", NULL);
    if (!r->have_since) {
        snprintf(m, sizeof m, "missing parameter %s (0 = everything)", pr->catalog_version);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    char *end;
    errno = 0;
    long long since = strtoll(r->since, &end, 10);
    if (errno || end == r->since || *end || since < 0) {
        snprintf(m, sizeof m, "parameter %s must be a version number (0 = everything)", pr->catalog_version);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    int ci = r->entry == E_COMMODITIES ? s->cat_commodity : s->cat_partner;
    if (ci < 0)
        return plain(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "profile has no such catalog\n");
    cat_out o = {{0}, &s->p->catalogs[ci], pr};
    long long version = 0;
    df_error err = {{0}};
    sim_buf head = {0};
    if (sim_catalog_changes(r->ent, o.def, since, &version, cat_row, &o, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        sim_buf_free(&o.b);
        return plain(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "store error\n");
    }
    sim_elem_int(&head, df_an(pr, DF_AN_VERSION), version);
    sim_buf_addf(&head, "<%s>", o.def->list);
    if (o.b.p)
        sim_buf_add(&head, o.b.p, o.b.len);
    sim_buf_addf(&head, "</%s>", o.def->list);
    sim_buf_free(&o.b);
    return answer(c, r, DF_MEANS_OK, "OK", &head);
}

typedef struct files_out {
    sim_buf b;
    const df_protocol *pr;
    const sim_config *cfg;   /* --fault-results: lies told about final files */
} files_out;

/* The stored record errors (seq US code US message RS ...) as the profile's elements. */
static void error_rows(sim_buf *b, const df_protocol *pr, const char *stored)
{
    for (const char *p = stored; p && *p;) {
        const char *rs = strchr(p, '\x1e'), *e = rs ? rs : p + strlen(p);
        const char *u1 = memchr(p, '\x1f', (size_t)(e - p)), *u2 = u1 ? memchr(u1 + 1, '\x1f', (size_t)(e - u1 - 1)) : NULL;
        if (u2) {
            sim_buf_addf(b, "<%s %s=\"%.*s\" %s=\"", df_an(pr, DF_AN_ERROR), df_an(pr, DF_AN_ERROR_SEQ), (int)(u1 - p), p,
                         df_an(pr, DF_AN_ERROR_CODE));
            sim_buf_esc(b, u1 + 1, (size_t)(u2 - u1 - 1));
            sim_buf_add(b, "\">", 2);
            sim_buf_esc(b, u2 + 1, (size_t)(e - u2 - 1));
            sim_buf_addf(b, "</%s>", df_an(pr, DF_AN_ERROR));
        }
        p = rs ? rs + 1 : e;
    }
}

static int file_row(void *arg, const sim_file_info *fi)
{
    files_out *o = arg;
    const df_protocol *pr = o->pr;
    sim_buf *b = &o->b;
    sim_file_info lie = *fi;
    const sim_file_info *f = sim_faults_results(o->cfg, &lie);
    sim_buf_addf(b, "<%s>", df_an(pr, DF_AN_FILE));
    sim_elem(b, df_an(pr, DF_AN_FILE_ID), f->id);
    sim_elem(b, df_an(pr, DF_AN_FILE_NAME), f->name);
    sim_elem(b, df_an(pr, DF_AN_RECEIVED_AT), f->received);
    sim_elem(b, df_an(pr, DF_AN_STATUS), pr->states[f->state]);
    /* Counts are 0 and the errors empty until processed (pending, processing). */
    sim_elem_int(b, df_an(pr, DF_AN_TOTAL), f->total);
    sim_elem_int(b, df_an(pr, DF_AN_PASSED), f->passed);
    sim_elem_int(b, df_an(pr, DF_AN_FAILED), f->failed);
    sim_buf_addf(b, "<%s>", df_an(pr, DF_AN_ERRORS));
    error_rows(b, pr, f->errors);
    sim_buf_addf(b, "</%s></%s>", df_an(pr, DF_AN_ERRORS), df_an(pr, DF_AN_FILE));
    return b->oom ? -1 : 0;
}

static enum MHD_Result do_results(struct MHD_Connection *c, req *r)
{
    const df_protocol *pr = &r->s->p->protocol;
    char m[300];
    if (r->form_too_big)
        return answer(c, r, DF_MEANS_BAD_REQUEST, "request form too large", NULL);
    if (r->too_many) {
        snprintf(m, sizeof m, "at most %d %s parameters per request", pr->results_max_ids, pr->results_file_id);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    if ((r->nids == 0) == !r->have_since) {
        snprintf(m, sizeof m, "give %s or %s, one of them", pr->results_file_id, pr->results_since);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    long long since = 0;
    if (r->have_since && (since = sim_parse_iso(r->since)) < 0) {
        snprintf(m, sizeof m, "parameter %s must be an ISO-8601 date or time", pr->results_since);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    files_out o = {{0}, pr, r->s->cfg};
    sim_buf_addf(&o.b, "<%s>", df_an(pr, DF_AN_FILES));
    df_error err = {{0}};
    const char *ids[DF_MAX_IDS_PER_REQUEST + 1];
    for (int i = 0; i < r->nids; i++)
        ids[i] = r->ids[i];
    ids[r->nids] = NULL;
    if (sim_file_query(r->ent, r->nids ? ids : NULL, since, file_row, &o, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        sim_buf_free(&o.b);
        return plain(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "store error\n");
    }
    sim_buf_addf(&o.b, "</%s>", df_an(pr, DF_AN_FILES));
    return answer(c, r, DF_MEANS_OK, "OK", &o.b);
}

static void file_id(const sim_config *cfg, const char *code, const unsigned char *sha, char *out)
{
    static const unsigned char one[32];
    if (!strcmp(cfg->fault_results, "fileid"))
        sha = one; /* --fault-results fileid: every upload "is" the first one */
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    EVP_DigestUpdate(m, "drugflow-sim file\0", 18);
    EVP_DigestUpdate(m, code, strlen(code) + 1);
    EVP_DigestUpdate(m, sha, 32);
    EVP_DigestFinal_ex(m, d, &dl);
    EVP_MD_CTX_free(m);
    df_hex_encode(d, SIM_FILEID_LEN / 2, out);
}

static enum MHD_Result do_upload(struct MHD_Connection *c, req *r)
{
    sim_server *s = r->s;
    if (r->discard && r->busy)
        return answer(c, r, DF_MEANS_BUSY, "busy: too many uploads in progress, retry later", NULL);
    if (r->discard) {
        char m[128];
        snprintf(m, sizeof m, "file larger than %lld bytes", s->cfg->max_upload);
        return answer(c, r, DF_MEANS_TOO_LARGE, m, NULL);
    }
    if (r->broken)
        return answer(c, r, DF_MEANS_BAD_REQUEST, "malformed multipart/form-data body", NULL);
    if (!r->have_file) {
        char m[128];
        snprintf(m, sizeof m, "missing part '%s'", s->p->protocol.upload_part);
        return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
    }
    if (r->too_big) {
        char m[128];
        snprintf(m, sizeof m, "file larger than %lld bytes", s->cfg->max_upload);
        return answer(c, r, DF_MEANS_TOO_LARGE, m, NULL);
    }
    if (r->busy)
        return answer(c, r, DF_MEANS_BUSY, "busy: too many uploads in progress, retry later", NULL);
    char period[32], why[300];
    if (sim_check_upload(s->p, r->buf, r->len, s->cfg->check_prefix ? SIM_UPLOAD_CHECK_PREFIX : 0, period, why) != 0)
        return answer(c, r, DF_MEANS_BAD_XML, why, NULL);
    unsigned char sha[32];
    df_sha256(r->buf, r->len, sha);
    char id[SIM_FILEID_LEN + 1], hex[65];
    file_id(s->cfg, r->ent->code, sha, id);
    df_hex_encode(sha, 32, hex);
    int dup = sim_file_exists(r->ent, id);
    /* An archived period refuses new content; a file it already holds is
     * still a duplicate (a retry after a lost answer). */
    if (!dup) {
        for (int i = 0; i < s->cfg->narchived; i++) {
            if (strcmp(s->cfg->archived[i], period) == 0) {
                char m[300];
                snprintf(m, sizeof m,
                         "period %s is archived and its data may not be changed; request a deletion through the "
                         "enterprise portal",
                         period);
                return answer(c, r, DF_MEANS_ARCHIVED, m, NULL);
            }
        }
    }
    int reserved = 0;
    if (!dup && !__atomic_load_n(&s->pr->paused, __ATOMIC_RELAXED)) {
        if (!sim_processor_reserve(s->pr))
            return answer(c, r, DF_MEANS_BUSY, "busy: the processing queue is full, retry later", NULL);
        reserved = 1;
    }
    df_error err = {{0}};
    if (!dup) {
        char path[DF_PATH_MAX];
        sim_file_path(r->ent, id, path, sizeof path);
        if (df_atomic_write_file(path, r->buf, r->len, &err) != 0 ||
            sim_file_record(r->ent, id, hex, r->filename, (long long)r->len, period, &dup, &err) != 0) {
            fprintf(stderr, "drugflow-sim: %s\n", err.msg);
            if (reserved)
                sim_processor_unreserve(s->pr);
            return plain(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "store error\n");
        }
    }
    if (reserved) {
        if (dup)
            sim_processor_unreserve(s->pr);
        else
            sim_processor_push(s->pr, r->ent, id, 1);
    }
    const df_protocol *pr = &s->p->protocol;
    sim_buf b = {0};
    sim_elem(&b, df_an(pr, DF_AN_FILE_ID), id);
    sim_elem(&b, df_an(pr, DF_AN_DUPLICATE), dup ? pr->duplicate_true : pr->duplicate_false);
    enum MHD_Result ret = answer(c, r, DF_MEANS_OK, "OK", &b);
    snprintf(r->outcome, sizeof r->outcome, "code=%d http=200 file=%s%s", df_protocol_means(pr, DF_MEANS_OK), id,
             dup ? " duplicate" : "");
    return ret;
}

/* ---- the access handler ---- */

static int entry_of(const sim_server *s, const char *url)
{
    for (int i = 0; i < E_COUNT; i++)
        if (strcmp(url, s->entry_path[i]) == 0)
            return i;
    return -1;
}

static enum MHD_Result first_call(sim_server *s, struct MHD_Connection *c, const char *url, const char *method,
                                  req *r)
{
    unsigned long long n = atomic_fetch_add(&s->reqno, 1);
    const sim_config *cfg = s->cfg;
    r->entry = entry_of(s, url);
    const char *cn = client_cn(c);
    if (cn)
        snprintf(r->enterprise, sizeof r->enterprise, "%s", cn);
    sim_fault_plan fp;
    sim_faults_plan(cfg, n, &fp);
    if (fp.latency_ms > 0 && wait_or_stop(s, fp.latency_ms))
        return MHD_NO;
    if (fp.stall) {
        snprintf(r->outcome, sizeof r->outcome, "fault-stall");
        wait_or_stop(s, -1);
        return MHD_NO;
    }
    if (fp.http) {
        r->fault_http = fp.http;
        r->fault_empty = fp.empty;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        long long len = cl ? atoll(cl) : 0;
        if (len <= 0 || len > DISCARD_LIMIT)
            return fault_answer(c, r);
        r->discard = 1; /* answered once the body is read, so that the client sees the 5xx */
        return MHD_YES;
    }
    if (fp.reset) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        long long len = cl ? atoll(cl) : 0;
        if (len <= 0)
            return reset_connection(c, r);
        r->reset = 1;
        r->reset_after = (size_t)(len / 2);
    }
    if (r->entry < 0)
        return plain(c, r, MHD_HTTP_NOT_FOUND, "no such entry\n");
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return plain(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "POST expected\n");
    if (!cn)
        return answer(c, r, DF_MEANS_NOT_REGISTERED, "certificate not recognised", NULL);
    int missing = 0;
    df_error err = {{0}};
    r->ent = sim_registry_get(s->reg, cn, &missing, &err);
    if (!r->ent) {
        if (missing)
            return answer(c, r, DF_MEANS_NOT_REGISTERED, "enterprise not registered", NULL);
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return plain(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "store error\n");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    long long len = cl ? atoll(cl) : -1;
    if (r->entry == E_UPLOAD) {
        if (len > cfg->max_upload + UPLOAD_SLACK) {
            if (len <= DISCARD_LIMIT) {
                r->too_big = r->discard = 1;
                return MHD_YES;
            }
            char m[128];
            snprintf(m, sizeof m, "file larger than %lld bytes", cfg->max_upload);
            return answer(c, r, DF_MEANS_TOO_LARGE, m, NULL);
        }
        if (len > 0) {
            if (!hold(r, len)) {
                r->busy = r->discard = 1; /* read and drop the body, then answer */
                return MHD_YES;
            }
            r->buf = malloc((size_t)len);
            r->cap = r->buf ? (size_t)len : 0;
        }
    } else if (len > FORM_LIMIT) {
        return answer(c, r, DF_MEANS_BAD_REQUEST, "request form too large", NULL);
    }
    r->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, r);
    if (!r->pp) {
        /* No body, or not a form: the parameters are missing. */
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        char m[160];
        snprintf(m, sizeof m, ct ? "multipart/form-data with a part '%s' expected" : "missing part '%s'",
                 s->p->protocol.upload_part);
        if (r->entry == E_UPLOAD)
            return answer(c, r, DF_MEANS_BAD_REQUEST, m, NULL);
        if (ct)
            return answer(c, r, DF_MEANS_BAD_REQUEST, "application/x-www-form-urlencoded form expected", NULL);
    }
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    (void)version;
    sim_server *s = cls;
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->s = s;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        *con_cls = r;
        return first_call(s, c, url, method, r);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->responded)
            return MHD_YES;
        if (r->reset) {
            r->received += n;
            if (r->received >= r->reset_after)
                return reset_connection(c, r);
        }
        if (r->pp && !r->broken && !r->discard && MHD_post_process(r->pp, upload_data, n) != MHD_YES)
            r->broken = 1;
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->fault_http)
        return fault_answer(c, r);
    if (r->pp) {
        if (MHD_destroy_post_processor(r->pp) != MHD_YES && r->entry == E_UPLOAD && !r->too_big)
            r->broken = 1;
        r->pp = NULL;
    }
    switch (r->entry) {
    case E_COMMODITIES:
    case E_PARTNERS: return do_catalog(c, r);
    case E_RESULTS: return do_results(c, r);
    case E_UPLOAD: return do_upload(c, r);
    }
    return MHD_NO;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    sim_server *s = cls;
    req *r = *con_cls;
    if (!r)
        return;
    const char *outcome = r->outcome;
    char buf[160];
    if (!outcome[0] || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        snprintf(buf, sizeof buf, "%s%s%s", outcome, outcome[0] ? "," : "",
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK         ? "completed"
                 : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED    ? "timeout"
                 : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN    ? "shutdown"
                 : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT       ? "client-abort"
                 : toe == MHD_REQUEST_TERMINATED_READ_ERROR         ? "read-error"
                                                                    : "aborted");
        outcome = buf;
    }
    log_request(s, r, outcome);
    if (r->held)
        atomic_fetch_sub(&s->inflight, r->held);
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < r->nids; i++)
        free(r->ids[i]);
    free(r->buf);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls, (void)fmt, (void)ap; /* MHD's own messages: too chatty for the request log */
}

/* ---- start and stop ---- */

static char *read_all(const char *path, df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        df_error_errno(err, "cannot open %s", path);
        return NULL;
    }
    sim_buf b = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sim_buf_add(&b, tmp, n);
    fclose(f);
    if (b.oom || !b.p) {
        sim_buf_free(&b);
        df_errorf(err, "%s: empty or unreadable", path);
        return NULL;
    }
    return b.p;
}

int sim_server_start(const sim_config *cfg, const df_profile *p, sim_processor *pr, sim_registry *reg,
                     sim_server **out, df_error *err)
{
    *out = NULL;
    sim_server *s = calloc(1, sizeof *s);
    if (!s)
        return df_errorf(err, "out of memory");
    s->cfg = cfg;
    s->p = p;
    s->pr = pr;
    s->reg = reg;
    s->log = stderr;
    pthread_mutex_init(&s->log_mu, NULL);
    pthread_mutex_init(&s->stop_mu, NULL);
    pthread_cond_init(&s->stop_cv, NULL);
    const char *entries[E_COUNT] = {p->entry_commodities, p->entry_partners, p->entry_upload, p->entry_results};
    char base[256];
    sim_entry_base(p, base, sizeof base);
    for (int i = 0; i < E_COUNT; i++)
        snprintf(s->entry_path[i], sizeof s->entry_path[i], "%s%s", base, entries[i]);
    s->cat_commodity = df_profile_catalog_index(p, "commodity");
    s->cat_partner = df_profile_catalog_index(p, "partner");
    if (cfg->log_path && !(s->log = fopen(cfg->log_path, "a"))) {
        df_error_errno(err, "cannot open log file %s", cfg->log_path);
        goto fail;
    }
    if (!(s->key_pem = read_all(cfg->key_path, err)) || !(s->cert_pem = read_all(cfg->cert_path, err)) ||
        !(s->ca_pem = read_all(cfg->ca_path, err)))
        goto fail;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS |
                         MHD_USE_ERROR_LOG;
    if (strchr(cfg->listen_addr, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET6, cfg->listen_addr, &a6->sin6_addr) != 1) {
            df_errorf(err, "--listen %s: not an IP address", cfg->listen_addr);
            goto fail;
        }
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET, cfg->listen_addr, &a4->sin_addr) != 1) {
            df_errorf(err, "--listen %s: not an IPv4 or IPv6 address", cfg->listen_addr);
            goto fail;
        }
    }
    s->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem, MHD_OPTION_HTTPS_MEM_TRUST,
        s->ca_pem, MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->conn_timeout,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
    if (!s->d) {
        df_errorf(err, "cannot start the HTTPS server on %s port %d (port in use? certificate and key "
                       "readable and matching?)",
                  cfg->listen_addr, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    *out = s;
    return 0;
fail:
    if (s->log && s->log != stderr)
        fclose(s->log);
    free(s->key_pem);
    free(s->cert_pem);
    free(s->ca_pem);
    free(s);
    return -1;
}

void sim_server_reopen_log(sim_server *s)
{
    if (!s->cfg->log_path)
        return;
    pthread_mutex_lock(&s->log_mu);
    FILE *f = fopen(s->cfg->log_path, "a");
    if (f) {
        if (s->log != stderr)
            fclose(s->log);
        s->log = f;
    }
    pthread_mutex_unlock(&s->log_mu);
}

int sim_server_port(const sim_server *s)
{
    return s->port;
}

void sim_server_stop(sim_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->stop_mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->stop_cv);
    pthread_mutex_unlock(&s->stop_mu);
    MHD_stop_daemon(s->d);
    if (s->log != stderr)
        fclose(s->log);
    free(s->key_pem);
    free(s->cert_pem);
    free(s->ca_pem);
    free(s);
}
