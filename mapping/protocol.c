/* mapping/protocol.c — loading and checking the profile's `protocol:` and
 * `signature:` sections; see protocol.h. Each key is one row of a table:
 * where it goes, what kind of name it is, and so how it is checked. */
#include "mapping/protocol.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "base/yaml_doc.h"
#include "writer/sigalg.h"

/* ---- what a value may be ---------------------------------------------- */

typedef enum {
    K_XML,   /* an XML name (element or attribute): libxml2's NCName rule */
    K_FORM,  /* an HTTP form field or part name */
    K_TOKEN, /* a text value on the wire (states, ops, booleans): no spaces, no markup */
    K_TYPE,  /* a MIME content type */
    K_INT,
} kind;

typedef struct row {
    const char *key;
    kind k;
    size_t off, size; /* char[size] at off; for K_INT an int at off, size = max */
    long min;
} row;

int df_protocol_xml_name_ok(const char *s)
{
    return s && *s && xmlValidateNCName((const xmlChar *)s, 0) == 0;
}

static int form_name_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-' || *c == '.' || *c == '[' || *c == ']'))
            return 0;
    return 1;
}

/* Printable, no spaces at the ends, nothing that needs escaping in XML. */
static int token_ok(const char *s, int allow_inner_space)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '<' || *c == '>' || *c == '&' || *c == '"' || *c == '\'' ||
            (*c == ' ' && !allow_inner_space))
            return 0;
    return 1;
}

static int type_ok(const char *s)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash == s || !slash[1] || !token_ok(s, 1))
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c >= 0x80)
            return 0;
    return 1;
}

static const char *const kind_what[] = {
    [K_XML] = "an XML name (an NCName: a letter or _ first, no spaces, no ':')",
    [K_FORM] = "a form field name (letters, digits, _ - . [ ])",
    [K_TOKEN] = "a value without spaces, quotes or < > &",
    [K_TYPE] = "a content type such as type/subtype",
};

static int load_rows(df_yaml *y, df_ynode *map, const char *what, const row *rows, size_t nrows, void *base,
                     df_error *err)
{
    const char *keys[48];
    for (size_t i = 0; i < nrows; i++)
        keys[i] = rows[i].key;
    keys[nrows] = NULL;
    if (!map)
        return df_yaml_fail(y, NULL, err, "the profile needs %s", what);
    if (df_yaml_check_keys(y, map, keys, what, err) != 0)
        return -1;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        df_ynode *v = df_yaml_get(y, map, r->key);
        if (!v)
            return df_yaml_fail(y, map, err, "%s needs '%s'", what, r->key);
        if (r->k == K_INT) {
            long l;
            if (df_yaml_long(y, v, r->min, (long)r->size, &l, err) != 0)
                return -1;
            *(int *)((char *)base + r->off) = (int)l;
            continue;
        }
        const char *s = df_yaml_str(v);
        int ok = r->k == K_XML ? df_protocol_xml_name_ok(s) : r->k == K_FORM ? form_name_ok(s)
               : r->k == K_TYPE ? type_ok(s) : token_ok(s, 0);
        if (!ok)
            return df_yaml_fail(y, v, err, "'%s' of %s is '%s', which is not %s", r->key, what, s ? s : "(not a text)",
                                kind_what[r->k]);
        if (strlen(s) >= r->size)
            return df_yaml_fail(y, v, err, "'%s' is longer than %zu bytes", r->key, r->size - 1);
        memcpy((char *)base + r->off, s, strlen(s) + 1);
    }
    return 0;
}

/* ---- protocol: requests, answer, codes, states ------------------------- */

#define P(f) offsetof(df_protocol, f), sizeof(((df_protocol *)0)->f)
#define PN(i) offsetof(df_protocol, names) + (size_t)(i) * DF_PROTO_NAME_MAX, DF_PROTO_NAME_MAX
#define PO(i) offsetof(df_protocol, ops) + (size_t)(i) * DF_PROTO_NAME_MAX, DF_PROTO_NAME_MAX

static const row request_rows[] = {
    {"catalog_version", K_FORM, P(catalog_version), 0},
    {"results_file_id", K_FORM, P(results_file_id), 0},
    {"results_since", K_FORM, P(results_since), 0},
    {"results_max_ids", K_INT, offsetof(df_protocol, results_max_ids), DF_MAX_IDS_PER_REQUEST, 1},
    {"upload_part", K_FORM, P(upload_part), 0},
    {"upload_content_type", K_TYPE, P(upload_content_type), 0},
};

