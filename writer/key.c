/* writer/key.c — the enterprise key and certificate: reading them from a
 * PKCS#12 or PEM file with a passphrase from the environment, a file or the
 * terminal, checking them, and handing them to the signers and to TLS; see
 * key.h. */
#include "writer/key.h"

#include "base/log.h"
#include "writer/token.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "writer/sig_policy.h"

#define PASS_MAX 1024
#define KEY_FILE_MAX (1 << 20)

struct df_key {
    EVP_PKEY *pkey;
    X509 *cert;
    STACK_OF(X509) *chain; /* further certificates of a PKCS#12, or NULL */
    char *cert_b64;        /* base64 DER of cert, no line breaks */
    size_t cert_b64_len;
    char cn[256];
    void *engine;          /* a key on a token: the PKCS#11 engine holding it */
    char engine_uri[1024];
};

void df_key_options_from_config(const df_config *cfg, int prompt, df_key_options *k)
{
    memset(k, 0, sizeof *k);
    k->key_path = cfg->key[0] ? cfg->key : NULL;
    k->cert_path = cfg->cert[0] ? cfg->cert : NULL;
    k->pass_env = cfg->passphrase_env[0] ? cfg->passphrase_env : NULL;
    k->pass_file = cfg->passphrase_file[0] ? cfg->passphrase_file : NULL;
    k->pass_prompt = prompt;
    k->allow_open_perms = cfg->allow_open_key_perms;
    k->pkcs11_module = cfg->pkcs11_module[0] ? cfg->pkcs11_module : NULL;
    k->warn = stderr;
}

/* ---- small helpers --------------------------------------------------- */

/* The reason of the last OpenSSL error, for messages; clears the queue. */
const char *df_openssl_reason(char *buf, size_t cap)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        snprintf(buf, cap, "no detail from OpenSSL");
    else
        ERR_error_string_n(e, buf, cap);
    ERR_clear_error();
    return buf;
}

static void format_asn1_time(const ASN1_TIME *t, char *buf, size_t cap)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, cap, "(unreadable date)");
}

/* Reads a whole small file through one descriptor: the permission check
 * looks at the very file that is read. */
static int read_private_file(const char *path, const char *what, int allow_open_perms,
                             unsigned char **out, size_t *out_len, df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "cannot open %s %s", what, path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return df_error_errno(err, "cannot stat %s %s", what, path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return df_errorf(err, "%s %s is not a regular file", what, path);
    }
    if ((st.st_mode & 077) && !allow_open_perms) {
        close(fd);
        return df_errorf(err,
                         "%s %s can be read or written by group or others (mode %04o); "
                         "restrict it with `chmod 600 %s`, or accept it with --allow-open-key-permissions",
                         what, path, (unsigned)(st.st_mode & 07777), path);
    }
    if (st.st_size > KEY_FILE_MAX) {
        close(fd);
        return df_errorf(err, "%s %s is too large (%lld bytes) to be a key or passphrase file", what,
                         path, (long long)st.st_size);
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    unsigned char *buf = OPENSSL_secure_malloc(cap);
    if (!buf) {
        close(fd);
        return df_errorf(err, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            df_error_errno(err, "cannot read %s %s", what, path);
            OPENSSL_secure_clear_free(buf, cap);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) /* the file grew while read: take what st_size said */
            break;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return 0;
}

/* ---- passphrase ------------------------------------------------------ */

typedef struct pass_state {
    const df_key_options *opts;
    const char *key_path;
    const char *secret;  /* "passphrase", or "PIN" for a token */
    char pass[PASS_MAX];
    size_t len;
    int have;      /* pass/len hold a passphrase */
    int asked;     /* get_pass ran (the key wanted a passphrase) */
    int failed;    /* get_pass failed; err is filled */
    df_error *err;
} pass_state;

static int prompt_tty(pass_state *ps)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return df_error_errno(ps->err, "cannot ask for the %s of %s on the terminal", ps->secret,
                              ps->key_path);
    struct termios old, noecho;
    int restore = 0;
    if (tcgetattr(fd, &old) == 0) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        noecho.c_lflag |= ICANON;
        if (tcsetattr(fd, TCSAFLUSH, &noecho) == 0)
            restore = 1;
    }
    char prompt[DF_PATH_MAX + 128];
    int pl = snprintf(prompt, sizeof prompt, "%s for %s: ", strcmp(ps->secret, "PIN") ? "Passphrase" : "PIN",
                      ps->key_path);
    if (pl > 0)
        (void)!write(fd, prompt, (size_t)pl < sizeof prompt ? (size_t)pl : sizeof prompt - 1);
    size_t len = 0;
    int rc = 0, done = 0;
    while (!done) {
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == '\n' || c == '\r') {
            done = 1;
            if (n < 0)
                rc = df_error_errno(ps->err, "cannot read the %s of %s from the terminal", ps->secret,
                                    ps->key_path);
        } else if (len + 1 < sizeof ps->pass) {
            ps->pass[len++] = c;
        } else {
            rc = df_errorf(ps->err, "the %s typed for %s is too long", ps->secret, ps->key_path);
            done = 1;
        }
        OPENSSL_cleanse(&c, sizeof c);
    }
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    (void)!write(fd, "\n", 1);
    close(fd);
    if (rc != 0) {
        OPENSSL_cleanse(ps->pass, sizeof ps->pass);
        return -1;
    }
    ps->pass[len] = 0;
    ps->len = len;
    ps->have = 1;
    return 0;
}

