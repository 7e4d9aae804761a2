/* converter/preview.c — printing rows as they would be sent; see preview.h. */
#include "converter/preview.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "writer/chunk_writer.h"

#define RECORD_MAX (1u << 20)

int df_preview_open(df_preview *pv, FILE *out, const df_profile *p, const df_doctype *dt, int json,
                    df_error *err)
{
    memset(pv, 0, sizeof *pv);
    pv->out = out;
    pv->profile = p;
    pv->dt = dt;
    pv->json = json;
    pv->cap = RECORD_MAX;
    if (!(pv->buf = malloc(pv->cap)))
        return df_errorf(err, "out of memory");
    if (json)
    {
        fputc('{', out);
        df_json_version(out);
        fputs("\"preview\": [", out);
    }
    return 0;
}

/* The record as the data file would hold it, without its newline; 0 if none. */
static size_t render(df_preview *pv, const df_row_outcome *r)
{
    if (!r->vals)
        return 0;
    size_t n = df_render_record(pv->profile, pv->dt, r->vals, r->lens, pv->buf, pv->cap);
    while (n && pv->buf[n - 1] == '\n')
        n--;
    return n;
}

static void reasons_text(const df_check_result *c, char *out, size_t n)
{
    size_t o = 0;
    out[0] = 0;
    for (int k = 0; c && k < DF_R_COUNT && o + 1 < n; k++)
        if (c->reasons & (1u << k))
            o += (size_t)snprintf(out + o, n - o, "%s%s", o ? " " : "", df_reason_code((df_reason)k));
}

static void row_json(df_preview *pv, const df_row_outcome *r, size_t rec_len)
{
    FILE *f = pv->out;
    fprintf(f, "%s\n{\"input\": ", pv->n ? "," : "");
    df_json_str(f, r->input);
    fprintf(f, ", \"line\": %ld, \"accepted\": %s, \"reasons\": [", r->line, r->accepted ? "true" : "false");
    for (int k = 0, first = 1; r->check && k < DF_R_COUNT; k++)
        if (r->check->reasons & (1u << k)) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", df_reason_code((df_reason)k));
            first = 0;
        }
    fputs("], \"message\": ", f);
    df_json_str(f, r->message ? r->message : "");
    fputs(", \"record\": ", f);
    df_json_string(f, pv->buf, rec_len);
    fputc('}', f);
}

int df_preview_row(void *ctx, const df_row_outcome *r, df_error *err)
{
    df_preview *pv = ctx;
    size_t rec_len = render(pv, r);
    if (pv->json) {
        row_json(pv, r, rec_len);
    } else {
        char codes[256];
        reasons_text(r->check, codes, sizeof codes);
        fprintf(pv->out, "%s:%ld %s%s%s\n", r->input, r->line, r->accepted ? "ACCEPTED" : "REJECTED",
                codes[0] ? " " : "", codes);
        if (rec_len)
            fprintf(pv->out, "  %.*s\n", (int)rec_len, pv->buf);
        if (!r->accepted && r->message && r->message[0])
            fprintf(pv->out, "  %s\n", r->message);
    }
    pv->n++;
    if (ferror(pv->out))
        return df_error_errno(err, "cannot write the preview");
    return 0;
}

void df_preview_close(df_preview *pv)
{
    if (!pv->buf)
        return; /* never opened, or closed already */
    if (pv->json)
        fputs("\n]", pv->out);
    free(pv->buf);
    pv->buf = NULL;
}