static const row answer_rows[] = {
    {"content_type", K_TYPE, P(content_type), 0},
    {"root", K_XML, PN(DF_AN_ROOT), 0},
    {"code", K_XML, PN(DF_AN_CODE), 0},
    {"message", K_XML, PN(DF_AN_MESSAGE), 0},
    {"file_id", K_XML, PN(DF_AN_FILE_ID), 0},
    {"duplicate", K_XML, PN(DF_AN_DUPLICATE), 0},
    {"duplicate_true", K_TOKEN, P(duplicate_true), 0},
    {"duplicate_false", K_TOKEN, P(duplicate_false), 0},
    {"version", K_XML, PN(DF_AN_VERSION), 0},
    {"op_attribute", K_XML, PN(DF_AN_OP), 0},
    {"op_add", K_TOKEN, PO(DF_CATOP_ADD), 0},
    {"op_update", K_TOKEN, PO(DF_CATOP_UPDATE), 0},
    {"op_delete", K_TOKEN, PO(DF_CATOP_DELETE), 0},
    {"files", K_XML, PN(DF_AN_FILES), 0},
    {"file", K_XML, PN(DF_AN_FILE), 0},
    {"file_name", K_XML, PN(DF_AN_FILE_NAME), 0},
    {"received_at", K_XML, PN(DF_AN_RECEIVED_AT), 0},
    {"status", K_XML, PN(DF_AN_STATUS), 0},
    {"total", K_XML, PN(DF_AN_TOTAL), 0},
    {"passed", K_XML, PN(DF_AN_PASSED), 0},
    {"failed", K_XML, PN(DF_AN_FAILED), 0},
    {"errors", K_XML, PN(DF_AN_ERRORS), 0},
    {"error", K_XML, PN(DF_AN_ERROR), 0},
    {"error_seq", K_XML, PN(DF_AN_ERROR_SEQ), 0},
    {"error_code", K_XML, PN(DF_AN_ERROR_CODE), 0},
    {"errors_max", K_INT, offsetof(df_protocol, errors_max), DF_MAX_ERRORS_PER_FILE, 1},
};

#define S(i) offsetof(df_protocol, states) + (size_t)(i) * DF_PROTO_NAME_MAX, DF_PROTO_NAME_MAX
static const row state_rows[] = {
    {"pending", K_TOKEN, S(DF_STATE_PENDING), 0},       {"processing", K_TOKEN, S(DF_STATE_PROCESSING), 0},
    {"passed", K_TOKEN, S(DF_STATE_PASSED), 0},         {"partial", K_TOKEN, S(DF_STATE_PARTIAL), 0},
    {"failed", K_TOKEN, S(DF_STATE_FAILED), 0},
};

static const char *const class_names[DF_CODE_CLASS_COUNT] = {"ok", "transient", "permanent", "archived"};
static const char *const means_names[DF_MEANS_COUNT] = {"ok", "not_registered", "bad_request", "too_large",
                                                        "bad_xml", "archived", "busy"};
/* The class a situation's code must have (a busy server is worth a retry). */
static const df_code_class means_class[DF_MEANS_COUNT] = {DF_CODE_OK, DF_CODE_PERMANENT, DF_CODE_PERMANENT,
                                                          DF_CODE_PERMANENT, DF_CODE_PERMANENT, DF_CODE_ARCHIVED,
                                                          DF_CODE_TRANSIENT};

