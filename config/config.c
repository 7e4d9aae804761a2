/* config/config.c — loading drugflow.yaml with environment overrides; see config.h. */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/yaml_doc.h"
#include "config/values.h"

/* One setting: where it lives in the file (section and key, section NULL at
 * the top), its environment variable, and its field. */
typedef enum { S_TEXT, S_PATH, S_INT, S_BOOL } setting_type;
typedef struct setting {
    const char *section, *key, *env;
    setting_type type;
    size_t offset, size;   /* text/path: char[size]; int: int or long by size */
    long min, max;
} setting;

#define TEXT(sec, k, env, f) {sec, k, env, S_TEXT, offsetof(df_config, f), sizeof((df_config *)0)->f, 0, 0}
#define PATH(sec, k, env, f) {sec, k, env, S_PATH, offsetof(df_config, f), sizeof((df_config *)0)->f, 0, 0}
#define NUM(sec, k, env, f, lo, hi) {sec, k, env, S_INT, offsetof(df_config, f), sizeof((df_config *)0)->f, lo, hi}
#define BOOL(sec, k, f) {sec, k, NULL, S_BOOL, offsetof(df_config, f), sizeof((df_config *)0)->f, 0, 1}

static const setting settings[] = {
    TEXT("enterprise", "code", "DRUGFLOW_ENTERPRISE_CODE", enterprise_code),
    TEXT("enterprise", "name", "DRUGFLOW_ENTERPRISE_NAME", enterprise_name),
    PATH(NULL, "profile", "DRUGFLOW_PROFILE", profile),
    TEXT(NULL, "endpoint", "DRUGFLOW_ENDPOINT", endpoint),
    PATH(NULL, "workspace", "DRUGFLOW_WORKSPACE", workspace),
    PATH(NULL, "catalogs", "DRUGFLOW_CATALOGS", catalogs),
    TEXT(NULL, "catalogs_encoding", "DRUGFLOW_CATALOGS_ENCODING", catalogs_encoding),
    PATH("tls", "ca", "DRUGFLOW_CA", ca),
    PATH("tls", "key", "DRUGFLOW_TLS_KEY", tls_key),
    PATH("tls", "cert", "DRUGFLOW_TLS_CERT", tls_cert),
    NUM("tls", "connect_timeout", "DRUGFLOW_CONNECT_TIMEOUT", connect_timeout, 1, 3600),
    NUM("tls", "transfer_timeout", "DRUGFLOW_TRANSFER_TIMEOUT", transfer_timeout, 1, 86400),
    TEXT("tls", "proxy", "DRUGFLOW_PROXY", proxy),
    PATH("certificate", "key", "DRUGFLOW_KEY", key),
    PATH("certificate", "cert", "DRUGFLOW_CERT", cert),
    TEXT("certificate", "passphrase_env", NULL, passphrase_env),
    PATH("certificate", "passphrase_file", "DRUGFLOW_PASSPHRASE_FILE", passphrase_file),
    BOOL("certificate", "allow_open_permissions", allow_open_key_perms),
    PATH("certificate", "pkcs11_module", "DRUGFLOW_PKCS11_MODULE", pkcs11_module),
    PATH("certificate", "ca", "DRUGFLOW_CERT_CA", cert_ca),
    NUM("convert", "threads", "DRUGFLOW_THREADS", threads, 0, DF_MAX_THREADS),
    NUM("convert", "chunk_records", NULL, chunk_records, DF_MIN_CHUNK_RECORDS, DF_MAX_CHUNK_RECORDS),
    NUM("convert", "chunk_bytes", NULL, chunk_bytes, DF_MIN_CHUNK_BYTES, DF_MAX_CHUNK_BYTES),
    NUM("upload", "parallel", "DRUGFLOW_UPLOADS", uploads, 1, DF_MAX_UPLOADS),
    NUM("upload", "attempts", "DRUGFLOW_ATTEMPTS", attempts, 1, DF_MAX_ATTEMPTS),
    NUM("upload", "status_timeout", "DRUGFLOW_STATUS_TIMEOUT", status_timeout, 1, 7 * 86400),
    NUM("upload", "retry_base_ms", "DRUGFLOW_RETRY_BASE_MS", retry_base_ms, 1, 600000),
};
#define NSETTINGS (sizeof settings / sizeof *settings)

static void *field(df_config *c, const setting *s)
{
    return (char *)c + s->offset;
}

static void set_number(df_config *c, const setting *s, long v)
{
    if (s->size == sizeof(long))
        *(long *)field(c, s) = v;
    else
        *(int *)field(c, s) = (int)v;
}

void df_config_resolve(const df_config *c, const char *in, char *out, size_t n)
{
    /* A key on a token is a pkcs11: URI, not a file name. */
    if (!in[0] || in[0] == '/' || !c->source[0] || !strncasecmp(in, "pkcs11:", 7)) {
        snprintf(out, n, "%s", in);
        return;
    }
    char dir[DF_PATH_MAX];
    df_path_dirname(c->source, dir, sizeof dir);
    snprintf(out, n, "%s/%s", dir, in);
}

/* One setting from its node in the file. */
static int load_setting(df_config *c, df_yaml *y, const setting *s, df_ynode *v, df_error *err)
{
    if (s->type == S_BOOL)
        return df_yaml_bool(y, v, (int *)field(c, s), err);
    if (s->type == S_INT) {
        long l;
        if (df_yaml_long(y, v, s->min, s->max, &l, err) != 0)
            return -1;
        set_number(c, s, l);
        return 0;
    }
    const char *str = df_yaml_str(v);
    if (!str)
        return df_yaml_fail(y, v, err, "'%s' must be a text", s->key);
    if (strlen(str) >= s->size)
        return df_yaml_fail(y, v, err, "'%s' is too long (at most %zu bytes)", s->key, s->size - 1);
    if (s->type == S_PATH)
        df_config_resolve(c, str, field(c, s), s->size);
    else
        snprintf(field(c, s), s->size, "%s", str);
    return 0;
}

