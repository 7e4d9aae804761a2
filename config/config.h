/* config/config.h — drugflow's configuration file (drugflow.yaml).
 *
 * One file holds the enterprise, the endpoint, the certificate, the CA, the
 * workspace and the tuning knobs. Precedence, highest first: command-line
 * option, environment variable (DRUGFLOW_*), configuration file, built-in
 * default. Relative paths in the file are relative to the file's folder.
 * The file is found at --config, else $DRUGFLOW_CONFIG, else
 * ./drugflow.yaml, else /etc/drugflow/drugflow.yaml (each optional but the
 * first two). Every setting is one row of a table in config.c: its key in
 * the file, its environment variable, its type and range. See README
 * "Configuration". */
#ifndef DF_CONFIG_CONFIG_H
#define DF_CONFIG_CONFIG_H

#include <stddef.h>
#include "base/error.h"
#include "base/path.h"

#define DF_CONFIG_SYSTEM_PATH "/etc/drugflow/drugflow.yaml"

typedef struct df_config {
    char source[DF_PATH_MAX];      /* the file read, or "" */
    char enterprise_code[64];
    char enterprise_name[256];
    char profile[DF_PATH_MAX];
    char endpoint[1024];           /* practice | production | https://… (resolved by the uploader) */
    char ca[DF_PATH_MAX];          /* server CA bundle (PEM) */
    char tls_key[DF_PATH_MAX];     /* TLS client identity if not the signing key (.p12, or PEM key) */
    char tls_cert[DF_PATH_MAX];    /* its PEM certificate, with a PEM key */
    char key[DF_PATH_MAX];         /* .p12/.pfx, or PEM key */
    char cert[DF_PATH_MAX];        /* PEM certificate with a PEM key */
    char passphrase_env[128];      /* variable holding the key's passphrase */
    char passphrase_file[DF_PATH_MAX];
    int allow_open_key_perms;
    char pkcs11_module[DF_PATH_MAX]; /* the token's PKCS#11 module, for a pkcs11: key */
    char cert_ca[DF_PATH_MAX];     /* CA that issued the enterprise certificate (doctor's chain check) */
    char proxy[1024];              /* http(s)://[user:pass@]host:port, "none"; "": https_proxy if set */
    char workspace[DF_PATH_MAX];
    char catalogs[DF_PATH_MAX];    /* folder with commodities.csv, partners.csv */
    char catalogs_encoding[16];    /* their encoding: UTF-8 (default), GBK, GB18030 */
    int threads;                   /* 0: cores */
    long chunk_records;            /* 0: default */
    long chunk_bytes;              /* 0: default */
    int uploads;                   /* parallel uploads */
    int attempts;                  /* per chunk, transport errors and 5xx */
    int connect_timeout;           /* seconds */
    int transfer_timeout;          /* seconds */
    int status_timeout;            /* seconds to wait for results */
    int retry_base_ms;             /* first backoff delay; doubles up to 30 s, with jitter */
} df_config;

/* Defaults, then the file (explicit path, $DRUGFLOW_CONFIG, ./drugflow.yaml
 * or /etc/drugflow/drugflow.yaml), then the environment. path may be NULL. */
int df_config_load(df_config *c, const char *path, df_error *err);

/* A command-line override of one setting, by its key in the file
 * ("certificate.key"); NULL value leaves the setting alone. Paths are taken
 * as given (relative to the current folder). */
int df_config_set(df_config *c, const char *key, const char *value, df_error *err);

/* Resolves a path relative to the configuration file's folder. */
void df_config_resolve(const df_config *c, const char *in, char *out, size_t n);

/* The profile to use: explicit, else the configuration's, else the one
 * that ships with drugflow (base/path.h). */
int df_config_profile_path(const df_config *c, const char *explicit_path, char *out, size_t n, df_error *err);

#endif