static int pick(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

static int load_code(df_protocol *p, df_yaml *y, df_ynode *kn, df_ynode *vn, df_error *err)
{
    static const char *const keys[] = {"class", "means", "stop", "advice", NULL};
    long code;
    if (df_yaml_long(y, kn, 0, 0x7fffffff, &code, err) != 0)
        return -1;
    if (df_protocol_code(p, (int)code))
        return df_yaml_fail(y, kn, err, "code %ld is listed twice", code);
    if (p->ncodes >= DF_MAX_CODES)
        return df_yaml_fail(y, kn, err, "more than %d codes", DF_MAX_CODES);
    if (df_yaml_check_keys(y, vn, keys, "a code", err) != 0)
        return -1;
    df_code_def *c = &p->codes[p->ncodes];
    memset(c, 0, sizeof *c);
    c->code = (int)code;
    df_ynode *cl = df_yaml_get(y, vn, "class"), *mn = df_yaml_get(y, vn, "means"), *st = df_yaml_get(y, vn, "stop"),
             *ad = df_yaml_get(y, vn, "advice");
    int k = pick(class_names, DF_CODE_CLASS_COUNT, df_yaml_str(cl));
    if (k < 0)
        return df_yaml_fail(y, cl ? cl : vn, err, "code %ld needs a 'class': ok, transient, permanent or archived",
                            code);
    c->cls = (df_code_class)k;
    c->means = -1;
    if (mn) {
        c->means = pick(means_names, DF_MEANS_COUNT, df_yaml_str(mn));
        if (c->means < 0)
            return df_yaml_fail(y, mn, err, "unknown 'means' '%s' (ok, not_registered, bad_request, too_large, "
                                "bad_xml, archived, busy)", df_yaml_str(mn) ? df_yaml_str(mn) : "?");
        if (p->means_code[c->means] >= 0)
            return df_yaml_fail(y, mn, err, "code %d already means %s", p->codes[p->means_code[c->means]].code,
                                means_names[c->means]);
        if (means_class[c->means] != c->cls)
            return df_yaml_fail(y, cl, err, "a code that means %s has class %s, not %s", means_names[c->means],
                                class_names[means_class[c->means]], class_names[c->cls]);
        p->means_code[c->means] = p->ncodes;
    }
    if (st && df_yaml_bool(y, st, &c->stop, err) != 0)
        return -1;
    if (ad) {
        const char *a = df_yaml_str(ad);
        if (!a || strlen(a) >= sizeof c->advice)
            return df_yaml_fail(y, ad, err, "'advice' is a text of at most %zu bytes", sizeof c->advice - 1);
        snprintf(c->advice, sizeof c->advice, "%s", a);
    }
    p->ncodes++;
    return 0;
}

static int load_codes(df_protocol *p, df_yaml *y, df_ynode *codes, df_error *err)
{
    if (!df_yaml_is_map(codes) || df_yaml_map_len(codes) == 0)
        return df_yaml_fail(y, codes, err, "'protocol: codes' maps each answer code to its class");
    for (int m = 0; m < DF_MEANS_COUNT; m++)
        p->means_code[m] = -1;
    for (size_t i = 0; i < df_yaml_map_len(codes); i++)
        if (load_code(p, y, df_yaml_map_key(y, codes, i), df_yaml_map_val(y, codes, i), err) != 0)
            return -1;
    for (int m = 0; m < DF_MEANS_COUNT; m++)
        if (p->means_code[m] < 0)
            return df_yaml_fail(y, codes, err, "no code means %s (drugflow-sim answers it; give one code "
                                "'means: %s')", means_names[m], means_names[m]);
    return 0;
}

/* Values that must differ from each other, as the reader could not tell them apart. */
static int distinct(df_yaml *y, df_ynode *at, const char *what, const char (*v)[DF_PROTO_NAME_MAX], int n,
                    df_error *err)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(v[i], v[j]))
                return df_yaml_fail(y, at, err, "two %s are both '%s'", what, v[i]);
    return 0;
}

int df_protocol_load(df_protocol *p, df_yaml *y, void *node, df_error *err)
{
    static const char *const keys[] = {"requests", "answer", "codes", "states", NULL};
    df_ynode *n = node;
    memset(p, 0, sizeof *p);
    if (!n)
        return df_yaml_fail(y, NULL, err, "the profile needs 'protocol' (requests, answer, codes, states)");
    if (df_yaml_check_keys(y, n, keys, "'protocol'", err) != 0)
        return -1;
    df_ynode *an = df_yaml_get(y, n, "answer"), *sn = df_yaml_get(y, n, "states");
    if (load_rows(y, df_yaml_get(y, n, "requests"), "'protocol: requests'", request_rows,
                  sizeof request_rows / sizeof *request_rows, p, err) != 0 ||
        load_rows(y, an, "'protocol: answer'", answer_rows, sizeof answer_rows / sizeof *answer_rows, p, err) != 0 ||
        load_codes(p, y, df_yaml_get(y, n, "codes"), err) != 0 ||
        load_rows(y, sn, "'protocol: states'", state_rows, sizeof state_rows / sizeof *state_rows, p, err) != 0)
        return -1;
    if (!strcmp(p->duplicate_true, p->duplicate_false))
        return df_yaml_fail(y, an, err, "duplicate_true and duplicate_false are both '%s'", p->duplicate_true);
    if (distinct(y, an, "catalog ops", p->ops, DF_CATOP_COUNT, err) != 0 ||
        distinct(y, sn, "states", p->states, DF_STATE_COUNT, err) != 0)
        return -1;
    /* Elements a reader tells apart by name within one parent. */
    static const df_answer_name in_file[] = {DF_AN_FILE_ID, DF_AN_FILE_NAME, DF_AN_RECEIVED_AT, DF_AN_STATUS,
                                             DF_AN_TOTAL, DF_AN_PASSED, DF_AN_FAILED, DF_AN_ERRORS};
    static const df_answer_name in_root[] = {DF_AN_CODE, DF_AN_MESSAGE, DF_AN_FILE_ID, DF_AN_DUPLICATE,
                                             DF_AN_VERSION, DF_AN_FILES};
    char tmp[16][DF_PROTO_NAME_MAX];
    size_t k = 0;
    for (size_t i = 0; i < sizeof in_file / sizeof *in_file; i++)
        snprintf(tmp[k++], DF_PROTO_NAME_MAX, "%s", p->names[in_file[i]]);
    if (distinct(y, an, "elements of a results file", (const char(*)[DF_PROTO_NAME_MAX])tmp, (int)k, err) != 0)
        return -1;
    k = 0;
    for (size_t i = 0; i < sizeof in_root / sizeof *in_root; i++)
        snprintf(tmp[k++], DF_PROTO_NAME_MAX, "%s", p->names[in_root[i]]);
    if (distinct(y, an, "elements of an answer", (const char(*)[DF_PROTO_NAME_MAX])tmp, (int)k, err) != 0)
        return -1;
    if (!strcmp(p->names[DF_AN_ERROR_SEQ], p->names[DF_AN_ERROR_CODE]))
        return df_yaml_fail(y, an, err, "error_seq and error_code are both '%s'", p->names[DF_AN_ERROR_SEQ]);
    return 0;
}

