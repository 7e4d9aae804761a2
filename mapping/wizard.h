/* mapping/wizard.h — `drugflow mapping init`: a draft mapping from an
 * export's header and a sample of its rows.
 *
 * Columns are matched to the document type's fields through a dictionary
 * of the header names Chinese ERPs use (samples/wizard/erp-headers.yaml,
 * data, not code); the header row is the one among the first rows that
 * names most known columns (the rows above it become skip_rows); date
 * formats are the fewest of the dictionary's that read every sample value;
 * decimal columns get `decimal: true` with what the sample holds; the
 * encoding and delimiter come from converter/sniff.h. Every guess is a
 * comment in the draft, and required fields no column matched are listed
 * at its top (the draft does not load until each has a source). */
#ifndef DF_MAPPING_WIZARD_H
#define DF_MAPPING_WIZARD_H

#include <stdio.h>
#include "base/error.h"
#include "mapping/mapping.h"

/* ---- the sample: what converter/sniff.c read ------------------------- */

#define DF_SAMPLE_MAX_ROWS 1000

typedef struct df_sample_row {
    long line;          /* physical line the row starts on */
    int n;              /* cells */
    char **cells;       /* UTF-8 (undecodable bytes as U+FFFD), NUL-terminated; the
                         * first KiB of each field */
} df_sample_row;

typedef struct df_sample {
    df_encoding encoding;
    char encoding_why[256];
    char delimiter;
    char delimiter_why[256];
    int nrows;
    df_sample_row rows[DF_SAMPLE_MAX_ROWS];
    int more;           /* the file has rows beyond these */
    char sheet[256];    /* an .xlsx export: the sheet read (its cells are UTF-8, no delimiter); "" for a CSV */
} df_sample;

void df_sample_free(df_sample *s);

/* ---- the dictionary -------------------------------------------------- */

#define DF_WIZARD_MAX_FORMATS 32

typedef struct df_wizard_names {
    char field[DF_NAME_MAX];
    int n;
    char **names;       /* normalised (df_wizard_normalise) */
    char **shown;       /* as written in the dictionary */
} df_wizard_names;

typedef struct df_wizard_dict {
    char path[DF_PATH_MAX];
    int nfields;
    df_wizard_names fields[DF_MAX_FIELD_DEFS];
    int nformats;
    char formats[DF_WIZARD_MAX_FORMATS][48];
} df_wizard_dict;

/* Loads the dictionary; every field must be one of the profile's, every
 * date format valid. Errors name file, line and column. */
int df_wizard_dict_load(df_wizard_dict *d, const df_profile *p, const char *path, df_error *err);
void df_wizard_dict_free(df_wizard_dict *d);

/* A header as it is compared: ASCII and ideographic spaces dropped,
 * full-width ASCII made half-width, ASCII lower-cased, a trailing bracketed
 * unit ("(盒)", "（元）", "[kg]", "【】") removed. */
void df_wizard_normalise(const char *in, char *out, size_t n);

/* ---- the draft ------------------------------------------------------- */

typedef struct df_wizard_field {
    int column;         /* 0-based column of the header row, -1 none */
    int partial;        /* the header only contains a known name */
    const char *name;   /* the known name that matched */
} df_wizard_field;

typedef struct df_wizard_result {
    int header_row;              /* index in the sample; rows before it are skip_rows */
    int matched, required_missing;
    df_wizard_field fields[DF_MAX_FIELDS]; /* one per field of the document type */
    char missing_required[512];  /* "Manufacturer, ApprovalNo" */
    char unused_columns[1024];   /* header names no field uses */
} df_wizard_result;

/* Writes the draft mapping for dt to out (YAML with comments). Fails
 * (naming the export) when no row among the first names a known column. */
int df_wizard_draft(const df_sample *s, const df_wizard_dict *d, const df_doctype *dt, const char *export_path,
                    FILE *out, df_wizard_result *r, df_error *err);

#endif
