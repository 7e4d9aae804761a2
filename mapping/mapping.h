/* mapping/mapping.h — how one ERP export becomes records of one document type.
 *
 * A mapping YAML file (samples/mappings/, one per export) declares the export's
 * encoding and CSV dialect and, for each profile field of the document
 * type, where its value comes from (a column by name or number, or a
 * constant) and the transforms applied on the way (trim, default, date
 * input formats, decimal normalisation, value maps). See transform.h. */
#ifndef DF_MAPPING_MAPPING_H
#define DF_MAPPING_MAPPING_H

#include <regex.h>
#include <stddef.h>
#include "base/error.h"
#include "base/path.h"
#include "mapping/profile.h"

#define DF_MAX_DATE_FORMATS 8

/* The day a month-only date (有效期至 "2028.04") stands for. */
enum { DF_MONTH_DAY_LAST = 0, DF_MONTH_DAY_FIRST = 1 };

typedef enum { DF_ENC_UTF8, DF_ENC_GBK, DF_ENC_GB18030 } df_encoding;

typedef struct df_value_map {
    size_t n;
    char **from, **to;
    size_t *from_len, *to_len;
} df_value_map;

/* Where one field's value comes from and what happens to it. */
typedef struct df_field_source {
    int mapped;              /* 0: the field stays empty */
    int column;              /* resolved 0-based input column, -1 for constant */
    char column_name[256];   /* header name, when the export has a header */
    int has_constant;
    char *constant;
    size_t constant_len;
    int has_default;
    char *def;
    size_t def_len;
    int trim;                /* strip ASCII and ideographic spaces (default on) */
    int ndate_formats;
    char date_formats[DF_MAX_DATE_FORMATS][48];
    int month_day;           /* formats without %d (a month, "2028.04"): DF_MONTH_DAY_LAST or _FIRST */
    int decimal;             /* normalise thousands separators, full-width digits (decimal.h) */
    int decimal_comma;       /* decimal_comma: true: "1.234,5" is 1234.5 */
    df_value_map map;
    int map_strict;          /* an unmapped value is E_FORMAT, not passed through */
    int line, col;           /* where the mapping file declares it */
} df_field_source;

/* csv: skip_if: rows that are not data (合计, 小计, blank rows): see row_filter.h. */
#define DF_MAX_ROW_FILTERS 16
#define DF_MAX_SKIP_FOOTER 1000
/* Copies of each regex: glibc's regexec locks its regex_t, so that parse
 * threads would queue on one lock; each thread takes its own copy. */
#define DF_ROW_FILTER_COPIES 8

typedef enum {
    DF_RF_MATCHES,           /* {column: NAME, matches: REGEX}: the trimmed field matches */
    DF_RF_EMPTY_COLUMN,      /* {column: NAME, empty: true}: the field is empty or blank */
    DF_RF_EMPTY_ROW          /* {empty: true}: every field of the row is */
} df_row_filter_kind;

typedef struct df_row_filter {
    df_row_filter_kind kind;
    int column;              /* resolved 0-based input column; -1 for DF_RF_EMPTY_ROW */
    char column_name[256];   /* as the mapping names it (a header name, or a number without header) */
    char pattern[256];       /* the regex as written, for messages */
    int compiled;            /* re[] hold compiled copies (regfree them) */
    regex_t re[DF_ROW_FILTER_COPIES];
    int line, col;           /* where the mapping file declares the filter */
} df_row_filter;

typedef struct df_mapping {
    char path[DF_PATH_MAX];
    const df_doctype *dt;
    df_encoding encoding;
    char delimiter;
    char quote;
    int header;              /* 1: first row names the columns */
    int skip_rows;           /* rows skipped before the header or data */
    int skip_footer;         /* last rows of the file that are not data (0..DF_MAX_SKIP_FOOTER) */
    char sheet[256];         /* an .xlsx export's sheet, by its name; "" = the first */
    int nfilters;            /* skip_if */
    df_row_filter filters[DF_MAX_ROW_FILTERS];
    df_field_source src[DF_MAX_FIELDS]; /* one per field of dt, in profile order */
} df_mapping;

/* Loads a mapping against a loaded profile (which must outlive it). */
int df_mapping_load(df_mapping *m, const df_profile *p, const char *path, df_error *err);
void df_mapping_free(df_mapping *m);

/* Resolves columns named in the mapping (its fields' and its skip_if
 * filters') against an export's header row, which is on line `line` of
 * input_path (after any skip_rows). Fails naming the input file and line,
 * the mapping line and the missing column. */
int df_mapping_bind_header(df_mapping *m, const char *input_path, long line, const char *const *names,
                           const size_t *lens, int n, df_error *err);

/* The mapped column names a header row lacks, at most cap of them into
 * out (pointers into m); returns how many. */
int df_mapping_missing_columns(const df_mapping *m, const char *const *names, const size_t *lens, int n,
                               const char **out, int cap);

/* The highest input column the mapping reads, +1 (0 if none). */
int df_mapping_columns_needed(const df_mapping *m);

const char *df_encoding_name(df_encoding e);

#endif
