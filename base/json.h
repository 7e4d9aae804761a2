/* base/json.h — the --json summaries' one string writer: UTF-8 passes
 * through, quotes, backslashes and control characters are escaped. */
#ifndef DF_BASE_JSON_H
#define DF_BASE_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) as a JSON string, quotes included. */
void df_json_string(FILE *f, const char *s, size_t len);
/* The same for a NUL-terminated string (NULL writes ""). */
void df_json_str(FILE *f, const char *s);
/* The first member of every --json summary: "version": "…", (base/version.h). */
void df_json_version(FILE *f);

#endif
