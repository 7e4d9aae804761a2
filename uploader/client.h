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
 * One request on libcurl is a df_transfer (transfer.h), for the uploader's
 * own modules; this header is the client's face for everyone else. */
#ifndef DF_UPLOADER_CLIENT_H
#define DF_UPLOADER_CLIENT_H

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

/* A harmless request that proves the server answers over mutual TLS and
 * knows the enterprise (a results query for a time in the future). 0, or
 * -1 with msg saying what failed (transport, TLS, an answer code). */
int df_client_probe(df_client *c, char *msg, size_t n);

/* "Code 2004 message — advice" for an answer code: the profile's name of
 * the code element and its advice for the code (`protocol: codes`). */
void df_answer_code_message(const df_protocol *pr, int code, const char *message, char *out, size_t n);


#endif
