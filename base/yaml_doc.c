/* base/yaml_doc.c — libyaml documents with positioned errors; see yaml_doc.h. */
#include "base/yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int df_yaml_load(df_yaml *y, const char *path, df_error *err)
{
    memset(y, 0, sizeof *y);
    snprintf(y->path, sizeof y->path, "%s", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s: cannot open", path);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        fclose(f);
        return df_errorf(err, "%s: out of memory", path);
    }
    yaml_parser_set_input_file(&p, f);
    int ok = yaml_parser_load(&p, &y->doc);
    if (!ok) {
        df_errorf(err, "%s:%zu:%zu: YAML syntax error: %s%s%s", path,
                  p.problem_mark.line + 1, p.problem_mark.column + 1,
                  p.problem ? p.problem : "unknown problem",
                  p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        fclose(f);
        return -1;
    }
    yaml_parser_delete(&p);
    fclose(f);
    y->loaded = 1;
    if (!yaml_document_get_root_node(&y->doc)) {
        df_yaml_free(y);
        return df_errorf(err, "%s:1:1: the file is empty", path);
    }
    return 0;
}

void df_yaml_free(df_yaml *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = 0;
}

df_ynode *df_yaml_root(df_yaml *y) { return yaml_document_get_root_node(&y->doc); }
int df_yaml_line(const df_ynode *n) { return n ? (int)n->start_mark.line + 1 : 0; }
int df_yaml_col(const df_ynode *n) { return n ? (int)n->start_mark.column + 1 : 0; }

int df_yaml_fail(df_yaml *y, const df_ynode *n, df_error *err, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (n)
        return df_errorf(err, "%s:%d:%d: %s", y->path, df_yaml_line(n), df_yaml_col(n), what);
    return df_errorf(err, "%s: %s", y->path, what);
}

int df_yaml_is_map(const df_ynode *n) { return n && n->type == YAML_MAPPING_NODE; }
int df_yaml_is_seq(const df_ynode *n) { return n && n->type == YAML_SEQUENCE_NODE; }
int df_yaml_is_scalar(const df_ynode *n) { return n && n->type == YAML_SCALAR_NODE; }

const char *df_yaml_str(const df_ynode *n)
{
    return df_yaml_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

size_t df_yaml_map_len(const df_ynode *n)
{
    return df_yaml_is_map(n) ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) : 0;
}

df_ynode *df_yaml_map_key(df_yaml *y, const df_ynode *n, size_t i)
{
    return yaml_document_get_node(&y->doc, n->data.mapping.pairs.start[i].key);
}

df_ynode *df_yaml_map_val(df_yaml *y, const df_ynode *n, size_t i)
{
    return yaml_document_get_node(&y->doc, n->data.mapping.pairs.start[i].value);
}

df_ynode *df_yaml_get(df_yaml *y, const df_ynode *map, const char *key)
{
    size_t len = df_yaml_map_len(map);
    for (size_t i = 0; i < len; i++) {
        const char *k = df_yaml_str(df_yaml_map_key(y, map, i));
        if (k && strcmp(k, key) == 0)
            return df_yaml_map_val(y, map, i);
    }
    return NULL;
}

size_t df_yaml_seq_len(const df_ynode *n)
{
    return df_yaml_is_seq(n) ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

df_ynode *df_yaml_seq_at(df_yaml *y, const df_ynode *n, size_t i)
{
    return yaml_document_get_node(&y->doc, n->data.sequence.items.start[i]);
}

int df_yaml_bool(df_yaml *y, const df_ynode *n, int *out, df_error *err)
{
    const char *s = df_yaml_str(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
        *out = 1;
        return 0;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
        *out = 0;
        return 0;
    }
    return df_yaml_fail(y, n, err, "expected true or false, found %s%s%s",
                        s ? "'" : "", s ? s : "a list or mapping", s ? "'" : "");
}

int df_yaml_long(df_yaml *y, const df_ynode *n, long min, long max, long *out, df_error *err)
{
    const char *s = df_yaml_str(n);
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno)
        return df_yaml_fail(y, n, err, "expected a whole number, found '%s'", s ? s : "?");
    if (v < min || v > max)
        return df_yaml_fail(y, n, err, "%ld is out of range (%ld to %ld)", v, min, max);
    *out = v;
    return 0;
}

int df_yaml_check_keys(df_yaml *y, const df_ynode *map, const char *const *allowed,
                       const char *what, df_error *err)
{
    if (!df_yaml_is_map(map))
        return df_yaml_fail(y, map, err, "%s must be a mapping (key: value lines)", what);
    size_t len = df_yaml_map_len(map);
    for (size_t i = 0; i < len; i++) {
        df_ynode *kn = df_yaml_map_key(y, map, i);
        const char *k = df_yaml_str(kn);
        int found = 0;
        for (const char *const *a = allowed; k && *a; a++)
            if (!strcmp(*a, k))
                found = 1;
        if (!found) {
            char list[512] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 3);
                if (a[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            return df_yaml_fail(y, kn, err, "unknown key '%s' in %s (allowed: %s)",
                                k ? k : "?", what, list);
        }
        /* A repeated key would be silently ignored (lookups find the first). */
        for (size_t j = 0; j < i; j++) {
            df_ynode *prev = df_yaml_map_key(y, map, j);
            if (df_yaml_str(prev) && !strcmp(df_yaml_str(prev), k))
                return df_yaml_fail(y, kn, err, "key '%s' appears twice in %s (first on line %d)", k, what,
                                    df_yaml_line(prev));
        }
    }
    return 0;
}