/* Fetches the passphrase: environment variable, then file, then terminal. */
static int get_pass(pass_state *ps)
{
    const df_key_options *o = ps->opts;
    ps->asked = 1;
    if (ps->have)
        return 0;
    if (o->pass_env && o->pass_env[0]) {
        const char *v = getenv(o->pass_env);
        if (v) {
            size_t n = strlen(v);
            if (n >= sizeof ps->pass)
                return df_errorf(ps->err, "the %s in environment variable %s is too long", ps->secret,
                                 o->pass_env);
            memcpy(ps->pass, v, n + 1);
            ps->len = n;
            ps->have = 1;
            return 0;
        }
        if (!(o->pass_file && o->pass_file[0]) && !o->pass_prompt)
            return df_errorf(ps->err,
                             "%s needs a %s, and environment variable %s (named to hold it) "
                             "is not set",
                             ps->key_path, ps->secret, o->pass_env);
    }
    if (o->pass_file && o->pass_file[0]) {
        unsigned char *buf;
        size_t len;
        if (read_private_file(o->pass_file, "passphrase file", o->allow_open_perms, &buf, &len,
                              ps->err) != 0)
            return -1;
        size_t n = 0;
        while (n < len && buf[n] != '\n')
            n++;
        if (n > 0 && buf[n - 1] == '\r')
            n--;
        int rc = 0;
        if (n >= sizeof ps->pass) {
            rc = df_errorf(ps->err, "the %s in %s is too long", ps->secret, o->pass_file);
        } else {
            memcpy(ps->pass, buf, n);
            ps->pass[n] = 0;
            ps->len = n;
            ps->have = 1;
        }
        OPENSSL_secure_clear_free(buf, len + 1);
        return rc;
    }
    if (o->pass_prompt)
        return prompt_tty(ps);
    return df_errorf(ps->err,
                     "%s is protected by a %s and none was given: name an environment "
                     "variable holding it (--passphrase-env VAR), a file (--passphrase-file FILE), "
                     "or run from a terminal to be asked",
                     ps->key_path, ps->secret);
}

static void pass_wipe(pass_state *ps)
{
    OPENSSL_cleanse(ps->pass, sizeof ps->pass);
    ps->len = 0;
    ps->have = 0;
}

static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    pass_state *ps = u;
    if (get_pass(ps) != 0) {
        ps->failed = 1;
        return -1;
    }
    if (ps->len > (size_t)size)
        return -1;
    memcpy(buf, ps->pass, ps->len);
    return (int)ps->len;
}

/* ---- loading --------------------------------------------------------- */

/* PKCS#12 from NETCA or Windows often encrypts certificates with RC2-40,
 * which OpenSSL 3 keeps in its legacy provider. */
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static int legacy_loaded;
static OSSL_PROVIDER *default_provider, *legacy_provider; /* kept for the process */
static void unload_providers(void)
{
    /* Runs before OpenSSL's own exit handler (registered earlier). */
    if (legacy_provider)
        OSSL_PROVIDER_unload(legacy_provider);
    if (default_provider)
        OSSL_PROVIDER_unload(default_provider);
    legacy_provider = default_provider = NULL;
}
static void load_legacy_provider(void)
{
    /* Loading one provider explicitly stops the default one from loading
     * implicitly, so load both. */
    default_provider = OSSL_PROVIDER_load(NULL, "default");
    legacy_provider = default_provider ? OSSL_PROVIDER_load(NULL, "legacy") : NULL;
    legacy_loaded = legacy_provider != NULL;
    atexit(unload_providers);
    ERR_clear_error();
}

