/* mapping/mapping.c — loading mapping files and binding them to headers; see mapping.h. */
#include "mapping/mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/yaml_doc.h"
#include "mapping/encoding.h"
#include "mapping/row_filter.h"

const char *df_encoding_name(df_encoding e)
{
    switch (e) {
    case DF_ENC_GBK: return "GBK";
    case DF_ENC_GB18030: return "GB18030";
    default: return "UTF-8";
    }
}

static char *dup_str(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    if (len)
        *len = n;
    return d;
}

/* A single-byte character option such as delimiter: "," or "\t" or "tab". */
static int one_char(df_yaml *y, df_ynode *n, char *out, df_error *err)
{
    const char *s = df_yaml_str(n);
    if (s && !strcmp(s, "tab"))
        s = "\t";
    if (!s || strlen(s) != 1 || (unsigned char)s[0] >= 0x80 || s[0] == '\n' || s[0] == '\r')
        return df_yaml_fail(y, n, err, "expected one ASCII character (or \"tab\"), found '%s'", s ? s : "?");
    *out = s[0];
    return 0;
}

/* month_day: which day a month-only date ("2028.04") stands for. */
static int load_month_day(df_yaml *y, df_ynode *n, df_field_source *s, const char *fname, int months,
                          df_error *err)
{
    const char *v = df_yaml_str(n);
    if (!v || (strcmp(v, "last") && strcmp(v, "first")))
        return df_yaml_fail(y, n, err, "'month_day' is 'last' (the default: 2028.04 is 2028-04-30) or 'first' "
                            "(2028-04-01), not '%s'", v ? v : "a list or map");
    if (!months)
        return df_yaml_fail(y, n, err, "'month_day' applies to month formats without %%d (such as \"%%Y.%%m\"); "
                            "none of the date formats of %s is one: add one or remove 'month_day'", fname);
    s->month_day = !strcmp(v, "first") ? DF_MONTH_DAY_FIRST : DF_MONTH_DAY_LAST;
    return 0;
}

