/* mapping/profile.h — the interface profile: INTERFACE.md §2–§4 as data.
 *
 * A profile YAML file (samples/profile/gd-v1.yaml) names the entries, the
 * data file's elements, every field's type and limits, the document types
 * with their fields in order, the catalogs with their keys, the wire
 * protocol and the signature (protocol.h). Nothing of it is a C constant;
 * this loader turns it into fixed-size tables. */
#ifndef DF_MAPPING_PROFILE_H
#define DF_MAPPING_PROFILE_H

#include "base/error.h"
#include "base/path.h"
#include "mapping/protocol.h"

#define DF_MAX_FIELDS 48     /* fields of one document type */
#define DF_MAX_FIELD_DEFS 96 /* field definitions in a profile */
#define DF_MAX_DOCTYPES 32
#define DF_MAX_HEADER 16
#define DF_MAX_CATALOGS 4
#define DF_MAX_KEY 4
#define DF_MAX_CATALOG_COLUMNS 16
#define DF_NAME_MAX 64

typedef enum { DF_FT_TEXT, DF_FT_CODE, DF_FT_DATE, DF_FT_DECIMAL } df_field_type;

typedef struct df_field_def {
    char name[DF_NAME_MAX];
    int name_len;
    df_field_type type;
    int required;
    int nonnegative; /* a value below zero is E_NEGATIVE_QTY */
    int max_length;  /* characters, 0 = no limit (text) */
    int length;      /* exact digit count (code) */
} df_field_def;

/* The run values a header element can carry. */
typedef enum {
    DF_HV_ENTERPRISE_CODE, DF_HV_ENTERPRISE_NAME, DF_HV_DOC_TYPE, DF_HV_PERIOD,
    DF_HV_BATCH_ID, DF_HV_CHUNK_SEQ, DF_HV_CREATED_AT, DF_HV_COUNT
} df_header_value;

typedef struct df_catalog_def {
    char name[DF_NAME_MAX];  /* "commodity", "partner" */
    char list[DF_NAME_MAX];  /* XML list element: Commodities */
    char item[DF_NAME_MAX];  /* XML item element: Commodity */
    int ncolumns;
    char columns[DF_MAX_CATALOG_COLUMNS][DF_NAME_MAX];
    int nkey;
    int key_columns[DF_MAX_KEY];                /* indexes into columns */
    char record_fields[DF_MAX_KEY][DF_NAME_MAX]; /* same count as nkey */
    int reason;                                  /* df_reason, see rules.h */
} df_catalog_def;

typedef struct df_doctype {
    char code[DF_NAME_MAX];
    char title[128];
    int nfields;
    const df_field_def *fields[DF_MAX_FIELDS];
    /* For each catalog of the profile: the indexes of the record fields
     * that form its key in this document type, or applies = 0. */
    int catalog_applies[DF_MAX_CATALOGS];
    int catalog_fields[DF_MAX_CATALOGS][DF_MAX_KEY];
} df_doctype;

typedef struct df_profile {
    char path[DF_PATH_MAX];
    char name[DF_NAME_MAX];
    char endpoint_practice[512];
    char endpoint_production[512];
    char entry_commodities[128], entry_partners[128], entry_upload[128], entry_results[128];
    /* data file elements */
    char root[DF_NAME_MAX], version[16], header[DF_NAME_MAX], records[DF_NAME_MAX],
        record[DF_NAME_MAX], trailer[DF_NAME_MAX], record_count[DF_NAME_MAX];
    char version_attribute[DF_NAME_MAX]; /* the root's attribute holding version */
    int record_len;
    int batch_id_max;  /* datafile.batch_id_max_length: characters a BatchId may have */
    int nheader;
    char header_names[DF_MAX_HEADER][DF_NAME_MAX];
    df_header_value header_values[DF_MAX_HEADER];
    int nfield_defs;
    df_field_def field_defs[DF_MAX_FIELD_DEFS];
    int ndoctypes;
    df_doctype doctypes[DF_MAX_DOCTYPES];
    int ncatalogs;
    df_catalog_def catalogs[DF_MAX_CATALOGS];
    df_protocol protocol;       /* requests, answers, codes, states (protocol.h) */
    df_signature_def signature; /* algorithms, URIs, KeyInfo (protocol.h) */
} df_profile;

/* Loads and checks a profile; errors name file, line and column. */
int df_profile_load(df_profile *p, const char *path, df_error *err);

const df_doctype *df_profile_doctype(const df_profile *p, const char *code);
/* Index of a field within a document type, or -1. */
int df_doctype_field_index(const df_doctype *dt, const char *name);
/* Index of a catalog by name ("commodity"), or -1. */
int df_profile_catalog_index(const df_profile *p, const char *name);

#endif