static int load_pkcs12(df_key *s, const char *path, const unsigned char *data, size_t len,
                       pass_state *ps, df_error *err)
{
    char why[256];
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    PKCS12 *p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
    BIO_free(bio);
    if (!p12)
        return df_errorf(err,
                         "%s is not a readable PKCS#12 (.p12/.pfx) file — damaged or another "
                         "format? For a PEM key give the certificate too (%s)",
                         path, df_openssl_reason(why, sizeof why));
    const char *pass = NULL;
    int plen = 0, rc = -1;
    if (PKCS12_mac_present(p12)) {
        /* A file without passphrase verifies with the empty one; only
         * then is no passphrase asked for. */
        if (PKCS12_verify_mac(p12, NULL, 0)) {
            pass = NULL;
        } else if (PKCS12_verify_mac(p12, "", 0)) {
            pass = "";
        } else {
            if (get_pass(ps) != 0)
                goto out;
            pass = ps->pass;
            plen = (int)ps->len;
            if (!PKCS12_verify_mac(p12, pass, plen)) {
                ERR_clear_error();
                df_errorf(err, "wrong passphrase for %s (the PKCS#12 integrity check failed)",
                          path);
                goto out;
            }
        }
    } else {
        if (get_pass(ps) != 0)
            goto out;
        pass = ps->pass;
    }
    ERR_clear_error();
    if (!PKCS12_parse(p12, pass, &s->pkey, &s->cert, &s->chain)) {
        ERR_clear_error();
        pthread_once(&legacy_once, load_legacy_provider);
        if (!legacy_loaded || !PKCS12_parse(p12, pass, &s->pkey, &s->cert, &s->chain)) {
            df_errorf(err,
                      "%s: cannot decrypt the PKCS#12 contents (%s); a wrong passphrase or an "
                      "unsupported encryption",
                      path, df_openssl_reason(why, sizeof why));
            goto out;
        }
    }
    if (!s->pkey) {
        df_errorf(err, "%s holds no private key", path);
        goto out;
    }
    if (!s->cert) {
        df_errorf(err, "%s holds no certificate matching its private key", path);
        goto out;
    }
    rc = 0;
out:
    PKCS12_free(p12);
    return rc;
}

/* The certificate, then the chain, from PEM; frees cb. */
static void read_certs(df_key *s, BIO *cb)
{
    s->cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (s->cert) {
        /* Further certificates are the chain. */
        X509 *x;
        while ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL) {
            if (!s->chain)
                s->chain = sk_X509_new_null();
            if (!s->chain || !sk_X509_push(s->chain, x)) {
                X509_free(x);
                break;
            }
        }
    }
    ERR_clear_error();
    BIO_free(cb);
}

static int load_pem(df_key *s, const char *key_path, const unsigned char *data, size_t len,
                    const char *cert_path, pass_state *ps, df_error *err)
{
    char why[256];
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!bio)
        return df_errorf(err, "%s: out of memory", key_path);
    ERR_clear_error();
    s->pkey = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, ps);
    BIO_free(bio);
    if (!s->pkey) {
        if (ps->failed) {
            ERR_clear_error();
            return -1; /* err filled by get_pass */
        }
        if (ps->asked && ps->have) {
            ERR_clear_error();
            return df_errorf(err, "wrong passphrase for %s (the private key cannot be decrypted)",
                             key_path);
        }
        return df_errorf(err, "%s holds no readable PEM private key — damaged or another format? (%s)",
                         key_path, df_openssl_reason(why, sizeof why));
    }
    /* The certificate: its own file, or following the key in the same one. */
    BIO *cb = NULL;
    const char *cpath = cert_path ? cert_path : key_path;
    if (cert_path) {
        cb = BIO_new_file(cert_path, "r");
        if (!cb) {
            ERR_clear_error();
            return df_error_errno(err, "cannot open certificate file %s", cert_path);
        }
    } else {
        cb = BIO_new_mem_buf(data, (int)len);
        if (!cb)
            return df_errorf(err, "%s: out of memory", key_path);
    }
    read_certs(s, cb);
    if (!s->cert) {
        if (cert_path)
            return df_errorf(err, "%s holds no readable PEM certificate — damaged or another format?",
                             cpath);
        return df_errorf(err,
                         "no certificate for the PEM key %s: give the certificate file as well",
                         key_path);
    }
    return 0;
}

