/* writer/token.c — keys on USB tokens: the token checked through its
 * PKCS#11 module (p11-kit), the key loaded through the OpenSSL PKCS#11
 * engine; see token.h. */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API: the PKCS#11 engine is one */
#include "writer/token.h"

#include "writer/key.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#define PIN_MAX 256
#define MAX_SLOTS 64
#define MAX_LISTED 8

int df_token_is_uri(const char *key)
{
    return key && !strncasecmp(key, "pkcs11:", 7);
}

void df_token_info_free(df_token_info *info)
{
    free(info->cert_der);
    info->cert_der = NULL;
    info->cert_len = 0;
}

/* A blank-padded PKCS#11 text field as a C string. */
static void padded(const unsigned char *p, size_t n, char *out)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == 0))
        n--;
    memcpy(out, p, n);
    out[n] = 0;
}

/* ---- the URI ---------------------------------------------------------- */

static int parse_uri(const df_token_options *o, P11KitUri **out, df_token_info *info, df_error *err)
{
    P11KitUri *u = p11_kit_uri_new();
    if (!u)
        return df_errorf(err, "out of memory");
    int r = p11_kit_uri_parse(o->uri, P11_KIT_URI_FOR_ANY, u);
    if (r != P11_KIT_URI_OK) {
        p11_kit_uri_free(u);
        return df_errorf(err, "certificate.key '%.200s' is not a PKCS#11 URI (%s); the form is "
                         "pkcs11:token=LABEL;object=KEY-LABEL (RFC 7512)", o->uri, p11_kit_uri_message(r));
    }
    const char *why = NULL;
    CK_ATTRIBUTE *cls = p11_kit_uri_get_attribute(u, CKA_CLASS);
    CK_OBJECT_CLASS c = CKO_PRIVATE_KEY;
    if (p11_kit_uri_get_pin_value(u) || p11_kit_uri_get_pin_source(u))
        why = "holds the PIN (pin-value or pin-source): the configuration, environment and command line "
              "are no place for it; remove it and give the PIN through certificate.passphrase_env, "
              "passphrase_file or the prompt";
    else if (cls && cls->ulValueLen == sizeof c && memcmp(cls->pValue, &c, sizeof c))
        why = "names an object that is not a private key: use type=private, or leave type out";
    else if (p11_kit_uri_get_module_name(u) && !p11_kit_uri_get_module_path(u) && !o->module)
        why = "names a module by name only: give its file, certificate.pkcs11_module or module-path=";
    if (why) {
        p11_kit_uri_free(u);
        return df_errorf(err, "certificate.key (a PKCS#11 URI) %s", why);
    }
    const char *mod = o->module && o->module[0] ? o->module : p11_kit_uri_get_module_path(u);
    if (!mod || !mod[0]) {
        p11_kit_uri_free(u);
        return df_errorf(err, "the key is on a token (%.200s), but no PKCS#11 module is named: set "
                         "certificate.pkcs11_module (or DRUGFLOW_PKCS11_MODULE) to the token's driver, e.g. "
                         "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so or the vendor's library", o->uri);
    }
    snprintf(info->module, sizeof info->module, "%s", mod);
    if (access(info->module, R_OK) != 0) {
        p11_kit_uri_free(u);
        return df_error_errno(err, "the PKCS#11 module %s cannot be read (install the token's driver — the "
                              "vendor's, or opensc — and check certificate.pkcs11_module)", info->module);
    }
    *out = u;
    return 0;
}

/* ---- the token, through its module ------------------------------------ */

typedef struct session {
    CK_FUNCTION_LIST *f;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE h;
    int open, logged_in;
    P11KitUri *uri;
    const df_token_options *o;
    df_token_info *info;
} session;