/* The keys allowed in a section (NULL: the top level, which also names the sections). */
static int check_section_keys(df_yaml *y, df_ynode *map, const char *section, df_error *err)
{
    const char *allowed[NSETTINGS + 8];
    size_t n = 0;
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *name = section ? (settings[i].section && !strcmp(settings[i].section, section) ? settings[i].key
                                                                                                    : NULL)
                                   : (settings[i].section ? settings[i].section : settings[i].key);
        int dup = 0;
        for (size_t j = 0; name && j < n; j++)
            dup |= !strcmp(allowed[j], name);
        if (name && !dup)
            allowed[n++] = name;
    }
    allowed[n] = NULL;
    char what[80];
    snprintf(what, sizeof what, section ? "'%s'" : "the configuration", section);
    return df_yaml_check_keys(y, map, allowed, what, err);
}

static int load_file(df_config *c, const char *path, df_error *err)
{
    df_yaml y;
    if (df_yaml_load(&y, path, err) != 0)
        return df_error_prefix(err, "configuration");
    char abs[DF_PATH_MAX];
    if (path[0] != '/' && getcwd(abs, sizeof abs) && strlen(abs) + strlen(path) + 2 <= sizeof c->source)
        snprintf(c->source, sizeof c->source, "%s/%s", abs, path);
    else
        snprintf(c->source, sizeof c->source, "%s", path);
    df_ynode *r = df_yaml_root(&y);
    int rc = check_section_keys(&y, r, NULL, err);
    for (size_t i = 0; rc == 0 && i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        df_ynode *map = r;
        if (s->section) {
            map = df_yaml_get(&y, r, s->section);
            if (!map)
                continue;
            if ((i == 0 || !settings[i - 1].section || strcmp(settings[i - 1].section, s->section)) &&
                check_section_keys(&y, map, s->section, err) != 0) {
                rc = -1;
                break;
            }
        }
        df_ynode *v = df_yaml_get(&y, map, s->key);
        if (v && load_setting(c, &y, s, v, err) != 0)
            rc = -1;
    }
    df_yaml_free(&y);
    return rc;
}

static int load_env(df_config *c, df_error *err)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        const char *v = s->env ? getenv(s->env) : NULL;
        if (!v || !*v)
            continue;
        if (s->type == S_INT) {
            char *end;
            long l = strtol(v, &end, 10);
            if (*end || l < s->min || l > s->max)
                return df_errorf(err, "environment variable %s='%s' must be a number from %ld to %ld", s->env, v,
                                 s->min, s->max);
            set_number(c, s, l);
        } else if (strlen(v) >= s->size) {
            return df_errorf(err, "environment variable %s is too long (at most %zu bytes)", s->env, s->size - 1);
        } else {
            snprintf(field(c, s), s->size, "%s", v);
        }
    }
    return 0;
}

int df_config_set(df_config *c, const char *key, const char *value, df_error *err)
{
    if (!value)
        return 0;
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        char full[128];
        snprintf(full, sizeof full, "%s%s%s", s->section ? s->section : "", s->section ? "." : "", s->key);
        if (strcmp(full, key) != 0)
            continue;
        if (s->type == S_INT || s->type == S_BOOL) {
            char *end;
            long l = strtol(value, &end, 10);
            if (*end || end == value || l < s->min || l > s->max)
                return df_errorf(err, "%s takes a number from %ld to %ld, not '%s'", key, s->min, s->max, value);
            set_number(c, s, l);
            return 0;
        }
        if (strlen(value) >= s->size)
            return df_errorf(err, "%s: '%.60s…' is too long (at most %zu bytes)", key, value, s->size - 1);
        snprintf(field(c, s), s->size, "%s", value);
        return 0;
    }
    return df_errorf(err, "internal error: no setting %s", key);
}

int df_config_load(df_config *c, const char *path, df_error *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->endpoint, sizeof c->endpoint, "practice");
    snprintf(c->passphrase_env, sizeof c->passphrase_env, "DRUGFLOW_PASSPHRASE");
    c->uploads = 4;
    c->attempts = 8;
    c->connect_timeout = 15;
    c->transfer_timeout = 600;
    c->status_timeout = 600;
    c->retry_base_ms = 500;
    if (!path || !*path)
        path = getenv("DRUGFLOW_CONFIG");
    if (path && *path) {
        if (load_file(c, path, err) != 0)
            return -1;
    } else if (access("drugflow.yaml", R_OK) == 0) {
        if (load_file(c, "drugflow.yaml", err) != 0)
            return -1;
    } else if (access(DF_CONFIG_SYSTEM_PATH, R_OK) == 0 && load_file(c, DF_CONFIG_SYSTEM_PATH, err) != 0) {
        return -1;
    }
    return load_env(c, err);
}

int df_config_profile_path(const df_config *c, const char *explicit_path, char *out, size_t n, df_error *err)
{
    if (explicit_path) {
        snprintf(out, n, "%s", explicit_path);
        return 0;
    }
    if (c && c->profile[0]) {
        snprintf(out, n, "%s", c->profile);
        return 0;
    }
    if (df_find_shipped("profile/gd-v1.yaml", out, n) == 0)
        return 0;
    return df_errorf(err, "no profile found: give --profile FILE or 'profile:' in the configuration");
}
