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
 * A key on a USB token (writer/token.h) cannot be handed over as PEM:
 * libcurl then takes it through the OpenSSL engine "pkcs11" (CURLOPT_SSLENGINE,
 * key type "ENG", the key's PKCS#11 URI), with the certificate as a blob.
 *
 * Corporate networks go out through a proxy: tls.proxy / DRUGFLOW_PROXY, else
 * the standard https_proxy. The tunnel is CONNECT; TLS and its verification
 * stay end to end with the server.
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
    const char *proxy;          /* http(s)://[user:pass@]host:port or socks5h://…; "none": no
                                 * proxy; NULL/"": libcurl's https_proxy/HTTPS_PROXY (and no_proxy) */
} df_client_options;

typedef struct df_client df_client;

int df_client_open(df_client **out, const df_client_options *o, df_error *err);
/* Wipes the key material. */
void df_client_free(df_client *c);
/* The base URL the entries are appended to (ends with '/'). */
const char *df_client_base(const df_client *c);
const df_profile *df_client_profile(const df_client *c);

/* Checks a proxy setting ("none", or a URL with scheme http, https, socks4,
 * socks4a, socks5 or socks5h); what names the setting for the message. */
int df_proxy_check(const char *proxy, const char *what, df_error *err);
/* The proxy a client goes through ("" for none): the setting, else https_proxy. */
const char *df_client_proxy(const df_client *c);

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
