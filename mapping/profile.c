/* mapping/profile.c — loading and checking the interface profile; see profile.h. */
#include "mapping/profile.h"

#include <stdio.h>
#include <string.h>

#include "mapping/encoding.h"
#include "mapping/rules.h"
#include "base/yaml_doc.h"
#include "config/values.h"

static const char *const header_value_names[DF_HV_COUNT] = {
    "enterprise_code", "enterprise_name", "doc_type", "period", "batch_id", "chunk_seq", "created_at",
};

/* Copies a required scalar under key into dst. */
static int get_str(df_yaml *y, df_ynode *map, const char *key, char *dst, size_t n, df_error *err)
{
    df_ynode *v = df_yaml_get(y, map, key);
    if (!v)
        return df_yaml_fail(y, map, err, "missing key '%s'", key);
    const char *s = df_yaml_str(v);
    if (!s || !*s)
        return df_yaml_fail(y, v, err, "'%s' must be a non-empty text", key);
    if (strlen(s) >= n)
        return df_yaml_fail(y, v, err, "'%s' is longer than %zu bytes", key, n - 1);
    strcpy(dst, s);
    return 0;
}

/* An XML element name as the profile may use (an NCName: no ':'). */
static int check_element_name(df_yaml *y, df_ynode *n, const char *s, df_error *err)
{
    if (!df_protocol_xml_name_ok(s))
        return df_yaml_fail(y, n, err, "'%s' is not a valid XML element name", s ? s : "");
    return 0;
}

static int get_elem(df_yaml *y, df_ynode *map, const char *key, char *dst, size_t n, df_error *err)
{
    if (get_str(y, map, key, dst, n, err) != 0)
        return -1;
    return check_element_name(y, df_yaml_get(y, map, key), dst, err);
}

static const df_field_def *find_field_def(const df_profile *p, const char *name)
{
    for (int i = 0; i < p->nfield_defs; i++)
        if (!strcmp(p->field_defs[i].name, name))
            return &p->field_defs[i];
    return NULL;
}

static int load_fields(df_profile *p, df_yaml *y, df_ynode *fields, df_error *err)
{
    static const char *const keys[] = {"type", "required", "nonnegative", "max_length", "length", NULL};
    if (!df_yaml_is_map(fields))
        return df_yaml_fail(y, fields, err, "'fields' must map field names to definitions");
    size_t n = df_yaml_map_len(fields);
    for (size_t i = 0; i < n; i++) {
        df_ynode *kn = df_yaml_map_key(y, fields, i), *vn = df_yaml_map_val(y, fields, i);
        const char *name = df_yaml_str(kn);
        if (check_element_name(y, kn, name, err) != 0)
            return -1;
        if (strlen(name) >= DF_NAME_MAX)
            return df_yaml_fail(y, kn, err, "field name too long");
        if (find_field_def(p, name))
            return df_yaml_fail(y, kn, err, "field '%s' is defined twice", name);
        if (p->nfield_defs >= DF_MAX_FIELD_DEFS)
            return df_yaml_fail(y, kn, err, "more than %d fields", DF_MAX_FIELD_DEFS);
        if (df_yaml_check_keys(y, vn, keys, "a field definition", err) != 0)
            return -1;
        df_field_def *f = &p->field_defs[p->nfield_defs++];
        memset(f, 0, sizeof *f);
        strcpy(f->name, name);
        f->name_len = (int)strlen(name);
        df_ynode *t = df_yaml_get(y, vn, "type");
        const char *ts = df_yaml_str(t);
        if (!ts)
            return df_yaml_fail(y, vn, err, "field '%s' has no type (text, code, date or decimal)", name);
        if (!strcmp(ts, "text"))
            f->type = DF_FT_TEXT;
        else if (!strcmp(ts, "code"))
            f->type = DF_FT_CODE;
        else if (!strcmp(ts, "date"))
            f->type = DF_FT_DATE;
        else if (!strcmp(ts, "decimal"))
            f->type = DF_FT_DECIMAL;
        else
            return df_yaml_fail(y, t, err, "unknown type '%s' (text, code, date or decimal)", ts);
        df_ynode *v;
        long l;
        if ((v = df_yaml_get(y, vn, "required")) && df_yaml_bool(y, v, &f->required, err) != 0)
            return -1;
        if ((v = df_yaml_get(y, vn, "nonnegative"))) {
            if (df_yaml_bool(y, v, &f->nonnegative, err) != 0)
                return -1;
            if (f->type != DF_FT_DECIMAL)
                return df_yaml_fail(y, v, err, "'nonnegative' applies to decimal fields only");
        }
        if ((v = df_yaml_get(y, vn, "max_length"))) {
            if (df_yaml_long(y, v, 1, 1000000, &l, err) != 0)
                return -1;
            f->max_length = (int)l;
        }
        if ((v = df_yaml_get(y, vn, "length"))) {
            if (df_yaml_long(y, v, 1, 64, &l, err) != 0)
                return -1;
            f->length = (int)l;
        }
        if (f->type == DF_FT_CODE && !f->length)
            return df_yaml_fail(y, vn, err, "code field '%s' needs 'length' (its digit count)", name);
    }
    return 0;
}

