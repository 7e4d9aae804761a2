/* mapping/wizard_dict.c — the wizard's dictionary of ERP header names, how
 * headers are compared, and the sample's memory; see wizard.h. */
#include "mapping/wizard.h"

#include <stdlib.h>
#include <string.h>

#include "base/yaml_doc.h"

void df_sample_free(df_sample *s)
{
    for (int i = 0; i < s->nrows; i++) {
        for (int c = 0; c < s->rows[i].n; c++)
            free(s->rows[i].cells[c]);
        free(s->rows[i].cells);
    }
    s->nrows = 0;
}

/* A trailing bracketed part ("(盒)", "[kg]", "【x】") off s, if something stays before it. */
static void strip_unit(char *s)
{
    static const char *const pairs[][2] = {{"(", ")"}, {"[", "]"}, {"\xE3\x80\x90", "\xE3\x80\x91"}};
    size_t l = strlen(s);
    while (l && s[l - 1] == '*') /* "单据编号*": a required-column mark */
        s[--l] = 0;
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        size_t cl = strlen(pairs[k][1]);
        if (l <= cl || strcmp(s + l - cl, pairs[k][1]))
            continue;
        char *open = NULL;
        for (char *p = strstr(s, pairs[k][0]); p; p = strstr(p + 1, pairs[k][0]))
            open = p;
        if (open && open > s) {
            *open = 0;
            return;
        }
    }
}

void df_wizard_normalise(const char *in, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    while (*p && o + 4 < n) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        } else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
            p += 3;
        } else if (p[0] == 0xEF && ((p[1] == 0xBC && p[2] >= 0x81) || (p[1] == 0xBD && p[2] <= 0x9E))) {
            unsigned cp = 0xFF00u + (p[1] == 0xBC ? p[2] - 0x80u : p[2] - 0x80u + 0x40u); /* U+FF01..FF5E */
            char c = (char)(cp - 0xFEE0u);
            out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
            p += 3;
        } else {
            out[o++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : (char)*p;
            p++;
        }
    }
    out[o] = 0;
    strip_unit(out);
}

/* As the mapping loader wants them: %Y and %m, known directives only. */
static const char *format_problem(const char *f)
{
    int ym = 0;
    for (const char *c = f; *c; c++) {
        if (*c != '%')
            continue;
        c++;
        if (!*c || !strchr("YmdHMS%", *c))
            return "an unknown directive (use %Y %m %d %H %M %S, %% for a '%')";
        ym |= *c == 'Y' ? 1 : *c == 'm' ? 2 : 0;
    }
    return ym == 3 ? NULL : "it needs %Y and %m";
}

static int load_names(df_wizard_dict *d, df_yaml *y, df_ynode *k, df_ynode *v, const df_profile *p,
                      df_error *err)
{
    const char *field = df_yaml_str(k);
    int known = 0;
    for (int i = 0; field && i < p->nfield_defs; i++)
        known |= !strcmp(p->field_defs[i].name, field);
    if (!known)
        return df_yaml_fail(y, k, err, "'%s' is not a field of the profile %s", field ? field : "?", p->name);
    if (!df_yaml_is_seq(v) || df_yaml_seq_len(v) == 0)
        return df_yaml_fail(y, v, err, "the header names of %s: a list, such as [单据编号, 单据号]", field);
    if (d->nfields >= DF_MAX_FIELD_DEFS)
        return df_yaml_fail(y, k, err, "too many fields");
    df_wizard_names *f = &d->fields[d->nfields++];
    snprintf(f->field, sizeof f->field, "%s", field);
    size_t n = df_yaml_seq_len(v);
    f->names = calloc(n, sizeof *f->names);
    f->shown = calloc(n, sizeof *f->shown);
    if (!f->names || !f->shown)
        return df_errorf(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        df_ynode *e = df_yaml_seq_at(y, v, i);
        const char *name = df_yaml_str(e);
        if (!name || !name[0] || strlen(name) > 200)
            return df_yaml_fail(y, e, err, "a header name is a text of 1 to 200 bytes");
        char norm[256];
        df_wizard_normalise(name, norm, sizeof norm);
        if (!(f->names[f->n] = strdup(norm)) || !(f->shown[f->n] = strdup(name)))
            return df_errorf(err, "out of memory");
        f->n++;
    }
    return 0;
}

int df_wizard_dict_load(df_wizard_dict *d, const df_profile *p, const char *path, df_error *err)
{
    static const char *const top[] = {"fields", "date_formats", NULL};
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    df_yaml y;
    if (df_yaml_load(&y, path, err) != 0)
        return df_error_prefix(err, "the header dictionary");
    int rc = -1;
    df_ynode *root = df_yaml_root(&y), *fields = df_yaml_get(&y, root, "fields"),
             *formats = df_yaml_get(&y, root, "date_formats");
    if (df_yaml_check_keys(&y, root, top, "the header dictionary", err) != 0)
        goto out;
    if (!fields || !df_yaml_is_map(fields)) {
        df_yaml_fail(&y, fields ? fields : root, err, "the dictionary needs 'fields:', each profile field with "
                     "its header names");
        goto out;
    }
    for (size_t i = 0; i < df_yaml_map_len(fields); i++)
        if (load_names(d, &y, df_yaml_map_key(&y, fields, i), df_yaml_map_val(&y, fields, i), p, err) != 0)
            goto out;
    size_t nf = formats && df_yaml_is_seq(formats) ? df_yaml_seq_len(formats) : 0;
    if (!formats || !nf || nf > DF_WIZARD_MAX_FORMATS) {
        df_yaml_fail(&y, formats ? formats : root, err, "'date_formats:' lists 1 to %d input date formats",
                     DF_WIZARD_MAX_FORMATS);
        goto out;
    }
    for (size_t i = 0; i < nf; i++) {
        df_ynode *e = df_yaml_seq_at(&y, formats, i);
        const char *f = df_yaml_str(e), *why = f ? format_problem(f) : "it is not a text";
        if (why || strlen(f) >= sizeof d->formats[0]) {
            df_yaml_fail(&y, e, err, "date format '%s': %s", f ? f : "?", why ? why : "too long");
            goto out;
        }
        snprintf(d->formats[d->nformats++], sizeof d->formats[0], "%s", f);
    }
    rc = 0;
out:
    df_yaml_free(&y);
    if (rc != 0)
        df_wizard_dict_free(d);
    return rc;
}

void df_wizard_dict_free(df_wizard_dict *d)
{
    for (int i = 0; i < d->nfields; i++) {
        for (int k = 0; k < d->fields[i].n; k++) {
            free(d->fields[i].names[k]);
            free(d->fields[i].shown[k]);
        }
        free(d->fields[i].names);
        free(d->fields[i].shown);
    }
    d->nfields = 0;
}