static int load_source(df_mapping *m, df_yaml *y, df_ynode *kn, df_ynode *vn, df_error *err)
{
    static const char *const keys[] = {"column", "constant", "default", "trim", "date", "month_day",
                                       "decimal", "decimal_comma", "map", "map_strict", NULL};
    const char *fname = df_yaml_str(kn);
    int fi = fname ? df_doctype_field_index(m->dt, fname) : -1;
    if (fi < 0) {
        char list[1024] = "";
        for (int i = 0; i < m->dt->nfields; i++) {
            strncat(list, m->dt->fields[i]->name, sizeof list - strlen(list) - 3);
            if (i + 1 < m->dt->nfields)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
        }
        return df_yaml_fail(y, kn, err, "'%s' is not a field of document type %s (its fields: %s)",
                            fname ? fname : "?", m->dt->code, list);
    }
    df_field_source *s = &m->src[fi];
    if (s->mapped)
        return df_yaml_fail(y, kn, err, "field '%s' is mapped twice", fname);
    s->mapped = 1;
    s->trim = 1;
    s->column = -1;
    s->line = df_yaml_line(kn);
    s->col = df_yaml_col(kn);
    /* Shorthand: `Field: column name` */
    if (df_yaml_is_scalar(vn)) {
        snprintf(s->column_name, sizeof s->column_name, "%s", df_yaml_str(vn));
        if (!s->column_name[0])
            return df_yaml_fail(y, vn, err, "empty column name for field '%s'", fname);
        return 0;
    }
    if (df_yaml_check_keys(y, vn, keys, "a field mapping", err) != 0)
        return -1;
    df_ynode *n;
    if ((n = df_yaml_get(y, vn, "column"))) {
        const char *c = df_yaml_str(n);
        if (!c || !*c)
            return df_yaml_fail(y, n, err, "'column' must name a header column or give a number");
        snprintf(s->column_name, sizeof s->column_name, "%s", c);
    }
    if ((n = df_yaml_get(y, vn, "constant"))) {
        if (!df_yaml_str(n))
            return df_yaml_fail(y, n, err, "'constant' must be a text");
        s->has_constant = 1;
        if (!(s->constant = dup_str(df_yaml_str(n), &s->constant_len)))
            return df_errorf(err, "out of memory");
    }
    if (!s->column_name[0] && !s->has_constant)
        return df_yaml_fail(y, vn, err, "field '%s' needs 'column' or 'constant'", fname);
    if (s->column_name[0] && s->has_constant)
        return df_yaml_fail(y, vn, err, "field '%s' has both 'column' and 'constant'; keep one", fname);
    if ((n = df_yaml_get(y, vn, "default"))) {
        if (!df_yaml_str(n))
            return df_yaml_fail(y, n, err, "'default' must be a text");
        s->has_default = 1;
        if (!(s->def = dup_str(df_yaml_str(n), &s->def_len)))
            return df_errorf(err, "out of memory");
    }
    if ((n = df_yaml_get(y, vn, "trim")) && df_yaml_bool(y, n, &s->trim, err) != 0)
        return -1;
    int months = 0; /* a date format without %d */
    if ((n = df_yaml_get(y, vn, "date"))) {
        if (m->dt->fields[fi]->type != DF_FT_DATE)
            return df_yaml_fail(y, n, err, "'date' applies to date fields; %s is not one", fname);
        size_t cnt = df_yaml_is_seq(n) ? df_yaml_seq_len(n) : 1;
        if (cnt == 0 || cnt > DF_MAX_DATE_FORMATS)
            return df_yaml_fail(y, n, err, "'date' takes 1 to %d input formats", DF_MAX_DATE_FORMATS);
        for (size_t i = 0; i < cnt; i++) {
            df_ynode *fn = df_yaml_is_seq(n) ? df_yaml_seq_at(y, n, i) : n;
            const char *f = df_yaml_str(fn);
            /* Walk the directives as df_date_parse does: "%%" is a literal
             * '%' (so "%%d" is no day), a lone '%' at the end is an error. */
            int ymd = 0;
            for (const char *c = f; c && *c; c++) {
                if (*c != '%')
                    continue;
                c++;
                if (!*c || !strchr("YmdHMS%", *c))
                    return df_yaml_fail(y, fn, err, "unknown directive %%%c in date format (use %%Y %%m %%d "
                                        "%%H %%M %%S, %%%% for a '%%')", *c ? *c : ' ');
                ymd |= *c == 'Y' ? 1 : *c == 'm' ? 2 : *c == 'd' ? 4 : 0;
            }
            if (!f || (ymd & 3) != 3 || strlen(f) >= sizeof s->date_formats[0])
                return df_yaml_fail(y, fn, err, "a date format needs %%Y and %%m, and %%d unless it is a month, "
                                    "e.g. \"%%Y/%%m/%%d\", \"%%Y年%%m月%%d日\" or \"%%Y.%%m\"");
            months |= !(ymd & 4);
            strcpy(s->date_formats[s->ndate_formats++], f);
        }
    }
    if ((n = df_yaml_get(y, vn, "month_day")) && load_month_day(y, n, s, fname, months, err) != 0)
        return -1;
    if ((n = df_yaml_get(y, vn, "decimal"))) {
        if (df_yaml_bool(y, n, &s->decimal, err) != 0)
            return -1;
        if (s->decimal && m->dt->fields[fi]->type != DF_FT_DECIMAL)
            return df_yaml_fail(y, n, err, "'decimal' applies to decimal fields; %s is not one", fname);
    }
    if ((n = df_yaml_get(y, vn, "decimal_comma"))) {
        /* "1.234,5": the decimal mark is a comma; implies decimal: true. */
        if (df_yaml_bool(y, n, &s->decimal_comma, err) != 0)
            return -1;
        if (s->decimal_comma && m->dt->fields[fi]->type != DF_FT_DECIMAL)
            return df_yaml_fail(y, n, err, "'decimal_comma' applies to decimal fields; %s is not one", fname);
        s->decimal |= s->decimal_comma;
    }
    if ((n = df_yaml_get(y, vn, "map"))) {
        if (!df_yaml_is_map(n))
            return df_yaml_fail(y, n, err, "'map' must map ERP values to interface values");
        size_t cnt = df_yaml_map_len(n);
        df_value_map *vm = &s->map;
        vm->from = calloc(cnt, sizeof *vm->from);
        vm->to = calloc(cnt, sizeof *vm->to);
        vm->from_len = calloc(cnt, sizeof *vm->from_len);
        vm->to_len = calloc(cnt, sizeof *vm->to_len);
        if (!vm->from || !vm->to || !vm->from_len || !vm->to_len)
            return df_errorf(err, "out of memory");
        for (size_t i = 0; i < cnt; i++) {
            df_ynode *a = df_yaml_map_key(y, n, i), *b = df_yaml_map_val(y, n, i);
            if (!df_yaml_str(a) || !df_yaml_str(b))
                return df_yaml_fail(y, a, err, "a value map entry maps a text to a text");
            vm->from[i] = dup_str(df_yaml_str(a), &vm->from_len[i]);
            vm->to[i] = dup_str(df_yaml_str(b), &vm->to_len[i]);
            vm->n++;
            if (!vm->from[i] || !vm->to[i])
                return df_errorf(err, "out of memory");
        }
    }
    if ((n = df_yaml_get(y, vn, "map_strict")) && df_yaml_bool(y, n, &s->map_strict, err) != 0)
        return -1;
    return 0;
}