/* The key is of the kind asked for; for signing, its certificate may sign. */
static int check_key_kind(df_key *s, int kind, int inspect, const char *key_path, const char *cpath, df_error *err)
{
    const char *t = EVP_PKEY_get0_type_name(s->pkey);
    if (kind == DF_KEY_RSA && !EVP_PKEY_is_a(s->pkey, "RSA"))
        return df_errorf(err,
                         "%s holds a key of type %s; the profile's signature algorithm is RSA (INTERFACE.md "
                         "§5), so an RSA key is needed",
                         key_path, t ? t : "other than RSA");
    if (kind == DF_KEY_SM2 && !EVP_PKEY_is_a(s->pkey, "SM2"))
        return df_errorf(err,
                         "%s holds a key of type %s; the profile's signature algorithm is sm2-sm3, so an SM2 key "
                         "(curve SM2) is needed",
                         key_path, t ? t : "other than SM2");
    if (kind == DF_KEY_TLS || inspect)
        return 0;
    /* The rule the verifiers apply (sig_policy.h): better refused here than FAILED there. */
    char why[256];
    if (df_sig_policy_check_signer(s->cert, why, sizeof why) != 0)
        return df_errorf(err, "%s: %s", cpath, why);
    return 0;
}

static int check_key_and_cert(df_key *s, const char *key_path, const char *cert_path, int kind, int inspect,
                              df_error *err)
{
    const char *cpath = cert_path ? cert_path : key_path;
    if (check_key_kind(s, kind, inspect, key_path, cpath, err) != 0)
        return -1;
    if (!X509_check_private_key(s->cert, s->pkey)) {
        ERR_clear_error();
        return df_errorf(err, "the private key in %s does not match the certificate in %s", key_path,
                         cpath);
    }
    char when[64];
    const ASN1_TIME *nb = X509_get0_notBefore(s->cert), *na = X509_get0_notAfter(s->cert);
    if (X509_cmp_current_time(na) <= 0) {
        format_asn1_time(na, when, sizeof when);
        return df_errorf(err, "the certificate in %s expired on %s; renew it with the CA (NETCA)",
                         cpath, when);
    }
    if (X509_cmp_current_time(nb) >= 0) {
        format_asn1_time(nb, when, sizeof when);
        return df_errorf(err,
                         "the certificate in %s is not valid yet: it becomes valid on %s (is the "
                         "system clock right?)",
                         cpath, when);
    }
    return 0;
}

static int precompute(df_key *s, const char *path, df_error *err)
{
    unsigned char *der = NULL;
    int dl = i2d_X509(s->cert, &der);
    if (dl <= 0)
        return df_errorf(err, "%s: cannot encode the certificate", path);
    s->cert_b64 = malloc(4 * (((size_t)dl + 2) / 3) + 1);
    if (!s->cert_b64) {
        OPENSSL_free(der);
        return df_errorf(err, "%s: out of memory", path);
    }
    s->cert_b64_len = (size_t)EVP_EncodeBlock((unsigned char *)s->cert_b64, der, dl);
    OPENSSL_free(der);
    X509_NAME *subj = X509_get_subject_name(s->cert);
    int i = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
    if (i >= 0) {
        unsigned char *u = NULL;
        int ul = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
        if (ul >= 0) {
            snprintf(s->cn, sizeof s->cn, "%.*s", ul, (const char *)u);
            OPENSSL_free(u);
        }
    }
    ERR_clear_error();
    return 0;
}

/* ---- a key on a token ----------------------------------------------- */

static int token_pin(void *ctx, char *pin, size_t cap, size_t *len, df_error *err)
{
    pass_state *ps = ctx;
    if (get_pass(ps) != 0)
        return -1;
    if (ps->len >= cap) {
        pass_wipe(ps);
        return df_errorf(err, "the PIN for %s is too long", ps->key_path);
    }
    memcpy(pin, ps->pass, ps->len + 1);
    *len = ps->len;
    pass_wipe(ps);
    return 0;
}