/* "'A' (serial 1), 'B' (serial 2)" for the messages. */
static void list_tokens(CK_FUNCTION_LIST *f, const CK_SLOT_ID *slots, CK_ULONG n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (CK_ULONG i = 0; i < n && i < MAX_LISTED && o + 1 < cap; i++) {
        CK_TOKEN_INFO ti;
        char label[33], serial[17];
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || !(ti.flags & CKF_TOKEN_INITIALIZED))
            continue;
        padded(ti.label, sizeof ti.label, label);
        padded(ti.serialNumber, sizeof ti.serialNumber, serial);
        o += (size_t)snprintf(out + o, cap - o, "%s'%s' (serial %s)", o ? ", " : "", label, serial);
    }
}

/* The one slot whose token the URI matches. */
static int find_slot(session *s, CK_TOKEN_INFO *ti, df_error *err)
{
    CK_SLOT_ID slots[MAX_SLOTS];
    CK_ULONG n = MAX_SLOTS;
    CK_RV rv = s->f->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK)
        return df_errorf(err, "the PKCS#11 module %s cannot list its slots (%s)", s->info->module,
                         p11_kit_strerror(rv));
    int matches = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO t;
        if (s->f->C_GetTokenInfo(slots[i], &t) == CKR_OK && p11_kit_uri_match_token_info(s->uri, &t)) {
            if (!matches++) {
                s->slot = slots[i];
                *ti = t;
            }
        }
    }
    char present[512];
    list_tokens(s->f, slots, n, present, sizeof present);
    if (matches == 0)
        return df_errorf(err, "no token matching %.200s in %s: is the USB key plugged in? %s%s", s->o->uri,
                         s->info->module, n ? "Tokens present: " : "No token is present.", present);
    if (matches > 1)
        return df_errorf(err, "%d tokens match %.200s (%s): name one with token=LABEL or serial=", matches,
                         s->o->uri, present);
    padded(ti->label, sizeof ti->label, s->info->label);
    padded(ti->serialNumber, sizeof ti->serialNumber, s->info->serial);
    padded(ti->manufacturerID, sizeof ti->manufacturerID, s->info->manufacturer);
    padded(ti->model, sizeof ti->model, s->info->model);
    return 0;
}

/* The token's own flags, before a PIN is risked. */
static int check_flags(const session *s, const CK_TOKEN_INFO *ti, df_error *err)
{
    const char *l = s->info->label;
    if (!(ti->flags & CKF_TOKEN_INITIALIZED))
        return df_errorf(err, "token '%s' is not initialised: set it up with the vendor's tool first", l);
    if (ti->flags & CKF_USER_PIN_LOCKED)
        return df_errorf(err, "the PIN of token '%s' is locked (too many wrong PINs): unlock it with the "
                         "vendor's tool (the SO PIN or PUK, or ask NETCA), then try again", l);
    if (ti->flags & CKF_USER_PIN_FINAL_TRY)
        return df_errorf(err, "token '%s' allows one more PIN attempt before it locks: drugflow will not "
                         "risk it; check the PIN with the vendor's tool (a right PIN resets the count)", l);
    if (ti->flags & CKF_USER_PIN_TO_BE_CHANGED)
        return df_errorf(err, "token '%s' wants its PIN changed before use: change it with the vendor's tool", l);
    if ((ti->flags & CKF_LOGIN_REQUIRED) && !(ti->flags & CKF_USER_PIN_INITIALIZED))
        return df_errorf(err, "token '%s' has no user PIN yet: set one with the vendor's tool", l);
    return 0;
}

