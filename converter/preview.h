/* converter/preview.h — `drugflow convert --dry-run`: the records of an
 * export as they would be sent, each with the reasons it would be rejected,
 * printed instead of written (df_convert_options.preview).
 *
 * Text: one line per row, "FILE:LINE ACCEPTED" or "FILE:LINE REJECTED
 * CODES", then the record as it would appear in the data file (its
 * canonical XML) and, for a rejected row, the message rejects.csv would
 * hold. JSON: {"preview": [{"input", "line", "accepted", "reasons",
 * "message", "record"}, …], then the caller's members}. */
#ifndef DF_CONVERTER_PREVIEW_H
#define DF_CONVERTER_PREVIEW_H

#include <stdio.h>
#include "converter/convert.h"

typedef struct df_preview {
    FILE *out;
    const df_profile *profile;
    const df_doctype *dt;
    int json;
    int n;          /* rows printed */
    char *buf;      /* one rendered record */
    size_t cap;
} df_preview;

int df_preview_open(df_preview *pv, FILE *out, const df_profile *p, const df_doctype *dt, int json,
                    df_error *err);
/* The df_row_fn for df_convert_options.preview; ctx is the df_preview. */
int df_preview_row(void *ctx, const df_row_outcome *r, df_error *err);
/* JSON: closes the list (the caller then prints `, "summary": …}`). */
void df_preview_close(df_preview *pv);

#endif
