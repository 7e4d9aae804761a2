/* base/yaml_doc.c — libyaml documents with positioned errors; see yaml_doc.h. */
#include "base/yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file, at most DF_YAML_MAX_BYTES: checked before anything is
 * parsed. *buf is malloc'd. */
static int read_bounded(const char *path, unsigned char **buf, size_t *len, df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s: cannot open", path);
    size_t cap = 64 * 1024, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > DF_YAML_MAX_BYTES)
                break;
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!b)
        return df_errorf(err, "%s: out of memory", path);
    if (bad) {
        free(b);
        return df_errorf(err, "%s: read error", path);
    }
    if (n > DF_YAML_MAX_BYTES) {
        free(b);
        return df_errorf(err, "%s: the file is larger than %d MiB; a profile, mapping or configuration is far "
                         "smaller (is it the right file?)", path, DF_YAML_MAX_BYTES >> 20);
    }
    *buf = b;
    *len = n;
    return 0;
}

static int syntax_error(const char *path, yaml_parser_t *p, df_error *err)
{
    return df_errorf(err, "%s:%zu:%zu: YAML syntax error: %s%s%s", path, p->problem_mark.line + 1,
                     p->problem_mark.column + 1, p->problem ? p->problem : "unknown problem",
                     p->context ? " " : "", p->context ? p->context : "");
}

/* A first pass over the events, before any node is built: nesting deeper
 * than DF_YAML_MAX_DEPTH or more than DF_YAML_MAX_ALIASES aliases stop it
 * at once (a 10,000-deep file, an alias bomb), naming where. */
static int check_bounds(const char *path, const unsigned char *buf, size_t len, df_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return df_errorf(err, "%s: out of memory", path);
    yaml_parser_set_input_string(&p, buf, len);
    int depth = 0, aliases = 0, rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = syntax_error(path, &p, err);
            break;
        }
        yaml_event_type_t t = e.type;
        size_t line = e.start_mark.line + 1, col = e.start_mark.column + 1;
        yaml_event_delete(&e);
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            if (++depth > DF_YAML_MAX_DEPTH) {
                rc = df_errorf(err, "%s:%zu:%zu: nested deeper than %d levels; refused", path, line, col,
                               DF_YAML_MAX_DEPTH);
                break;
            }
        } else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
            depth--;
        } else if (t == YAML_ALIAS_EVENT && ++aliases > DF_YAML_MAX_ALIASES) {
            rc = df_errorf(err, "%s:%zu:%zu: more than %d aliases (*name); refused", path, line, col,
                           DF_YAML_MAX_ALIASES);
            break;
        } else if (t == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

typedef struct key_ref {
    const char *s;
    const df_ynode *n;
} key_ref;

static int key_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    if (!c)
        c = df_yaml_line(x->n) - df_yaml_line(y->n);
    return c ? c : df_yaml_col(x->n) - df_yaml_col(y->n);
}

int df_yaml_check_unique_keys(df_yaml *y, df_error *err)
{
    for (yaml_node_t *n = y->doc.nodes.start; n < y->doc.nodes.top; n++) {
        size_t len = df_yaml_map_len(n);
        if (len < 2)
            continue;
        key_ref *keys = malloc(len * sizeof *keys);
        if (!keys)
            return df_errorf(err, "%s: out of memory", y->path);
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            df_ynode *kn = df_yaml_map_key(y, n, i);
            if (df_yaml_str(kn))
                keys[k++] = (key_ref){df_yaml_str(kn), kn};
        }
        qsort(keys, k, sizeof *keys, key_cmp);
        for (size_t i = 1; i < k; i++)
            if (!strcmp(keys[i].s, keys[i - 1].s)) {
                df_yaml_fail(y, keys[i].n, err, "key '%s' appears twice in the same mapping (first on line %d)",
                             keys[i].s, df_yaml_line(keys[i - 1].n));
                free(keys);
                return -1;
            }
        free(keys);
    }
    return 0;
}

int df_yaml_load(df_yaml *y, const char *path, df_error *err)
{
    memset(y, 0, sizeof *y);
    snprintf(y->path, sizeof y->path, "%s", path);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_bounded(path, &buf, &len, err) != 0)
        return -1;
    if (check_bounds(path, buf, len, err) != 0) {
        free(buf);
        return -1;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        free(buf);
        return df_errorf(err, "%s: out of memory", path);
    }
    yaml_parser_set_input_string(&p, buf, len);
    int ok = yaml_parser_load(&p, &y->doc);
    if (!ok)
        syntax_error(path, &p, err);
    yaml_parser_delete(&p);
    free(buf);
    if (!ok)
        return -1;
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