static int login(session *s, const CK_TOKEN_INFO *ti, df_error *err)
{
    if (!(ti->flags & CKF_LOGIN_REQUIRED)) {
        s->info->logged_in = 1;
        return 0;
    }
    char *pin = OPENSSL_secure_zalloc(PIN_MAX);
    size_t len = 0;
    if (!pin)
        return df_errorf(err, "out of memory");
    int pinpad = (ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0; /* a PIN pad on the key */
    if (!pinpad && s->o->get_pin(s->o->pin_ctx, pin, PIN_MAX, &len, err) != 0) {
        OPENSSL_secure_clear_free(pin, PIN_MAX);
        return -1;
    }
    CK_RV rv = s->f->C_Login(s->h, CKU_USER, pinpad ? NULL : (CK_UTF8CHAR *)pin, pinpad ? 0 : len);
    OPENSSL_secure_clear_free(pin, PIN_MAX);
    const char *l = s->info->label;
    CK_TOKEN_INFO now;
    int final = s->f->C_GetTokenInfo(s->slot, &now) == CKR_OK && (now.flags & CKF_USER_PIN_FINAL_TRY);
    s->info->pin_count_low = s->f->C_GetTokenInfo(s->slot, &now) == CKR_OK && (now.flags & CKF_USER_PIN_COUNT_LOW);
    switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN:
        s->logged_in = rv == CKR_OK;
        s->info->logged_in = 1;
        return 0;
    case CKR_PIN_INCORRECT:
        return df_errorf(err, "wrong PIN for token '%s'%s: check the PIN before trying again (the token "
                         "counts wrong PINs and locks after a few)", l,
                         final ? " (one attempt is left before it locks)" : "");
    case CKR_PIN_LOCKED:
        return df_errorf(err, "the PIN of token '%s' is locked (too many wrong PINs): unlock it with the "
                         "vendor's tool (the SO PIN or PUK, or ask NETCA), then try again", l);
    case CKR_PIN_LEN_RANGE:
        return df_errorf(err, "the PIN given for token '%s' has a length the token does not accept", l);
    default:
        return df_errorf(err, "logging in to token '%s' failed: %s", l, p11_kit_strerror(rv));
    }
}

/* The URI's object attributes (label, id) with the given class, as a search template. */
static CK_ULONG object_template(const session *s, CK_OBJECT_CLASS *cls, CK_ATTRIBUTE *t, CK_ULONG cap)
{
    CK_ULONG n = 0, na = 0;
    CK_ATTRIBUTE *a = p11_kit_uri_get_attributes(s->uri, &na);
    t[n++] = (CK_ATTRIBUTE){CKA_CLASS, cls, sizeof *cls};
    for (CK_ULONG i = 0; i < na && n < cap; i++)
        if (a[i].type == CKA_LABEL || a[i].type == CKA_ID)
            t[n++] = a[i];
    return n;
}

/* The objects of a class the URI matches: *count of them, the first in *obj. */
static int find_objects(session *s, CK_OBJECT_CLASS cls, int all, CK_OBJECT_HANDLE *obj, CK_ULONG max,
                        CK_ULONG *count)
{
    CK_ATTRIBUTE t[4];
    CK_ULONG n = all ? 1 : object_template(s, &cls, t, 4);
    if (all)
        t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    *count = 0;
    if (s->f->C_FindObjectsInit(s->h, t, n) != CKR_OK)
        return -1;
    CK_RV rv = s->f->C_FindObjects(s->h, obj, max, count);
    s->f->C_FindObjectsFinal(s->h);
    return rv == CKR_OK ? 0 : -1;
}

/* "'ent-a' (id 01), …": the objects of a class on the token. */
static void list_objects(session *s, CK_OBJECT_CLASS cls, char *out, size_t cap)
{
    CK_OBJECT_HANDLE objs[MAX_LISTED];
    CK_ULONG n = 0;
    size_t o = 0;
    snprintf(out, cap, "none");
    if (find_objects(s, cls, 1, objs, MAX_LISTED, &n) != 0)
        return;
    for (CK_ULONG i = 0; i < n && o + 1 < cap; i++) {
        char label[128] = "", id[64] = "";
        unsigned char raw[32];
        CK_ATTRIBUTE a[2] = {{CKA_LABEL, label, sizeof label - 1}, {CKA_ID, raw, sizeof raw}};
        if (s->f->C_GetAttributeValue(s->h, objs[i], a, 2) != CKR_OK)
            continue;
        label[a[0].ulValueLen < sizeof label ? a[0].ulValueLen : 0] = 0;
        for (CK_ULONG k = 0; k < a[1].ulValueLen && k < sizeof raw && 2 * k + 2 < sizeof id; k++)
            snprintf(id + 2 * k, 3, "%02x", raw[k]);
        o += (size_t)snprintf(out + o, cap - o, "%s'%s' (id %s)", o ? ", " : "", label, id);
    }
}

