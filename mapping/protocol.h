/* mapping/protocol.h — the wire protocol and the signature as profile data
 * (INTERFACE.md §2, §3, §5, §6; profile sections `protocol:` and
 * `signature:`).
 *
 * drugflow and drugflow-sim read every name of a request and an answer,
 * every answer code with its class and advice, the server's file states and
 * the signature's namespace, algorithms and KeyInfo from the profile: the C
 * code knows only roles (the "code" element of an answer, the code that
 * means "busy", the state "passed") and mechanisms (RSA with SHA-256,
 * SM2 with SM3, Canonical XML 1.0). A profile that renames everything works
 * the same. The loader (protocol.c, called by df_profile_load) checks every
 * name, code and URI and says at which file, line and column a mistake is. */
#ifndef DF_MAPPING_PROTOCOL_H
#define DF_MAPPING_PROTOCOL_H

#include <stddef.h>

#define DF_PROTO_NAME_MAX 64
#define DF_PROTO_TEXT_MAX 128
#define DF_MAX_CODES 32
#define DF_MAX_IDS_PER_REQUEST 1000  /* the most a profile may allow per results request */
#define DF_MAX_ERRORS_PER_FILE 100   /* record errors kept per file (uploader/answer.h) */
#define DF_URI_MAX 256
#define DF_SM2_ID_MAX 64

/* What drugflow does with an answer code. */
typedef enum {
    DF_CODE_OK,        /* the request did what it asked */
    DF_CODE_TRANSIENT, /* retry later, with backoff */
    DF_CODE_PERMANENT, /* refused: not retried, reported with the advice */
    DF_CODE_ARCHIVED,  /* the period is archived: refused, the advice says how to get a deletion */
    DF_CODE_CLASS_COUNT
} df_code_class;

/* The situations drugflow-sim answers; each is one code of the profile. */
typedef enum {
    DF_MEANS_OK,
    DF_MEANS_NOT_REGISTERED, /* certificate not recognised / enterprise not registered */
    DF_MEANS_BAD_REQUEST,    /* a parameter or part missing or malformed */
    DF_MEANS_TOO_LARGE,      /* the file is larger than the server accepts */
    DF_MEANS_BAD_XML,        /* not well-formed, wrong root element, a DOCTYPE */
    DF_MEANS_ARCHIVED,       /* the period is archived */
    DF_MEANS_BUSY,           /* the server is busy */
    DF_MEANS_COUNT
} df_code_means;

typedef struct df_code_def {
    int code;
    df_code_class cls;
    int means;               /* df_code_means, or -1 */
    int stop;                /* the identity is refused: no further upload is tried */
    char advice[512];        /* what to do, for messages */
} df_code_def;

/* A file's state on the server, in the results answer. */
typedef enum {
    DF_STATE_PENDING,
    DF_STATE_PROCESSING,
    DF_STATE_PASSED,
    DF_STATE_PARTIAL,
    DF_STATE_FAILED,
    DF_STATE_COUNT
} df_server_state;

/* A change of a catalog entry in a catalog answer. */
typedef enum { DF_CATOP_ADD, DF_CATOP_UPDATE, DF_CATOP_DELETE, DF_CATOP_COUNT } df_catalog_op;

/* The names of the answers' elements and attributes, by role. */
typedef enum {
    DF_AN_ROOT, DF_AN_CODE, DF_AN_MESSAGE,
    DF_AN_FILE_ID, DF_AN_DUPLICATE,
    DF_AN_VERSION, DF_AN_OP,
    DF_AN_FILES, DF_AN_FILE, DF_AN_FILE_NAME, DF_AN_RECEIVED_AT, DF_AN_STATUS,
    DF_AN_TOTAL, DF_AN_PASSED, DF_AN_FAILED, DF_AN_ERRORS, DF_AN_ERROR, DF_AN_ERROR_SEQ, DF_AN_ERROR_CODE,
    DF_AN_COUNT
} df_answer_name;