/* ---- lookups ----------------------------------------------------------- */

const df_code_def *df_protocol_code(const df_protocol *p, int code)
{
    for (int i = 0; i < p->ncodes; i++)
        if (p->codes[i].code == code)
            return &p->codes[i];
    return NULL;
}

df_code_class df_protocol_class(const df_protocol *p, int code)
{
    const df_code_def *c = df_protocol_code(p, code);
    return c ? c->cls : DF_CODE_PERMANENT;
}

const char *df_protocol_advice(const df_protocol *p, int code)
{
    const df_code_def *c = df_protocol_code(p, code);
    return c ? (c->advice[0] ? c->advice : "no advice in the profile") : "unknown code (not in the profile)";
}

int df_protocol_means(const df_protocol *p, df_code_means m)
{
    return p->codes[p->means_code[m]].code;
}

int df_protocol_state(const df_protocol *p, const char *name)
{
    for (int i = 0; i < DF_STATE_COUNT; i++)
        if (!strcmp(p->states[i], name))
            return i;
    return -1;
}

int df_protocol_op(const df_protocol *p, const char *value)
{
    for (int i = 0; i < DF_CATOP_COUNT; i++)
        if (!strcmp(p->ops[i], value))
            return i;
    return -1;
}

/* ---- signature --------------------------------------------------------- */

static const char *const sig_names[DF_SIG_COUNT] = {"rsa-sha256", "rsa-sha1", "rsa-sha512", "sm2-sm3"};
static const char *const digest_names[DF_DIGEST_COUNT] = {"sha256", "sha1", "sha512", "sm3"};
static const size_t digest_sizes[DF_DIGEST_COUNT] = {32, 20, 64, 32};

const char *df_sig_alg_name(df_sig_alg a) { return (unsigned)a < DF_SIG_COUNT ? sig_names[a] : "?"; }
const char *df_digest_alg_name(df_digest_alg a) { return (unsigned)a < DF_DIGEST_COUNT ? digest_names[a] : "?"; }
size_t df_digest_alg_size(df_digest_alg a) { return (unsigned)a < DF_DIGEST_COUNT ? digest_sizes[a] : 0; }

static int get_uri(df_signature_def *s, df_yaml *y, df_ynode *n, const char *key, df_sigalg_role role, char *dst,
                   df_error *err)
{
    df_ynode *v = df_yaml_get(y, n, key);
    const char *u = df_yaml_str(v);
    if (!v || !u)
        return df_yaml_fail(y, v ? v : n, err, "'signature' needs '%s', a URI", key);
    if (strlen(u) >= DF_URI_MAX)
        return df_yaml_fail(y, v, err, "'%s' is longer than %d bytes", key, DF_URI_MAX - 1);
    char why[400];
    if (df_sigalg_check_uri(s, role, u, why, sizeof why) != 0)
        return df_yaml_fail(y, v, err, "%s: %s", key, why);
    snprintf(dst, DF_URI_MAX, "%s", u);
    return 0;
}

