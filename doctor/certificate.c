/* doctor/certificate.c — the enterprise certificate and key, checked for a
 * batch: the token, the key and certificate, whom it is issued to, its end,
 * what it may be used for, and its chain to the CA. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "doctor/checks.h"
#include "writer/sigalg.h"
#include "writer/signer.h"
#include "writer/token.h"

#define CERT_FIX "correct certificate.key (a .p12/.pfx, a PEM key with certificate.cert, or a pkcs11: URI) " \
                 "and the passphrase source (passphrase_env, passphrase_file, or run on a terminal)"

static void check_usage(df_doctor_state *st, X509 *x)
{
    uint32_t ku = X509_get_key_usage(x), xku = X509_get_extended_key_usage(x);
    uint32_t flags = X509_get_extension_flags(x);
    const char *why = NULL;
    if ((flags & EXFLAG_KUSAGE) && !(ku & KU_DIGITAL_SIGNATURE))
        why = "its key usage does not allow digital signatures (digitalSignature): it cannot sign data files "
              "nor authenticate TLS";
    else if ((flags & EXFLAG_XKUSAGE) && !(xku & XKU_SSL_CLIENT))
        why = "its extended key usage does not include TLS client authentication (clientAuth)";
    if (why)
        df_doctor_add(st->r, "key usage", DF_DIAG_FAIL, "ask the CA (NETCA) for a signing certificate of the "
                      "enterprise (digitalSignature, clientAuth)", "%s", why);
    else
        df_doctor_add(st->r, "key usage", DF_DIAG_OK, NULL, "digital signatures%s",
                      (flags & EXFLAG_XKUSAGE) ? " and TLS client authentication" : "");
}

/* The chain to certificate.ca, with the key's own further certificates as help. */
static void check_chain(df_doctor_state *st, X509 *x)
{
    const char *ca = st->cfg.cert_ca;
    if (!ca[0]) {
        df_doctor_add(st->r, "chain", DF_DIAG_SKIP, NULL, "not checked: set certificate.ca to the issuing CA's "
                      "certificate (NETCA's root) to check it");
        return;
    }
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0, loaded = store && ctx && X509_STORE_load_file(store, ca) == 1;
    char why[256] = "";
    if (loaded && X509_STORE_CTX_init(ctx, store, x, df_key_chain(st->key)) == 1) {
        ok = X509_verify_cert(ctx) == 1;
        if (!ok)
            snprintf(why, sizeof why, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    if (!loaded)
        df_doctor_add(st->r, "chain", DF_DIAG_FAIL, "set certificate.ca to a readable PEM file of the CA",
                      "%s: not a readable PEM certificate file", ca);
    else if (!ok)
        df_doctor_add(st->r, "chain", DF_DIAG_FAIL, "use the certificate the CA issued to the enterprise, or set "
                      "certificate.ca to its issuer", "the certificate does not chain to %s: %s", ca, why);
    else
        df_doctor_add(st->r, "chain", DF_DIAG_OK, NULL, "issued by the CA in %s", ca);
}

static void check_loaded(df_doctor_state *st)
{
    const df_config *c = &st->cfg;
    const char *cn = df_key_subject_cn(st->key);
    X509 *x = df_key_cert(st->key);
    df_doctor_add(st->r, "certificate", DF_DIAG_OK, NULL, "%s: key and certificate of %s, matching", c->key, cn);
    if (c->enterprise_code[0] && strcmp(cn, c->enterprise_code))
        df_doctor_add(st->r, "identity", DF_DIAG_FAIL, "use the enterprise's own certificate, or correct "
                      "enterprise.code", "the certificate is issued to %s, not to the configured enterprise %s "
                      "(the server would refuse its files: E_SIGNER)", cn, c->enterprise_code);
    else
        df_doctor_add(st->r, "identity", DF_DIAG_OK, NULL, "issued to %s", cn);
    char when[64];
    long days = df_key_days_left(st->key, when, sizeof when);
    if (days < DF_KEY_EXPIRY_WARN_DAYS)
        df_doctor_add(st->r, "expiry", DF_DIAG_WARN, "renew it with the CA (NETCA 网证通) before then",
                      "the certificate expires on %s, in %ld day%s", when, days, days == 1 ? "" : "s");
    else
        df_doctor_add(st->r, "expiry", DF_DIAG_OK, NULL, "valid until %s (%ld days)", when, days);
    check_usage(st, x);
    check_chain(st, x);
}

void df_doctor_check_certificate(df_doctor_state *st)
{
    const df_config *c = &st->cfg;
    if (!c->key[0]) {
        df_doctor_add(st->r, "certificate", DF_DIAG_FAIL, CERT_FIX, "no key: set 'certificate: key:'");
        return;
    }
    int token = df_token_is_uri(c->key);
    if (!token && access(c->key, F_OK) != 0) {
        df_doctor_add(st->r, "certificate", DF_DIAG_FAIL, CERT_FIX, "%s: the key file does not exist", c->key);
        return;
    }
    df_key_options k;
    df_key_options_from_config(c, st->o->prompt, &k);
    if (st->profile)
        k.kind = df_signer_key_kind(&st->profile->signature);
    k.inspect = 1; /* key usage is a check of its own here (check_usage) */
    char found[1400] = "";
    k.warn = NULL; /* the expiry is a check of its own here */
    k.token_found = found;
    k.token_found_n = sizeof found;
    df_error err;
    int rc = df_key_load(&st->key, &k, &err);
    if (token && !found[0]) {
        df_doctor_add(st->r, "token", DF_DIAG_FAIL, "plug in the USB key, check certificate.key's token= and "
                      "object=, certificate.pkcs11_module and the PIN", "%s", err.msg);
        return;
    }
    if (token)
        df_doctor_add(st->r, "token", DF_DIAG_OK, NULL, "%s", found);
    if (rc != 0) {
        df_doctor_add(st->r, "certificate", DF_DIAG_FAIL, CERT_FIX, "%s", err.msg);
        return;
    }
    check_loaded(st);
}

/* tls.key: the identity TLS shows when it is not the signing key (an SM2
 * signing key needs one, as TLS servers take no SM2 client certificate). */
void df_doctor_check_tls_key(df_doctor_state *st)
{
    const df_config *c = &st->cfg;
    if (!c->tls_key[0]) {
        if (st->key && st->profile && !df_sigalg_is_rsa(st->profile->signature.algorithm))
            df_doctor_add(st->r, "tls key", DF_DIAG_FAIL, "set 'tls: key:' (and 'tls: cert:') to the enterprise's "
                          "TLS certificate", "the signing key is %s, which TLS servers do not take",
                          df_sig_alg_name(st->profile->signature.algorithm));
        return;
    }
    df_key_options k;
    df_key_options_from_config(c, st->o->prompt, &k);
    k.key_path = c->tls_key;
    k.cert_path = c->tls_cert[0] ? c->tls_cert : NULL;
    k.kind = DF_KEY_TLS;
    k.warn = NULL;
    df_error err;
    if (df_key_load(&st->tls_key, &k, &err) != 0) {
        df_doctor_add(st->r, "tls key", DF_DIAG_FAIL, "correct tls.key and tls.cert", "%s", err.msg);
        return;
    }
    df_doctor_add(st->r, "tls key", DF_DIAG_OK, NULL, "%s: the TLS certificate of %s", c->tls_key,
                  df_key_subject_cn(st->tls_key));
}