/* One skip_if filter: {column: NAME, matches: REGEX}, {column: NAME, empty: true} or {empty: true}. */
static int load_filter(df_mapping *m, df_yaml *y, df_ynode *fn, df_error *err)
{
    static const char *const keys[] = {"column", "matches", "empty", NULL};
    static const char *const forms = "{column: NAME, matches: REGEX}, {column: NAME, empty: true} or {empty: true}";
    if (!df_yaml_is_map(fn))
        return df_yaml_fail(y, fn, err, "a skip_if filter is %s", forms);
    if (df_yaml_check_keys(y, fn, keys, "a skip_if filter", err) != 0)
        return -1;
    if (m->nfilters >= DF_MAX_ROW_FILTERS)
        return df_yaml_fail(y, fn, err, "more than %d skip_if filters; join some with | in one 'matches'",
                            DF_MAX_ROW_FILTERS);
    df_row_filter *f = &m->filters[m->nfilters];
    memset(f, 0, sizeof *f);
    f->column = -1;
    f->line = df_yaml_line(fn);
    f->col = df_yaml_col(fn);
    df_ynode *cn = df_yaml_get(y, fn, "column"), *mn = df_yaml_get(y, fn, "matches");
    df_ynode *en = df_yaml_get(y, fn, "empty");
    if (cn) {
        const char *c = df_yaml_str(cn);
        if (!c || !*c || strlen(c) >= sizeof f->column_name)
            return df_yaml_fail(y, cn, err, "'column' of a skip_if filter names a header column (or, without a "
                                "header, gives its number from 1)");
        snprintf(f->column_name, sizeof f->column_name, "%s", c);
        if (!m->header) {
            /* Without a header row, a number from 1, as a field's column is (csv: header is read before). */
            char *end;
            long v = strtol(c, &end, 10);
            if (*end || v < 1 || v > 4096)
                return df_yaml_fail(y, cn, err, "without a header row, 'column' is a column number from 1, "
                                    "not '%s'", c);
            f->column = (int)v - 1;
        }
    }
    if (mn && en)
        return df_yaml_fail(y, en, err, "a skip_if filter has 'matches' or 'empty', not both: make it two filters");
    if (!mn && !en)
        return df_yaml_fail(y, fn, err, "a skip_if filter needs 'matches' or 'empty': %s", forms);
    if (en) {
        int e;
        if (df_yaml_bool(y, en, &e, err) != 0)
            return -1;
        if (!e)
            return df_yaml_fail(y, en, err, "'empty' is only ever true (skip the rows where it is empty); "
                                "remove the filter to keep such rows");
        f->kind = cn ? DF_RF_EMPTY_COLUMN : DF_RF_EMPTY_ROW;
    } else {
        const char *re = df_yaml_str(mn);
        if (!cn)
            return df_yaml_fail(y, mn, err, "'matches' tests one column: add 'column: NAME' to the filter");
        if (!re || !*re || strlen(re) >= sizeof f->pattern)
            return df_yaml_fail(y, mn, err, "'matches' is a regular expression (POSIX extended, up to %zu bytes), "
                                "e.g. \"^(合计|小计)\"", sizeof f->pattern - 1);
        char why[256];
        if (df_row_filter_compile(f, re, why, sizeof why) != 0)
            return df_yaml_fail(y, mn, err, "'matches' is not a valid regular expression (POSIX extended): %s; "
                                "quote it in single quotes if it holds a backslash", why);
        f->kind = DF_RF_MATCHES;
    }
    m->nfilters++;
    return 0;
}