/* The private key the URI names, and the certificate if wanted. */
static int find_key_and_cert(session *s, df_error *err)
{
    CK_OBJECT_HANDLE h[2];
    CK_ULONG n = 0;
    char there[512];
    if (find_objects(s, CKO_PRIVATE_KEY, 0, h, 2, &n) != 0 || n == 0) {
        list_objects(s, CKO_PRIVATE_KEY, there, sizeof there);
        return df_errorf(err, "token '%s' holds no private key matching %.200s (its private keys: %s); name "
                         "it with object=LABEL or id=", s->info->label, s->o->uri, there);
    }
    if (n > 1)
        return df_errorf(err, "several private keys on token '%s' match %.200s: name one with object=LABEL "
                         "or id=", s->info->label, s->o->uri);
    if (!s->o->need_cert)
        return 0;
    if (find_objects(s, CKO_CERTIFICATE, 0, h, 1, &n) != 0 || n == 0) {
        list_objects(s, CKO_CERTIFICATE, there, sizeof there);
        return df_errorf(err, "token '%s' holds no certificate with the key's label or id (its certificates: "
                         "%s); give the certificate file as certificate.cert", s->info->label, there);
    }
    CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
    if (s->f->C_GetAttributeValue(s->h, h[0], &v, 1) != CKR_OK || v.ulValueLen == 0 || v.ulValueLen > (1u << 20) ||
        !(v.pValue = s->info->cert_der = malloc(v.ulValueLen)) ||
        s->f->C_GetAttributeValue(s->h, h[0], &v, 1) != CKR_OK)
        return df_errorf(err, "cannot read the certificate on token '%s'", s->info->label);
    s->info->cert_len = v.ulValueLen;
    return 0;
}

static int check_token(session *s, df_error *err)
{
    CK_TOKEN_INFO ti;
    if (find_slot(s, &ti, err) != 0 || check_flags(s, &ti, err) != 0)
        return -1;
    CK_RV rv = s->f->C_OpenSession(s->slot, CKF_SERIAL_SESSION, NULL, NULL, &s->h);
    if (rv != CKR_OK)
        return df_errorf(err, "cannot open a session on token '%s': %s", s->info->label, p11_kit_strerror(rv));
    s->open = 1;
    if (login(s, &ti, err) != 0)
        return -1;
    return find_key_and_cert(s, err);
}

int df_token_check(const df_token_options *o, df_token_info *info, df_error *err)
{
    memset(info, 0, sizeof *info);
    session s = {.o = o, .info = info};
    if (parse_uri(o, &s.uri, info, err) != 0)
        return -1;
    /* Loaded unmanaged and let go again before the engine loads the same module. */
    s.f = p11_kit_module_load(info->module, P11_KIT_MODULE_UNMANAGED);
    int rc = -1;
    if (!s.f) {
        df_errorf(err, "the PKCS#11 module %s does not load (%s): is it the token's driver for this system?",
                  info->module, p11_kit_message() ? p11_kit_message() : "no detail");
    } else {
        CK_RV rv = p11_kit_module_initialize(s.f);
        /* Already started: the engine holds the module for a key still loaded;
         * look, but leave it running. */
        int ours = rv == CKR_OK;
        if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
            df_errorf(err, "the PKCS#11 module %s does not start: %s", info->module, p11_kit_strerror(rv));
        else {
            rc = check_token(&s, err);
            if (s.logged_in)
                s.f->C_Logout(s.h);
            if (s.open)
                s.f->C_CloseSession(s.h);
            if (ours)
                p11_kit_module_finalize(s.f);
        }
        p11_kit_module_release(s.f);
    }
    p11_kit_uri_free(s.uri);
    if (rc != 0)
        df_token_info_free(info);
    return rc;
}

/* ---- the key, through the OpenSSL PKCS#11 engine ---------------------- */