static int load_sm2(df_signature_def *s, df_yaml *y, df_ynode *n, df_error *err)
{
    df_ynode *id = df_yaml_get(y, n, "sm2_id"), *fm = df_yaml_get(y, n, "sm2_value");
    if (s->algorithm != DF_SIG_SM2_SM3) {
        if (id || fm)
            return df_yaml_fail(y, id ? id : fm, err, "sm2_id and sm2_value apply to algorithm sm2-sm3 only");
        return 0;
    }
    const char *ids = df_yaml_str(id), *fms = df_yaml_str(fm);
    if (!ids || !*ids || strlen(ids) >= DF_SM2_ID_MAX)
        return df_yaml_fail(y, id ? id : n, err, "sm2-sm3 needs 'sm2_id', the signer's distinguishing ID (GM/T 0009 "
                            "default \"1234567812345678\"), at most %d bytes", DF_SM2_ID_MAX - 1);
    snprintf(s->sm2_id, sizeof s->sm2_id, "%s", ids);
    if (fms && !strcmp(fms, "der"))
        s->sm2_format = DF_SM2_DER;
    else if (fms && !strcmp(fms, "raw"))
        s->sm2_format = DF_SM2_RAW;
    else
        return df_yaml_fail(y, fm ? fm : n, err, "sm2-sm3 needs 'sm2_value': der (the ASN.1 SEQUENCE of r and s) or "
                            "raw (r||s, 64 bytes)");
    return 0;
}

int df_signature_load(df_signature_def *s, df_yaml *y, void *node, df_error *err)
{
    static const char *const keys[] = {"algorithm", "digest", "namespace", "canonicalization", "enveloped_transform",
                                       "signature_method", "digest_method", "key_info", "sm2_id", "sm2_value", NULL};
    df_ynode *n = node;
    memset(s, 0, sizeof *s);
    if (!n)
        return df_yaml_fail(y, NULL, err, "the profile needs 'signature' (algorithm, digest, URIs, key_info)");
    if (df_yaml_check_keys(y, n, keys, "'signature'", err) != 0)
        return -1;
    df_ynode *an = df_yaml_get(y, n, "algorithm"), *dn = df_yaml_get(y, n, "digest"), *kn = df_yaml_get(y, n, "key_info");
    int a = pick(sig_names, DF_SIG_COUNT, df_yaml_str(an));
    if (a < 0)
        return df_yaml_fail(y, an ? an : n, err, "'algorithm' is rsa-sha256, rsa-sha1, rsa-sha512 or sm2-sm3");
    int d = pick(digest_names, DF_DIGEST_COUNT, df_yaml_str(dn));
    if (d < 0)
        return df_yaml_fail(y, dn ? dn : n, err, "'digest' is sha256, sha1, sha512 or sm3");
    s->algorithm = (df_sig_alg)a;
    s->digest = (df_digest_alg)d;
    if (s->digest == DF_DIGEST_SM3 && s->algorithm != DF_SIG_SM2_SM3)
        return df_yaml_fail(y, dn, err, "digest sm3 goes with algorithm sm2-sm3 only (RSA signatures are checked "
                            "by libxmlsec1, which has no SM3)");
    const char *ki = df_yaml_str(kn);
    if (ki && !strcmp(ki, "certificate"))
        s->key_info = DF_KEYINFO_CERTIFICATE;
    else if (ki && !strcmp(ki, "chain"))
        s->key_info = DF_KEYINFO_CHAIN;
    else
        return df_yaml_fail(y, kn ? kn : n, err, "'key_info' is certificate (the signer's only) or chain (the "
                            "signer's, then the issuers' from the key file)");
    if (get_uri(s, y, n, "namespace", DF_ROLE_NAMESPACE, s->ns, err) != 0 ||
        get_uri(s, y, n, "canonicalization", DF_ROLE_C14N, s->c14n_uri, err) != 0 ||
        get_uri(s, y, n, "enveloped_transform", DF_ROLE_ENVELOPED, s->enveloped_uri, err) != 0 ||
        get_uri(s, y, n, "signature_method", DF_ROLE_METHOD, s->method_uri, err) != 0 ||
        get_uri(s, y, n, "digest_method", DF_ROLE_DIGEST, s->digest_uri, err) != 0)
        return -1;
    s->c14n = (df_c14n_alg)df_sigalg_c14n_of(s->c14n_uri);
    if (!strcmp(s->method_uri, s->digest_uri))
        return df_yaml_fail(y, df_yaml_get(y, n, "digest_method"), err, "the signature and digest methods are the "
                            "same URI");
    return load_sm2(s, y, n, err);
}
