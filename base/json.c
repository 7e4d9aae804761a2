/* base/json.c — JSON string escaping; see json.h. */
#include "base/json.h"

#include "base/version.h"

#include <string.h>

void df_json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void df_json_version(FILE *f)
{
    fputs("\"version\": ", f);
    df_json_str(f, df_version());
    fputs(", ", f);
}

void df_json_str(FILE *f, const char *s)
{
    df_json_string(f, s ? s : "", s ? strlen(s) : 0);
}
