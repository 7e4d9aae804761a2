/* config/config.c — loading drugflow.yaml with environment overrides; see config.h. */
#include "config/config.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/yaml_doc.h"

void df_config_resolve(const df_config *c, const char *in, char *out, size_t n)
{
    if (!in[0] || in[0] == '/' || !c->source[0]) {
        snprintf(out, n, "%s", in);
        return;
    }
    char dir[DF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", c->source);
    snprintf(out, n, "%s/%s", dirname(dir), in);
}

static int set_str(df_config *c, df_yaml *y, df_ynode *map, const char *key, char *dst, size_t n, int is_path,
                   df_error *err)
{
    df_ynode *v = df_yaml_get(y, map, key);
    if (!v)
        return 0;
    const char *s = df_yaml_str(v);
    if (!s)
        return df_yaml_fail(y, v, err, "'%s' must be a text", key);
    if (strlen(s) >= n)
        return df_yaml_fail(y, v, err, "'%s' is too long", key);
    if (is_path)
        df_config_resolve(c, s, dst, n);
    else
        snprintf(dst, n, "%s", s);
    return 0;
}

static int set_long(df_yaml *y, df_ynode *map, const char *key, long min, long max, long *dst, df_error *err)
{
    df_ynode *v = df_yaml_get(y, map, key);
    return v ? df_yaml_long(y, v, min, max, dst, err) : 0;
}

static int load_file(df_config *c, const char *path, df_error *err)
{
    static const char *const top[] = {"enterprise", "profile", "endpoint", "tls", "certificate", "workspace",
                                      "catalogs", "convert", "upload", NULL};
    static const char *const ent[] = {"code", "name", NULL};
    static const char *const tls[] = {"ca", "connect_timeout", "transfer_timeout", NULL};
    static const char *const cert[] = {"key", "cert", "passphrase_env", "passphrase_file", "allow_open_permissions", NULL};
    static const char *const conv[] = {"threads", "chunk_records", "chunk_bytes", NULL};
    static const char *const upl[] = {"parallel", "attempts", "status_timeout", "retry_base_ms", NULL};
    df_yaml y;
    if (df_yaml_load(&y, path, err) != 0)
        return df_error_prefix(err, "configuration");
    char abs[DF_PATH_MAX];
    if (path[0] != '/' && getcwd(abs, sizeof abs)) {
        size_t l = strlen(abs);
        snprintf(abs + l, sizeof abs - l, "/%s", path);
        snprintf(c->source, sizeof c->source, "%s", abs);
    } else {
        snprintf(c->source, sizeof c->source, "%s", path);
    }
    df_ynode *r = df_yaml_root(&y), *n;
    long l;
    int rc = -1;
    if (df_yaml_check_keys(&y, r, top, "the configuration", err) != 0)
        goto out;
    if ((n = df_yaml_get(&y, r, "enterprise"))) {
        if (df_yaml_check_keys(&y, n, ent, "'enterprise'", err) ||
            set_str(c, &y, n, "code", c->enterprise_code, sizeof c->enterprise_code, 0, err) ||
            set_str(c, &y, n, "name", c->enterprise_name, sizeof c->enterprise_name, 0, err))
            goto out;
    }
    if (set_str(c, &y, r, "profile", c->profile, sizeof c->profile, 1, err) ||
        set_str(c, &y, r, "endpoint", c->endpoint, sizeof c->endpoint, 0, err) ||
        set_str(c, &y, r, "workspace", c->workspace, sizeof c->workspace, 1, err) ||
        set_str(c, &y, r, "catalogs", c->catalogs, sizeof c->catalogs, 1, err))
        goto out;
    if ((n = df_yaml_get(&y, r, "tls"))) {
        if (df_yaml_check_keys(&y, n, tls, "'tls'", err) || set_str(c, &y, n, "ca", c->ca, sizeof c->ca, 1, err))
            goto out;
        if (set_long(&y, n, "connect_timeout", 1, 3600, &l, err))
            goto out;
        if (df_yaml_get(&y, n, "connect_timeout"))
            c->connect_timeout = (int)l;
        if (set_long(&y, n, "transfer_timeout", 1, 86400, &l, err))
            goto out;
        if (df_yaml_get(&y, n, "transfer_timeout"))
            c->transfer_timeout = (int)l;
    }
    if ((n = df_yaml_get(&y, r, "certificate"))) {
        df_ynode *b;
        if (df_yaml_check_keys(&y, n, cert, "'certificate'", err) ||
            set_str(c, &y, n, "key", c->key, sizeof c->key, 1, err) ||
            set_str(c, &y, n, "cert", c->cert, sizeof c->cert, 1, err) ||
            set_str(c, &y, n, "passphrase_env", c->passphrase_env, sizeof c->passphrase_env, 0, err) ||
            set_str(c, &y, n, "passphrase_file", c->passphrase_file, sizeof c->passphrase_file, 1, err))
            goto out;
        if ((b = df_yaml_get(&y, n, "allow_open_permissions")) && df_yaml_bool(&y, b, &c->allow_open_key_perms, err))
            goto out;
    }
    if ((n = df_yaml_get(&y, r, "convert"))) {
        if (df_yaml_check_keys(&y, n, conv, "'convert'", err))
            goto out;
        l = c->threads;
        if (set_long(&y, n, "threads", 0, 64, &l, err))
            goto out;
        c->threads = (int)l;
        if (set_long(&y, n, "chunk_records", 1, 10000000, &c->chunk_records, err) ||
            set_long(&y, n, "chunk_bytes", 65536, 1L << 30, &c->chunk_bytes, err))
            goto out;
    }
    if ((n = df_yaml_get(&y, r, "upload"))) {
        if (df_yaml_check_keys(&y, n, upl, "'upload'", err))
            goto out;
        l = c->uploads;
        if (set_long(&y, n, "parallel", 1, 64, &l, err))
            goto out;
        c->uploads = (int)l;
        l = c->attempts;
        if (set_long(&y, n, "attempts", 1, 100, &l, err))
            goto out;
        c->attempts = (int)l;
        l = c->status_timeout;
        if (set_long(&y, n, "status_timeout", 1, 7 * 86400, &l, err))
            goto out;
        c->status_timeout = (int)l;
        l = c->retry_base_ms;
        if (set_long(&y, n, "retry_base_ms", 1, 600000, &l, err))
            goto out;
        c->retry_base_ms = (int)l;
    }
    rc = 0;
out:
    df_yaml_free(&y);
    return rc;
}

static void env_str(const char *name, char *dst, size_t n)
{
    const char *v = getenv(name);
    if (v && *v)
        snprintf(dst, n, "%s", v);
}

static int env_int(const char *name, int min, int max, int *dst, df_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    long l = strtol(v, &end, 10);
    if (*end || l < min || l > max)
        return df_errorf(err, "environment variable %s='%s' must be a number from %d to %d", name, v, min, max);
    *dst = (int)l;
    return 0;
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
    } else if (access("drugflow.yaml", R_OK) == 0 && load_file(c, "drugflow.yaml", err) != 0) {
        return -1;
    }
    env_str("DRUGFLOW_ENTERPRISE_CODE", c->enterprise_code, sizeof c->enterprise_code);
    env_str("DRUGFLOW_ENTERPRISE_NAME", c->enterprise_name, sizeof c->enterprise_name);
    env_str("DRUGFLOW_PROFILE", c->profile, sizeof c->profile);
    env_str("DRUGFLOW_ENDPOINT", c->endpoint, sizeof c->endpoint);
    env_str("DRUGFLOW_CA", c->ca, sizeof c->ca);
    env_str("DRUGFLOW_KEY", c->key, sizeof c->key);
    env_str("DRUGFLOW_CERT", c->cert, sizeof c->cert);
    env_str("DRUGFLOW_PASSPHRASE_FILE", c->passphrase_file, sizeof c->passphrase_file);
    env_str("DRUGFLOW_WORKSPACE", c->workspace, sizeof c->workspace);
    env_str("DRUGFLOW_CATALOGS", c->catalogs, sizeof c->catalogs);
    if (env_int("DRUGFLOW_THREADS", 0, 64, &c->threads, err) ||
        env_int("DRUGFLOW_UPLOADS", 1, 64, &c->uploads, err) ||
        env_int("DRUGFLOW_ATTEMPTS", 1, 100, &c->attempts, err) ||
        env_int("DRUGFLOW_STATUS_TIMEOUT", 1, 7 * 86400, &c->status_timeout, err) ||
        env_int("DRUGFLOW_RETRY_BASE_MS", 1, 600000, &c->retry_base_ms, err) ||
        env_int("DRUGFLOW_CONNECT_TIMEOUT", 1, 3600, &c->connect_timeout, err) ||
        env_int("DRUGFLOW_TRANSFER_TIMEOUT", 1, 86400, &c->transfer_timeout, err))
        return -1;
    return 0;
}