static int load_filters(df_mapping *m, df_yaml *y, df_ynode *n, df_error *err)
{
    if (!df_yaml_is_seq(n))
        return load_filter(m, y, n, err);
    if (df_yaml_seq_len(n) == 0)
        return df_yaml_fail(y, n, err, "'skip_if' lists no filter; remove it or add one");
    for (size_t i = 0; i < df_yaml_seq_len(n); i++)
        if (load_filter(m, y, df_yaml_seq_at(y, n, i), err) != 0)
            return -1;
    return 0;
}

/* The key node of `key` in map (for complaints about the whole value). */
static df_ynode *key_node(df_yaml *y, const df_ynode *map, const char *key)
{
    for (size_t i = 0; i < df_yaml_map_len(map); i++) {
        df_ynode *k = df_yaml_map_key(y, map, i);
        if (df_yaml_str(k) && !strcmp(df_yaml_str(k), key))
            return k;
    }
    return NULL;
}

int df_mapping_load(df_mapping *m, const df_profile *p, const char *path, df_error *err)
{
    static const char *const top[] = {"doc_type", "encoding", "csv", "fields", "description", NULL};
    static const char *const csv_keys[] = {"delimiter", "quote", "header", "skip_rows", "skip_footer", "skip_if",
                                            "sheet", NULL};
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    m->delimiter = ',';
    m->quote = '"';
    m->header = 1;
    df_yaml y;
    if (df_yaml_load(&y, path, err) != 0) {
        df_refuse_non_utf8_yaml(path, "the mapping", err); /* says it instead of libyaml's "invalid octet" */
        return df_error_prefix(err, "mapping");
    }
    int rc = -1;
    df_ynode *root = df_yaml_root(&y), *n;
    if (df_yaml_check_keys(&y, root, top, "the mapping", err) != 0)
        goto out;
    n = df_yaml_get(&y, root, "doc_type");
    if (!n || !df_yaml_str(n)) {
        df_yaml_fail(&y, n ? n : root, err, "the mapping needs 'doc_type' (one of the profile's document types)");
        goto out;
    }
    if (!(m->dt = df_profile_doctype(p, df_yaml_str(n)))) {
        char list[512] = "";
        for (int i = 0; i < p->ndoctypes; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", p->doctypes[i].code);
        df_yaml_fail(&y, n, err, "unknown document type '%s' (profile %s has: %s)", df_yaml_str(n), p->name, list);
        goto out;
    }
    if ((n = df_yaml_get(&y, root, "encoding"))) {
        const char *e = df_yaml_str(n);
        if (df_encoding_parse(e, &m->encoding) != 0) {
            df_yaml_fail(&y, n, err, "unknown encoding '%s' (UTF-8, GBK or GB18030)", e ? e : "?");
            goto out;
        }
    }
    if ((n = df_yaml_get(&y, root, "csv"))) {
        df_ynode *c;
        long l;
        if (df_yaml_check_keys(&y, n, csv_keys, "'csv'", err) != 0)
            goto out;
        if ((c = df_yaml_get(&y, n, "delimiter")) && one_char(&y, c, &m->delimiter, err) != 0)
            goto out;
        if ((c = df_yaml_get(&y, n, "quote")) && one_char(&y, c, &m->quote, err) != 0)
            goto out;
        if ((c = df_yaml_get(&y, n, "header")) && df_yaml_bool(&y, c, &m->header, err) != 0)
            goto out;
        if ((c = df_yaml_get(&y, n, "skip_rows"))) {
            if (df_yaml_long(&y, c, 0, 1000000, &l, err) != 0)
                goto out;
            m->skip_rows = (int)l;
        }
        if ((c = df_yaml_get(&y, n, "skip_footer"))) {
            if (df_yaml_long(&y, c, 0, DF_MAX_SKIP_FOOTER, &l, err) != 0)
                goto out;
            m->skip_footer = (int)l;
        }
        if ((c = df_yaml_get(&y, n, "skip_if")) && load_filters(m, &y, c, err) != 0)
            goto out;
        if ((c = df_yaml_get(&y, n, "sheet"))) {
            const char *v = df_yaml_str(c);
            if (!v || !v[0] || strlen(v) >= sizeof m->sheet) {
                df_yaml_fail(&y, c, err, "sheet: the name of a sheet of the .xlsx exports, as Excel shows it");
                goto out;
            }
            snprintf(m->sheet, sizeof m->sheet, "%s", v);
        }
        if (m->delimiter == m->quote) {
            df_yaml_fail(&y, n, err, "delimiter and quote must differ");
            goto out;
        }
    }
    df_ynode *fields = df_yaml_get(&y, root, "fields");
    if (!df_yaml_is_map(fields)) {
        df_yaml_fail(&y, fields ? fields : root, err, "the mapping needs 'fields': profile field -> source");
        goto out;
    }
    for (size_t i = 0; i < df_yaml_map_len(fields); i++)
        if (load_source(m, &y, df_yaml_map_key(&y, fields, i), df_yaml_map_val(&y, fields, i), err) != 0)
            goto out;
    for (int i = 0; i < m->dt->nfields; i++) {
        df_field_source *s = &m->src[i];
        if (!s->mapped) {
            s->column = -1;
            if (m->dt->fields[i]->required) {
                /* At `fields:` itself: the mapping's first entry is not the problem. */
                df_yaml_fail(&y, key_node(&y, root, "fields"), err, "required field %s of %s is not mapped (give it a column, "
                             "a constant or a column with a default)", m->dt->fields[i]->name, m->dt->code);
                goto out;
            }
            continue;
        }
        if (!m->header && s->column_name[0]) {
            char *end;
            long c = strtol(s->column_name, &end, 10);
            if (*end || c < 1 || c > 4096) {
                df_errorf(err, "%s:%d:%d: field %s: without a header row, 'column' is a column number "
                          "from 1, not '%s'", path, s->line, s->col, m->dt->fields[i]->name, s->column_name);
                goto out;
            }
            s->column = (int)c - 1;
        }
    }
    rc = df_yaml_check_unique_keys(&y, err);
out:
    df_yaml_free(&y);
    if (rc != 0)
        df_mapping_free(m);
    return rc;
}

void df_mapping_free(df_mapping *m)
{
    for (int i = 0; i < m->nfilters; i++)
        df_row_filter_free(&m->filters[i]);
    m->nfilters = 0;
    for (int i = 0; i < DF_MAX_FIELDS; i++) {
        df_field_source *s = &m->src[i];
        free(s->constant);
        free(s->def);
        for (size_t k = 0; k < s->map.n; k++) {
            free(s->map.from[k]);
            free(s->map.to[k]);
        }
        free(s->map.from);
        free(s->map.to);
        free(s->map.from_len);
        free(s->map.to_len);
        memset(s, 0, sizeof *s);
    }
}

/* 1 if header cell h (spaces around it ignored) is name. */
static int header_is(const char *h, size_t hl, const char *name, size_t want)
{
    while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
        hl--;
    while (hl && (*h == ' ' || *h == '\t')) {
        h++;
        hl--;
    }
    return hl == want && memcmp(h, name, want) == 0;
}

/* The columns of the skip_if filters, by header name, as the fields' are. */
static int bind_filter_names(df_mapping *m, const char *input_path, long line, const char *const *names,
                             const size_t *lens, int n, df_error *err)
{
    for (int i = 0; i < m->nfilters; i++) {
        df_row_filter *f = &m->filters[i];
        if (f->kind == DF_RF_EMPTY_ROW)
            continue;
        size_t want = strlen(f->column_name);
        f->column = -1;
        for (int c = 0; c < n; c++) {
            if (!header_is(names[c], lens[c], f->column_name, want))
                continue;
            if (f->column >= 0)
                return df_errorf(err, "%s:%ld: the header has the column '%s' twice (columns %d and %d), which the "
                                 "skip_if filter at %s:%d:%d tests: rename one of the two in the export",
                                 input_path, line, f->column_name, f->column + 1, c + 1, m->path, f->line, f->col);
            f->column = c;
        }
        if (f->column < 0)
            return df_errorf(err, "%s:%ld: the header has no column '%s', which the skip_if filter at %s:%d:%d "
                             "tests; fix the column name in the mapping or the export", input_path, line,
                             f->column_name, m->path, f->line, f->col);
    }
    return 0;
}

int df_mapping_bind_header(df_mapping *m, const char *input_path, long line, const char *const *names,
                           const size_t *lens, int n, df_error *err)
{
    if (!m->header)
        return 0;
    for (int i = 0; i < m->dt->nfields; i++) {
        df_field_source *s = &m->src[i];
        if (!s->mapped || s->has_constant)
            continue;
        s->column = -1;
        size_t want = strlen(s->column_name);
        for (int c = 0; c < n; c++) {
            if (!header_is(names[c], lens[c], s->column_name, want))
                continue;
            if (s->column >= 0)
                return df_errorf(err, "%s:%ld: the header has the column '%s' twice (columns %d and %d), which "
                                 "%s:%d maps to field %s: the values could come from either; rename one of the "
                                 "two in the export", input_path, line, s->column_name, s->column + 1, c + 1,
                                 m->path, s->line, m->dt->fields[i]->name);
            s->column = c;
        }
        if (s->column < 0)
            return df_errorf(err, "%s:%ld: the header has no column '%s', which %s:%d maps to field %s; "
                             "fix the column name in the mapping or the export", input_path, line,
                             s->column_name, m->path, s->line, m->dt->fields[i]->name);
    }
    return bind_filter_names(m, input_path, line, names, lens, n, err);
}

int df_mapping_missing_columns(const df_mapping *m, const char *const *names, const size_t *lens, int n,
                               const char **out, int cap)
{
    int k = 0;
    for (int i = 0; m->header && i < m->dt->nfields && k < cap; i++) {
        const df_field_source *s = &m->src[i];
        if (!s->mapped || s->has_constant)
            continue;
        int found = 0;
        for (int c = 0; c < n && !found; c++)
            found = header_is(names[c], lens[c], s->column_name, strlen(s->column_name));
        if (!found)
            out[k++] = s->column_name;
    }
    return k;
}

int df_mapping_columns_needed(const df_mapping *m)
{
    int mx = 0;
    for (int i = 0; i < m->dt->nfields; i++)
        if (m->src[i].mapped && m->src[i].column + 1 > mx)
            mx = m->src[i].column + 1;
    return mx;
}
