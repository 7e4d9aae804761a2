/* uploader/transfer.h — one request of the client on libcurl, for the
 * uploader's modules (the upload loop, status, catalog pull): the upload
 * loop runs many at once on its own multi handle (upload.h);
 * df_client_perform runs one to completion. */
#ifndef DF_UPLOADER_TRANSFER_H
#define DF_UPLOADER_TRANSFER_H

#include <curl/curl.h>
#include <stddef.h>

#include "uploader/client.h"

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
    const char *proxy;      /* the proxy it goes through ("" none), for messages */
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

/* Appends "key=urlencoded(value)&" pairs to a growing string. */
int df_form_add(char **form, size_t *len, const char *key, const char *value);

#endif
