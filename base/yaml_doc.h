/* base/yaml_doc.h — a loaded YAML file with positions, for the loaders.
 *
 * The profile, mapping and configuration loaders read their files through
 * this thin layer over libyaml's document API so that every complaint names
 * the file, line and column of the node it is about.
 *
 * The files come from users, so they are bounded before they are parsed:
 * at most DF_YAML_MAX_BYTES, nesting at most DF_YAML_MAX_DEPTH levels and
 * DF_YAML_MAX_ALIASES aliases (checked on the event stream, so a deeply
 * nested file or an alias bomb is refused in microseconds). A loader ends
 * with df_yaml_check_unique_keys, so that no mapping anywhere holds a key
 * twice, after its own checks have said it in their words. */
#ifndef DF_BASE_YAML_DOC_H
#define DF_BASE_YAML_DOC_H

#include <stddef.h>
#include <yaml.h>
#include "base/error.h"
#include "base/path.h"

#define DF_YAML_MAX_BYTES (8 << 20)
#define DF_YAML_MAX_DEPTH 64
#define DF_YAML_MAX_ALIASES 64

typedef struct df_yaml {
    yaml_document_t doc;
    char path[DF_PATH_MAX];
    int loaded;
} df_yaml;

typedef yaml_node_t df_ynode;

int df_yaml_load(df_yaml *y, const char *path, df_error *err);
void df_yaml_free(df_yaml *y);
df_ynode *df_yaml_root(df_yaml *y);

/* Positions are 1-based for messages. */
int df_yaml_line(const df_ynode *n);
int df_yaml_col(const df_ynode *n);

/* Sets err to "PATH:LINE:COL: message" and returns -1. */
int df_yaml_fail(df_yaml *y, const df_ynode *n, df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int df_yaml_is_map(const df_ynode *n);
int df_yaml_is_seq(const df_ynode *n);
int df_yaml_is_scalar(const df_ynode *n);
/* The scalar's text (NUL-terminated by libyaml), or NULL if not a scalar. */
const char *df_yaml_str(const df_ynode *n);

/* Mapping iteration: number of pairs, and the i-th key and value. */
size_t df_yaml_map_len(const df_ynode *n);
df_ynode *df_yaml_map_key(df_yaml *y, const df_ynode *n, size_t i);
df_ynode *df_yaml_map_val(df_yaml *y, const df_ynode *n, size_t i);
/* Value under a key of a mapping, or NULL. */
df_ynode *df_yaml_get(df_yaml *y, const df_ynode *map, const char *key);

size_t df_yaml_seq_len(const df_ynode *n);
df_ynode *df_yaml_seq_at(df_yaml *y, const df_ynode *n, size_t i);

/* Typed reads of a scalar node, failing with the node's position. */
int df_yaml_bool(df_yaml *y, const df_ynode *n, int *out, df_error *err);
int df_yaml_long(df_yaml *y, const df_ynode *n, long min, long max, long *out, df_error *err);
/* Fails unless every key of map is one of the NULL-terminated allowed list,
 * and none appears twice, so that a typo in a key or a repeated key is an
 * error, not a silently ignored line. */
int df_yaml_check_keys(df_yaml *y, const df_ynode *map, const char *const *allowed,
                       const char *what, df_error *err);
/* Fails if any mapping of the document holds a key twice: every lookup
 * would find only the first (a value map's second "01:" silently ignored). */
int df_yaml_check_unique_keys(df_yaml *y, df_error *err);

#endif