static pthread_mutex_t engine_mu = PTHREAD_MUTEX_INITIALIZER;

/* The engine under the id libcurl looks up, with module and PIN set. */
static ENGINE *engine_open(const df_token_info *info, const char *pin, df_error *err)
{
    ENGINE *e = ENGINE_by_id(DF_TOKEN_ENGINE_ID);
    char why[256];
    if (!e) {
        ERR_clear_error();
        df_errorf(err, "the OpenSSL PKCS#11 engine is not installed: install libengine-pkcs11-openssl "
                  "(Debian) to use a key on a token");
        return NULL;
    }
    if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", info->module, 0) ||
        !ENGINE_ctrl_cmd(e, "QUIET", 0, NULL, NULL, 1) || !ENGINE_init(e)) {
        df_errorf(err, "the OpenSSL PKCS#11 engine does not start with %s (%s)", info->module,
                  df_openssl_reason(why, sizeof why));
        ENGINE_free(e);
        return NULL;
    }
    if (pin && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
        df_errorf(err, "the OpenSSL PKCS#11 engine refuses the PIN (%s)", df_openssl_reason(why, sizeof why));
        ENGINE_finish(e);
        ENGINE_free(e);
        return NULL;
    }
    ENGINE_add(e); /* where ENGINE_by_id (libcurl's) finds this one; fails harmlessly if there */
    ERR_clear_error();
    return e;
}

/* The PIN once more for the engine (the check logged out again). */
typedef struct pin_keep {
    const df_token_options *o;
    char *pin;
    size_t len;
    int have;
} pin_keep;

static int keep_pin(void *ctx, char *pin, size_t cap, size_t *len, df_error *err)
{
    pin_keep *k = ctx;
    if (!k->have) {
        if (k->o->get_pin(k->o->pin_ctx, k->pin, PIN_MAX, &k->len, err) != 0)
            return -1;
        k->have = 1;
    }
    if (k->len >= cap)
        return df_errorf(err, "the PIN is too long");
    memcpy(pin, k->pin, k->len + 1);
    *len = k->len;
    return 0;
}

int df_token_load(const df_token_options *o, df_token_info *info, void **pkey, void **engine, char *uri_out,
                  size_t uri_cap, df_error *err)
{
    *pkey = *engine = NULL;
    pin_keep k = {.o = o, .pin = OPENSSL_secure_zalloc(PIN_MAX)};
    if (!k.pin)
        return df_errorf(err, "out of memory");
    df_token_options checked = *o;
    checked.get_pin = keep_pin;
    checked.pin_ctx = &k;
    int rc = df_token_check(&checked, info, err);
    size_t ql = strcspn(o->uri, "?");
    if (rc == 0 && ql >= uri_cap)
        rc = df_errorf(err, "the PKCS#11 URI is too long");
    if (rc == 0) {
        snprintf(uri_out, uri_cap, "%.*s", (int)ql, o->uri);
        pthread_mutex_lock(&engine_mu);
        ENGINE *e = engine_open(info, k.have ? k.pin : NULL, err);
        EVP_PKEY *key = e ? ENGINE_load_private_key(e, uri_out, NULL, NULL) : NULL;
        pthread_mutex_unlock(&engine_mu);
        char why[256];
        if (e && !key) {
            df_errorf(err, "the OpenSSL PKCS#11 engine cannot load the key %s from token '%s' (%s)", uri_out,
                      info->label, df_openssl_reason(why, sizeof why));
            df_token_release(e);
        }
        rc = key ? 0 : -1;
        *pkey = key;
        *engine = key ? e : NULL;
    }
    OPENSSL_secure_clear_free(k.pin, PIN_MAX);
    if (rc != 0)
        df_token_info_free(info);
    return rc;
}

void df_token_release(void *engine)
{
    if (!engine)
        return;
    pthread_mutex_lock(&engine_mu);
    ENGINE_finish(engine);
    ENGINE_free(engine);
    pthread_mutex_unlock(&engine_mu);
}
