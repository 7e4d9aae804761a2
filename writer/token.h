/* writer/token.h — enterprise keys on USB tokens (PKCS#11), for writer/key.c
 * and the doctor.
 *
 * certificate.key: "pkcs11:token=…;object=…" (an RFC 7512 URI) names the
 * key on a token. Before any key is loaded, the token is looked at
 * directly through its PKCS#11 module (p11-kit loads it): present, one
 * match, initialised, PIN not locked, the PIN accepted, a private key (and
 * certificate) matching the URI — each failure with its own message, and
 * the tokens and keys that are there. Then the OpenSSL PKCS#11 engine
 * (libengine-pkcs11-openssl, libp11) loads the key as an EVP_PKEY that the
 * signers use as any other (its session pool gives every signing thread a
 * session of its own), and registers itself under the id "pkcs11" where
 * libcurl's engine key type ("ENG") finds it, PIN and module already set,
 * for mutual TLS. The PIN is never part of the URI (refused), never on
 * argv, never in a message, and wiped after use. */
#ifndef DF_WRITER_TOKEN_H
#define DF_WRITER_TOKEN_H

#include <stddef.h>
#include "base/error.h"

#define DF_TOKEN_ENGINE_ID "pkcs11"

/* 1 if a certificate.key value names a key on a token ("pkcs11:…"). */
int df_token_is_uri(const char *key);

/* The PIN, asked for only when the token needs a login: fills pin (NUL
 * terminated) and *len, or fails with err. */
typedef int (*df_token_pin_fn)(void *ctx, char *pin, size_t cap, size_t *len, df_error *err);

typedef struct df_token_options {
    const char *uri;          /* pkcs11:token=…;object=…[?module-path=…] */
    const char *module;       /* the PKCS#11 module (.so); NULL: the URI's module-path */
    int need_cert;            /* also read the certificate from the token */
    df_token_pin_fn get_pin;
    void *pin_ctx;
} df_token_options;

/* What the token check found, for messages and the doctor. */
typedef struct df_token_info {
    char module[4096];
    char label[33], serial[17], manufacturer[33], model[17];
    int logged_in;            /* the PIN was accepted (or the token needs none) */
    int pin_count_low;        /* the token counts failed PIN attempts */
    unsigned char *cert_der;  /* the token's certificate, when need_cert (free()) */
    size_t cert_len;
} df_token_info;

/* Finds the token and key the URI names and logs in once (checking the
 * PIN). Each failure has its own message: bad or PIN-bearing URI, module
 * missing or not loadable, no token or several, not initialised, PIN
 * locked or on its final try, wrong PIN, no such key or certificate. */
int df_token_check(const df_token_options *o, df_token_info *info, df_error *err);

/* df_token_check, then the key through the OpenSSL engine: *pkey (an
 * EVP_PKEY *) and *engine (an ENGINE *, a functional reference to give
 * back with df_token_release). uri_out gets the URI as the engine and
 * libcurl take it (without the query). */
int df_token_load(const df_token_options *o, df_token_info *info, void **pkey, void **engine, char *uri_out,
                  size_t uri_cap, df_error *err);
void df_token_release(void *engine);
void df_token_info_free(df_token_info *info);

#endif