/* The key through the PKCS#11 engine; the certificate from the token or cert_path. */
static int load_token(df_key *s, const df_key_options *opts, pass_state *ps, df_error *err)
{
    df_token_options to = {opts->key_path, opts->pkcs11_module, opts->cert_path == NULL, token_pin, ps};
    df_token_info info;
    void *pkey = NULL;
    if (opts->token_found && opts->token_found_n)
        opts->token_found[0] = 0;
    if (df_token_load(&to, &info, &pkey, &s->engine, s->engine_uri, sizeof s->engine_uri, err) != 0)
        return -1;
    s->pkey = pkey;
    if (opts->token_found && opts->token_found_n)
        snprintf(opts->token_found, opts->token_found_n, "token '%s' (%s %s, serial %s) in %s: %s, key found",
                 info.label, info.manufacturer, info.model, info.serial, info.module,
                 info.logged_in ? "PIN accepted" : "no PIN needed");
    int rc = 0;
    if (opts->cert_path) {
        BIO *cb = BIO_new_file(opts->cert_path, "r");
        if (!cb)
            rc = df_error_errno(err, "cannot open certificate file %s", opts->cert_path);
        else if (read_certs(s, cb), !s->cert)
            rc = df_errorf(err, "%s holds no readable PEM certificate — damaged or another format?",
                           opts->cert_path);
    } else {
        const unsigned char *p = info.cert_der;
        if (!(s->cert = d2i_X509(NULL, &p, (long)info.cert_len)))
            rc = df_errorf(err, "the certificate on token '%s' is not readable X.509", info.label);
    }
    ERR_clear_error();
    df_token_info_free(&info);
    return rc;
}

long df_key_days_left(const df_key *k, char *not_after, size_t n)
{
    const ASN1_TIME *na = X509_get0_notAfter(k->cert);
    int days = 0, secs = 0;
    if (not_after)
        format_asn1_time(na, not_after, n);
    if (!ASN1_TIME_diff(&days, &secs, NULL, na))
        return 0;
    return days - (secs < 0);
}

/* Every command that loads the key says so when the certificate is near its end. */
static void warn_expiry(const df_key *s, const df_key_options *opts, const char *where)
{
    char when[64];
    long days = df_key_days_left(s, when, sizeof when);
    if (!opts->warn || days >= DF_KEY_EXPIRY_WARN_DAYS)
        return;
    char msg[1200];
    snprintf(msg, sizeof msg, "the certificate in %s (CN %s) expires on %s, in %ld day%s: renew it with the CA "
             "(NETCA 网证通) before then, or uploads will be refused", where, s->cn, when, days, days == 1 ? "" : "s");
    if (opts->warn == stderr)
        df_log_warn("%s", msg);
    else
        fprintf(opts->warn, "drugflow: warning: %s\n", msg);
}

/* Before a private key or passphrase is in memory: no core dump can hold
 * them (RLIMIT_CORE 0), and the process is not dumpable (no core, no
 * ptrace attach by the same user, /proc/PID/mem closed). Best effort. */
static void protect_key_memory(void)
{
    struct rlimit no_core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &no_core);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int df_key_load(df_key **out, const df_key_options *opts, df_error *err)
{
    *out = NULL;
    protect_key_memory();
    if (!opts || !opts->key_path || !opts->key_path[0])
        return df_errorf(err, "no key file given (a .p12/.pfx, or a PEM key with its certificate)");
    const char *kp = opts->key_path;
    int token = df_token_is_uri(kp);
    unsigned char *data = NULL;
    size_t len = 0;
    if (!token && read_private_file(kp, "key file", opts->allow_open_perms, &data, &len, err) != 0)
        return -1;
    df_key *s = calloc(1, sizeof *s);
    pass_state *ps = OPENSSL_secure_zalloc(sizeof *ps);
    if (!s || !ps) {
        free(s);
        if (data)
            OPENSSL_secure_clear_free(data, len + 1);
        return df_errorf(err, "%s: out of memory", kp);
    }
    ps->opts = opts;
    ps->key_path = kp;
    ps->secret = token ? "PIN" : "passphrase";
    ps->err = err;
    int is_pem = opts->cert_path != NULL || (len >= 10 && memmem(data, len, "-----BEGIN", 10));
    int rc = token    ? load_token(s, opts, ps, err)
             : is_pem ? load_pem(s, kp, data, len, opts->cert_path, ps, err)
                      : load_pkcs12(s, kp, data, len, ps, err);
    pass_wipe(ps);
    OPENSSL_secure_clear_free(ps, sizeof *ps);
    if (data)
        OPENSSL_secure_clear_free(data, len + 1);
    ERR_clear_error();
    if (rc == 0)
        rc = check_key_and_cert(s, kp, opts->cert_path, opts->kind, opts->inspect, err);
    if (rc == 0)
        rc = precompute(s, kp, err);
    if (rc != 0) {
        df_key_free(s);
        return -1;
    }
    warn_expiry(s, opts, opts->cert_path ? opts->cert_path : kp);
    *out = s;
    return 0;
}

