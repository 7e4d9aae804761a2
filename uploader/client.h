/* uploader/client.h — the HTTPS client of the interface, on libcurl's multi interface.
 *
 * Mutual TLS with the enterprise certificate: the key and certificate are
 * loaded the way the signer loads them (PKCS#12 or PEM, passphrase from an
 * environment variable or a file, never argv) and handed to libcurl as
 * in-memory PEM blobs, so no clear key ever touches the disk. The server is
 * always verified (peer and host name) against the configured CA bundle (or
 * the system's), TLS 1.2 or newer, HTTPS only, with connect and transfer
 * timeouts. Answers above a size limit are refused while they arrive.
 *
 * A df_transfer is one request: the upload loop runs many at once on its
 * own multi handle (upload.h); df_client_perform runs one to completion. */
#ifndef DF_UPLOADER_CLIENT_H
#define DF_UPLOADER_CLIENT_H

#include <curl/curl.h>
#include <stddef.h>

#include "base/error.h"
#include "mapping/profile.h"
#include "writer/key.h"

typedef struct df_client_options {
    const df_profile *profile;  /* entries, and the practice/production addresses */
    const char *endpoint;       /* practice | production | https://host:port/path/ */
    const char *ca;             /* server CA bundle (PEM), or NULL/"" for the system's */
    const df_key *identity;     /* the enterprise key and certificate */
    long connect_timeout;       /* seconds */
    long transfer_timeout;      /* seconds */
} df_client_options;

typedef struct df_client df_client;

int df_client_open(df_client **out, const df_client_options *o, df_error *err);
/* Wipes the key material. */
void df_client_free(df_client *c);
/* The base URL the entries are appended to (ends with '/'). */
const char *df_client_base(const df_client *c);
const df_profile *df_client_profile(const df_client *c);

/* Resolves practice/production/URL to a base URL ending in '/'. */
int df_endpoint_resolve(const df_profile *p, const char *endpoint, char *out, size_t n, df_error *err);

typedef struct df_transfer {
    CURL *easy;
    curl_mime *mime;
    char *form;             /* urlencoded body */
    char *body;             /* answer */
    size_t len, cap, limit;
    int too_big;
    char url[1200];
    char errbuf[CURL_ERROR_SIZE];
    void *user;
} df_transfer;

/* Prepares an upload of the file at path as multipart part `file` named
 * name (application/xml), streamed from disk. */
int df_transfer_upload(df_client *c, df_transfer *t, const char *path, const char *name, df_error *err);
/* Prepares a form POST to entry: body is application/x-www-form-urlencoded. */
int df_transfer_form(df_client *c, df_transfer *t, const char *entry, const char *body, size_t limit,
                     df_error *err);
void df_transfer_cleanup(df_transfer *t);

typedef enum {
    DF_TX_OK,        /* HTTP 200 with a body to parse */
    DF_TX_TRANSIENT, /* transport error, timeout, reset, HTTP 5xx: retry later */
    DF_TX_REFUSED,   /* TLS verification failed, HTTP 4xx, oversized answer: do not retry */
} df_tx_class;

/* Classifies a finished transfer; msg gets a human explanation, *http the status. */
df_tx_class df_transfer_classify(df_transfer *t, CURLcode cc, long *http, char *msg, size_t n);

/* Runs one transfer to completion on a multi handle of its own. Returns
 * its class; msg/http as df_transfer_classify. */
df_tx_class df_client_perform(df_client *c, df_transfer *t, long *http, char *msg, size_t n);

/* A harmless request that proves the server answers over mutual TLS and
 * knows the enterprise (a results query for a time in the future). 0, or
 * -1 with msg saying what failed (transport, TLS, an answer Code). */
int df_client_probe(df_client *c, char *msg, size_t n);

/* The interface's meaning of an answer Code, with what to do (INTERFACE.md §2). */
const char *df_code_advice(int code);

/* Appends "key=urlencoded(value)&" pairs to a growing string. */
int df_form_add(char **form, size_t *len, const char *key, const char *value);

#endif