typedef struct df_protocol {
    /* requests */
    char catalog_version[DF_PROTO_NAME_MAX]; /* form field of the catalog entries: the version held */
    char results_file_id[DF_PROTO_NAME_MAX]; /* form field of the results entry, repeatable */
    char results_since[DF_PROTO_NAME_MAX];   /* form field of the results entry: an ISO-8601 time */
    int results_max_ids;                     /* FileIds in one results request, at most */
    char upload_part[DF_PROTO_NAME_MAX];     /* multipart part carrying the data file */
    char upload_content_type[DF_PROTO_TEXT_MAX];
    /* answers */
    char content_type[DF_PROTO_TEXT_MAX];
    char names[DF_AN_COUNT][DF_PROTO_NAME_MAX];
    char duplicate_true[DF_PROTO_NAME_MAX], duplicate_false[DF_PROTO_NAME_MAX];
    char ops[DF_CATOP_COUNT][DF_PROTO_NAME_MAX];
    int errors_max;                          /* record errors per file in a results answer */
    /* codes and states */
    int ncodes;
    df_code_def codes[DF_MAX_CODES];
    int means_code[DF_MEANS_COUNT];          /* index into codes of each situation */
    char states[DF_STATE_COUNT][DF_PROTO_NAME_MAX];
} df_protocol;

/* The signature algorithms the signer and the verifiers implement. */
typedef enum { DF_SIG_RSA_SHA256, DF_SIG_RSA_SHA1, DF_SIG_RSA_SHA512, DF_SIG_SM2_SM3, DF_SIG_COUNT } df_sig_alg;
typedef enum { DF_DIGEST_SHA256, DF_DIGEST_SHA1, DF_DIGEST_SHA512, DF_DIGEST_SM3, DF_DIGEST_COUNT } df_digest_alg;
typedef enum { DF_C14N_10, DF_C14N_11, DF_C14N_EXCL_10, DF_C14N_COUNT } df_c14n_alg;
typedef enum { DF_KEYINFO_CERTIFICATE, DF_KEYINFO_CHAIN } df_keyinfo;
/* How an SM2 SignatureValue holds (r, s): the DER SEQUENCE of GM/T 0009
 * and OpenSSL, or r||s (32 bytes each) as XML-DSig writes ECDSA values. */
typedef enum { DF_SM2_DER, DF_SM2_RAW } df_sm2_format;

typedef struct df_signature_def {
    df_sig_alg algorithm;
    df_digest_alg digest;
    df_c14n_alg c14n;
    char ns[DF_URI_MAX];            /* namespace of the Signature element */
    char c14n_uri[DF_URI_MAX];      /* CanonicalizationMethod */
    char enveloped_uri[DF_URI_MAX]; /* the one Transform */
    char method_uri[DF_URI_MAX];    /* SignatureMethod */
    char digest_uri[DF_URI_MAX];    /* DigestMethod */
    df_keyinfo key_info;
    char sm2_id[DF_SM2_ID_MAX];     /* SM2 distinguishing ID (sm2-sm3) */
    df_sm2_format sm2_format;
} df_signature_def;

/* The profile's code entry for code, or NULL when the profile does not know it. */
const df_code_def *df_protocol_code(const df_protocol *p, int code);
/* The class of a code; a code the profile does not know is permanent. */
df_code_class df_protocol_class(const df_protocol *p, int code);
/* The advice for a code ("unknown code" for one the profile does not list). */
const char *df_protocol_advice(const df_protocol *p, int code);
/* The code number of a situation (drugflow-sim's answers). */
int df_protocol_means(const df_protocol *p, df_code_means m);
/* The state a name stands for, or -1. */
int df_protocol_state(const df_protocol *p, const char *name);
/* The catalog change an op value stands for, or -1. */
int df_protocol_op(const df_protocol *p, const char *value);
/* The name of an answer element or attribute. */
static inline const char *df_an(const df_protocol *p, df_answer_name n) { return p->names[n]; }

/* 1 if s is a valid XML name without a colon (an NCName), as the profile
 * requires of every element and attribute name. */
int df_protocol_xml_name_ok(const char *s);

/* Names of the mechanisms, as the profile writes them ("rsa-sha256", "sm3", ...). */
const char *df_sig_alg_name(df_sig_alg a);
const char *df_digest_alg_name(df_digest_alg a);
/* Digest length in bytes. */
size_t df_digest_alg_size(df_digest_alg a);

/* Loading, for profile.c: the `protocol:` and `signature:` nodes of the
 * profile document (yaml_doc.h types, opaque here). */
struct df_yaml;
struct df_error;
int df_protocol_load(df_protocol *p, struct df_yaml *y, void *node, struct df_error *err);
int df_signature_load(df_signature_def *s, struct df_yaml *y, void *node, struct df_error *err);

#endif
