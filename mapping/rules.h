/* mapping/rules.h — the record rules of INTERFACE.md §4, shared by the
 * converter (before sending) and drugflow-sim (after receiving).
 *
 * A record is a document type's field values, UTF-8, in profile order. The
 * check adds to a df_check_result every reason that applies, with the field
 * it concerns, so that a row is rejected once with all of its reasons. */
#ifndef DF_MAPPING_RULES_H
#define DF_MAPPING_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "mapping/catalog.h"
#include "mapping/profile.h"

typedef enum {
    DF_R_NEGATIVE_QTY,
    DF_R_PARTNER_UNMATCHED,
    DF_R_COMMODITY_UNMATCHED,
    DF_R_REQUIRED,
    DF_R_FORMAT,
    DF_R_TOO_LONG,
    DF_R_ENCODING,
    DF_R_COLUMNS,
    DF_R_COUNT
} df_reason;

#define DF_MAX_VIOLATIONS 16
/* A violation's detail holds a value quoted whole: up to 200 characters
 * (the profile's longest text) of up to 4 bytes, twice for a two-part key. */
#define DF_DETAIL_MAX 1800
/* Values quoted in messages are cut (with "…") only beyond this many
 * characters when their field has no max_length. */
#define DF_QUOTE_MAX_CHARS 64

typedef struct df_violation {
    df_reason reason;
    int field;          /* index in the document type, or -1 for the row */
    char detail[DF_DETAIL_MAX]; /* plain UTF-8, never cut inside a character */
} df_violation;

typedef struct df_check_result {
    uint32_t reasons;   /* bit (1u << df_reason) per reason present */
    uint64_t skip_fields; /* bit per field the caller already judged (bad
                           * encoding, failed transform): not checked again */
    int nviolations;    /* recorded, at most DF_MAX_VIOLATIONS */
    df_violation v[DF_MAX_VIOLATIONS];
} df_check_result;

/* "E_NEGATIVE_QTY" etc.; NULL for an out-of-range value. */
const char *df_reason_code(df_reason r);
/* The reason for a code string, or -1. */
int df_reason_from_code(const char *code);

static inline void df_check_reset(df_check_result *r)
{
    r->reasons = 0;
    r->skip_fields = 0;
    r->nviolations = 0;
}
/* Records a violation (detail printf-style; may be NULL). */
void df_check_add(df_check_result *r, df_reason reason, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks one record. vals[i]/lens[i] is field i of dt. cats may be NULL or
 * hold unloaded catalogs: their checks are then skipped. */
void df_rules_check(const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                    const char *const *vals, const size_t *lens, df_check_result *out);

/* What a caller has already established of some fields, so that the check
 * does not read their bytes a second time (the converter validates text
 * once, while it learns what rendering needs): bit i of text says field i
 * is valid text (df_valid_utf8_text) of chars[i] characters; bit i of date
 * that it is a valid date YYYY-MM-DD; bit c of hashed that catalog c's key
 * of this record hashes to cat_hash[c] (df_catalog_key_hash). Only ever a
 * shortcut: the same reasons result as without it. */
typedef struct df_rules_known {
    uint64_t text, date;
    const size_t *chars;
    unsigned hashed;
    uint64_t cat_hash[DF_MAX_CATALOGS];
} df_rules_known;
void df_rules_check_known(const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                          const char *const *vals, const size_t *lens, const df_rules_known *known,
                          df_check_result *out);

/* The value checks, exposed for the transforms and tests. */
int df_valid_utf8_text(const char *s, size_t len, size_t *chars);   /* 1 if valid, no controls */
int df_valid_date(const char *s, size_t len);                        /* YYYY-MM-DD, real day */
int df_valid_decimal(const char *s, size_t len, int *negative);      /* -?d+(.d+)? */
int df_valid_code(const char *s, size_t len, int digits);

/* A value for a message, whole: 'value', or, beyond max_chars characters
 * (0: DF_QUOTE_MAX_CHARS), its first max_chars characters and "…'", never
 * cutting a UTF-8 character. Returns buf. */
const char *df_quote_value(char *buf, size_t n, const char *v, size_t len, int max_chars);
/* The bound df_quote_value uses for a field: its max_length, else the default. */
int df_field_quote_chars(const df_field_def *f);

/* One line naming every violation: "Quantity: -3 is below zero; ...". */
void df_check_message(const df_check_result *r, const df_doctype *dt, char *buf, size_t n);

#endif