void df_key_free(df_key *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->pkey);
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    free(s->cert_b64);
    df_token_release(s->engine); /* after the key it holds */
    free(s);
}

const char *df_key_subject_cn(const df_key *s)
{
    return s->cn;
}

/* ---- export for the TLS client -------------------------------------- */

static int bio_to_string(BIO *b, char **out, size_t *out_len)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n <= 0)
        return -1;
    char *c = malloc((size_t)n + 1);
    if (!c)
        return -1;
    memcpy(c, p, (size_t)n);
    c[n] = 0;
    *out = c;
    *out_len = (size_t)n;
    return 0;
}

int df_key_export_pem(const df_key *s, char **key_pem, size_t *key_len, char **cert_pem,
                         size_t *cert_len, df_error *err)
{
    *key_pem = *cert_pem = NULL;
    *key_len = *cert_len = 0;
    if (s->engine)
        return df_errorf(err, "the key is on token %s and cannot be exported: use it through the engine",
                         s->engine_uri);
    /* The secure-memory BIO wipes its buffer when freed. */
    BIO *kb = BIO_new(BIO_s_secmem());
    BIO *cb = BIO_new(BIO_s_mem());
    int rc = -1;
    if (!kb || !cb || !PEM_write_bio_PrivateKey(kb, s->pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, s->cert))
        goto out;
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
        if (!PEM_write_bio_X509(cb, sk_X509_value(s->chain, i)))
            goto out;
    if (bio_to_string(kb, key_pem, key_len) != 0 || bio_to_string(cb, cert_pem, cert_len) != 0)
        goto out;
    rc = 0;
out:
    BIO_free(kb);
    BIO_free(cb);
    ERR_clear_error();
    if (rc != 0) {
        if (*key_pem) {
            OPENSSL_cleanse(*key_pem, *key_len);
            free(*key_pem);
        }
        free(*cert_pem);
        *key_pem = *cert_pem = NULL;
        *key_len = *cert_len = 0;
        return df_errorf(err, "cannot export the key and certificate as PEM: out of memory");
    }
    return 0;
}

int df_key_chain_count(const df_key *k)
{
    return k->chain ? sk_X509_num(k->chain) : 0;
}

struct x509_st *df_key_chain_cert(const df_key *k, int i)
{
    return sk_X509_value(k->chain, i);
}

struct evp_pkey_st *df_key_pkey(const df_key *k)
{
    return k->pkey;
}

struct x509_st *df_key_cert(const df_key *k)
{
    return k->cert;
}

struct stack_st_X509 *df_key_chain(const df_key *k)
{
    return k->chain;
}

const char *df_key_cert_b64(const df_key *k, size_t *len)
{
    *len = k->cert_b64_len;
    return k->cert_b64;
}

int df_key_export_cert_pem(const df_key *s, char **cert_pem, size_t *cert_len, df_error *err)
{
    *cert_pem = NULL;
    *cert_len = 0;
    BIO *cb = BIO_new(BIO_s_mem());
    int ok = cb && PEM_write_bio_X509(cb, s->cert);
    for (int i = 0; ok && s->chain && i < sk_X509_num(s->chain); i++)
        ok = PEM_write_bio_X509(cb, sk_X509_value(s->chain, i));
    ok = ok && bio_to_string(cb, cert_pem, cert_len) == 0;
    BIO_free(cb);
    ERR_clear_error();
    return ok ? 0 : df_errorf(err, "cannot export the certificate as PEM: out of memory");
}

const char *df_key_engine_uri(const df_key *k)
{
    return k->engine ? k->engine_uri : NULL;
}