static int add_doc_field(df_profile *p, df_doctype *dt, df_yaml *y, df_ynode *n, const char *name,
                         df_error *err)
{
    const df_field_def *f = find_field_def(p, name);
    if (!f)
        return df_yaml_fail(y, n, err, "document type %s names field '%s', which 'fields' does not define",
                            dt->code, name);
    if (df_doctype_field_index(dt, name) >= 0)
        return df_yaml_fail(y, n, err, "field '%s' appears twice in document type %s", name, dt->code);
    if (dt->nfields >= DF_MAX_FIELDS)
        return df_yaml_fail(y, n, err, "document type %s has more than %d fields", dt->code, DF_MAX_FIELDS);
    dt->fields[dt->nfields++] = f;
    return 0;
}

static int load_doctypes(df_profile *p, df_yaml *y, df_ynode *dts, df_ynode *groups, df_error *err)
{
    static const char *const keys[] = {"title", "fields", NULL};
    if (!df_yaml_is_map(dts) || df_yaml_map_len(dts) == 0)
        return df_yaml_fail(y, dts, err, "'doc_types' must map document type codes to definitions");
    size_t n = df_yaml_map_len(dts);
    for (size_t i = 0; i < n; i++) {
        df_ynode *kn = df_yaml_map_key(y, dts, i), *vn = df_yaml_map_val(y, dts, i);
        const char *code = df_yaml_str(kn);
        if (check_element_name(y, kn, code, err) != 0)
            return -1;
        if (df_profile_doctype(p, code))
            return df_yaml_fail(y, kn, err, "document type %s is defined twice", code);
        if (p->ndoctypes >= DF_MAX_DOCTYPES || strlen(code) >= DF_NAME_MAX)
            return df_yaml_fail(y, kn, err, "too many document types or code too long");
        if (df_yaml_check_keys(y, vn, keys, "a document type", err) != 0)
            return -1;
        df_doctype *dt = &p->doctypes[p->ndoctypes++];
        memset(dt, 0, sizeof *dt);
        strcpy(dt->code, code);
        df_ynode *t = df_yaml_get(y, vn, "title");
        if (t && df_yaml_str(t))
            snprintf(dt->title, sizeof dt->title, "%s", df_yaml_str(t));
        df_ynode *fl = df_yaml_get(y, vn, "fields");
        if (!df_yaml_is_seq(fl) || df_yaml_seq_len(fl) == 0)
            return df_yaml_fail(y, fl ? fl : vn, err, "document type %s needs a 'fields' list", code);
        for (size_t j = 0; j < df_yaml_seq_len(fl); j++) {
            df_ynode *fn = df_yaml_seq_at(y, fl, j);
            const char *name = df_yaml_str(fn);
            if (!name)
                return df_yaml_fail(y, fn, err, "a field list holds field names");
            if (name[0] == '@') {
                df_ynode *g = groups ? df_yaml_get(y, groups, name + 1) : NULL;
                if (!df_yaml_is_seq(g))
                    return df_yaml_fail(y, fn, err, "group '%s' is not defined under 'groups'", name + 1);
                for (size_t k = 0; k < df_yaml_seq_len(g); k++) {
                    df_ynode *gn = df_yaml_seq_at(y, g, k);
                    if (!df_yaml_str(gn))
                        return df_yaml_fail(y, gn, err, "a group holds field names");
                    if (add_doc_field(p, dt, y, gn, df_yaml_str(gn), err) != 0)
                        return -1;
                }
            } else if (add_doc_field(p, dt, y, fn, name, err) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int load_catalogs(df_profile *p, df_yaml *y, df_ynode *cats, df_error *err)
{
    static const char *const keys[] = {"list", "item", "columns", "key", "record_fields", "error", NULL};
    if (!df_yaml_is_map(cats))
        return df_yaml_fail(y, cats, err, "'catalogs' must map catalog names to definitions");
    size_t n = df_yaml_map_len(cats);
    for (size_t i = 0; i < n; i++) {
        df_ynode *kn = df_yaml_map_key(y, cats, i), *vn = df_yaml_map_val(y, cats, i);
        if (p->ncatalogs >= DF_MAX_CATALOGS)
            return df_yaml_fail(y, kn, err, "more than %d catalogs", DF_MAX_CATALOGS);
        if (df_yaml_check_keys(y, vn, keys, "a catalog", err) != 0)
            return -1;
        df_catalog_def *c = &p->catalogs[p->ncatalogs++];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", df_yaml_str(kn) ? df_yaml_str(kn) : "");
        if (get_elem(y, vn, "list", c->list, sizeof c->list, err) ||
            get_elem(y, vn, "item", c->item, sizeof c->item, err))
            return -1;
        df_ynode *cols = df_yaml_get(y, vn, "columns");
        if (!df_yaml_is_seq(cols) || df_yaml_seq_len(cols) == 0 ||
            df_yaml_seq_len(cols) > DF_MAX_CATALOG_COLUMNS)
            return df_yaml_fail(y, cols ? cols : vn, err, "catalog %s needs 'columns', 1 to %d names",
                                c->name, DF_MAX_CATALOG_COLUMNS);
        for (size_t j = 0; j < df_yaml_seq_len(cols); j++) {
            df_ynode *cn = df_yaml_seq_at(y, cols, j);
            if (check_element_name(y, cn, df_yaml_str(cn), err) != 0)
                return -1;
            snprintf(c->columns[c->ncolumns++], DF_NAME_MAX, "%s", df_yaml_str(cn));
        }
        df_ynode *key = df_yaml_get(y, vn, "key"), *rf = df_yaml_get(y, vn, "record_fields");
        if (!df_yaml_is_seq(key) || df_yaml_seq_len(key) == 0 || df_yaml_seq_len(key) > DF_MAX_KEY)
            return df_yaml_fail(y, key ? key : vn, err, "catalog %s needs 'key', 1 to %d columns",
                                c->name, DF_MAX_KEY);
        if (!df_yaml_is_seq(rf) || df_yaml_seq_len(rf) != df_yaml_seq_len(key))
            return df_yaml_fail(y, rf ? rf : vn, err,
                                "catalog %s needs 'record_fields', as many as its key columns", c->name);
        for (size_t j = 0; j < df_yaml_seq_len(key); j++) {
            df_ynode *kc = df_yaml_seq_at(y, key, j);
            const char *ks = df_yaml_str(kc);
            int idx = -1;
            for (int k = 0; ks && k < c->ncolumns; k++)
                if (!strcmp(c->columns[k], ks))
                    idx = k;
            if (idx < 0)
                return df_yaml_fail(y, kc, err, "key column '%s' is not one of the catalog's columns",
                                    ks ? ks : "?");
            c->key_columns[c->nkey] = idx;
            df_ynode *rn = df_yaml_seq_at(y, rf, j);
            if (!df_yaml_str(rn) || !find_field_def(p, df_yaml_str(rn)))
                return df_yaml_fail(y, rn, err, "record field '%s' is not defined under 'fields'",
                                    df_yaml_str(rn) ? df_yaml_str(rn) : "?");
            snprintf(c->record_fields[c->nkey], DF_NAME_MAX, "%s", df_yaml_str(rn));
            c->nkey++;
        }
        df_ynode *en = df_yaml_get(y, vn, "error");
        int r = df_reason_from_code(df_yaml_str(en) ? df_yaml_str(en) : "");
        if (r < 0)
            return df_yaml_fail(y, en ? en : vn, err, "catalog %s needs 'error', a reason code such as "
                                "E_PARTNER_UNMATCHED", c->name);
        c->reason = r;
    }
    return 0;
}

/* The longest BatchId the interface takes (the schema's maxLength); never
 * more than drugflow's own file-name limit, DF_BATCH_ID_MAX. */
static int load_batch_id_max(df_profile *p, df_yaml *y, df_ynode *dfn, df_error *err)
{
    df_ynode *n = df_yaml_get(y, dfn, "batch_id_max_length");
    long v = DF_BATCH_ID_MAX;
    if (n && df_yaml_long(y, n, 8, DF_BATCH_ID_MAX, &v, err) != 0)
        return -1;
    p->batch_id_max = (int)v;
    return 0;
}

static int load_header(df_profile *p, df_yaml *y, df_ynode *hf, df_error *err)
{
    if (!df_yaml_is_map(hf) || df_yaml_map_len(hf) == 0 || df_yaml_map_len(hf) > DF_MAX_HEADER)
        return df_yaml_fail(y, hf, err, "'header_fields' must map element names to run values");
    for (size_t i = 0; i < df_yaml_map_len(hf); i++) {
        df_ynode *kn = df_yaml_map_key(y, hf, i), *vn = df_yaml_map_val(y, hf, i);
        if (check_element_name(y, kn, df_yaml_str(kn), err) != 0)
            return -1;
        const char *v = df_yaml_str(vn);
        int which = -1;
        for (int k = 0; v && k < DF_HV_COUNT; k++)
            if (!strcmp(v, header_value_names[k]))
                which = k;
        if (which < 0)
            return df_yaml_fail(y, vn, err, "unknown header value '%s' (enterprise_code, enterprise_name, "
                                "doc_type, period, batch_id, chunk_seq, created_at)", v ? v : "?");
        snprintf(p->header_names[p->nheader], DF_NAME_MAX, "%s", df_yaml_str(kn));
        p->header_values[p->nheader++] = (df_header_value)which;
    }
    return 0;
}

int df_profile_load(df_profile *p, const char *path, df_error *err)
{
    static const char *const top_keys[] = {"profile", "endpoints", "entries", "datafile", "fields",
                                           "groups", "doc_types", "catalogs", "protocol", "signature", NULL};
    static const char *const df_keys[] = {"root", "version", "version_attribute", "header", "header_fields",
                                          "records", "record", "trailer", "record_count", "batch_id_max_length",
                                          NULL};
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", path);
    df_yaml y;
    if (df_yaml_load(&y, path, err) != 0) {
        df_refuse_non_utf8_yaml(path, "the profile", err); /* says it instead of libyaml's "invalid octet" */
        return df_error_prefix(err, "profile");
    }
    df_ynode *root = df_yaml_root(&y);
    int rc = -1;
    if (df_yaml_check_keys(&y, root, top_keys, "the profile", err) != 0)
        goto out;
    if (get_str(&y, root, "profile", p->name, sizeof p->name, err) != 0)
        goto out;
    df_ynode *ep = df_yaml_get(&y, root, "endpoints"), *en = df_yaml_get(&y, root, "entries");
    if (!ep || !en) {
        df_yaml_fail(&y, root, err, "the profile needs 'endpoints' and 'entries'");
        goto out;
    }
    if (get_str(&y, ep, "practice", p->endpoint_practice, sizeof p->endpoint_practice, err) ||
        get_str(&y, ep, "production", p->endpoint_production, sizeof p->endpoint_production, err) ||
        get_str(&y, en, "commodities", p->entry_commodities, sizeof p->entry_commodities, err) ||
        get_str(&y, en, "partners", p->entry_partners, sizeof p->entry_partners, err) ||
        get_str(&y, en, "upload", p->entry_upload, sizeof p->entry_upload, err) ||
        get_str(&y, en, "results", p->entry_results, sizeof p->entry_results, err))
        goto out;
    df_ynode *dfn = df_yaml_get(&y, root, "datafile");
    if (!dfn) {
        df_yaml_fail(&y, root, err, "the profile needs 'datafile'");
        goto out;
    }
    if (df_yaml_check_keys(&y, dfn, df_keys, "'datafile'", err) ||
        get_elem(&y, dfn, "root", p->root, sizeof p->root, err) ||
        get_str(&y, dfn, "version", p->version, sizeof p->version, err) ||
        get_elem(&y, dfn, "version_attribute", p->version_attribute, sizeof p->version_attribute, err) ||
        get_elem(&y, dfn, "header", p->header, sizeof p->header, err) ||
        get_elem(&y, dfn, "records", p->records, sizeof p->records, err) ||
        get_elem(&y, dfn, "record", p->record, sizeof p->record, err) ||
        get_elem(&y, dfn, "trailer", p->trailer, sizeof p->trailer, err) ||
        get_elem(&y, dfn, "record_count", p->record_count, sizeof p->record_count, err))
        goto out;
    p->record_len = (int)strlen(p->record);
    if (load_batch_id_max(p, &y, dfn, err) != 0)
        goto out;
    df_ynode *hf = df_yaml_get(&y, dfn, "header_fields");
    if (load_header(p, &y, hf ? hf : dfn, err) != 0)
        goto out;
    df_ynode *fields = df_yaml_get(&y, root, "fields");
    if (!fields) {
        df_yaml_fail(&y, root, err, "the profile needs 'fields'");
        goto out;
    }
    if (load_fields(p, &y, fields, err) != 0)
        goto out;
    df_ynode *dts = df_yaml_get(&y, root, "doc_types");
    if (!dts) {
        df_yaml_fail(&y, root, err, "the profile needs 'doc_types'");
        goto out;
    }
    if (load_doctypes(p, &y, dts, df_yaml_get(&y, root, "groups"), err) != 0)
        goto out;
    df_ynode *cats = df_yaml_get(&y, root, "catalogs");
    if (cats && load_catalogs(p, &y, cats, err) != 0)
        goto out;
    if (df_protocol_load(&p->protocol, &y, df_yaml_get(&y, root, "protocol"), err) != 0 ||
        df_signature_load(&p->signature, &y, df_yaml_get(&y, root, "signature"), err) != 0)
        goto out;
    /* Which catalog checks apply to which document type. */
    for (int d = 0; d < p->ndoctypes; d++) {
        df_doctype *dt = &p->doctypes[d];
        for (int c = 0; c < p->ncatalogs; c++) {
            dt->catalog_applies[c] = 1;
            for (int k = 0; k < p->catalogs[c].nkey; k++) {
                int idx = df_doctype_field_index(dt, p->catalogs[c].record_fields[k]);
                dt->catalog_fields[c][k] = idx;
                if (idx < 0)
                    dt->catalog_applies[c] = 0;
            }
        }
    }
    rc = df_yaml_check_unique_keys(&y, err);
out:
    df_yaml_free(&y);
    return rc;
}

const df_doctype *df_profile_doctype(const df_profile *p, const char *code)
{
    for (int i = 0; i < p->ndoctypes; i++)
        if (!strcmp(p->doctypes[i].code, code))
            return &p->doctypes[i];
    return NULL;
}

int df_doctype_field_index(const df_doctype *dt, const char *name)
{
    for (int i = 0; i < dt->nfields; i++)
        if (!strcmp(dt->fields[i]->name, name))
            return i;
    return -1;
}

int df_profile_catalog_index(const df_profile *p, const char *name)
{
    for (int i = 0; i < p->ncatalogs; i++)
        if (!strcmp(p->catalogs[i].name, name))
            return i;
    return -1;
}
