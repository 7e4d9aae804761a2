/* cli/cli.h — what the subcommands share: exit codes, the command table,
 * and small option helpers. Subcommands only parse options and call the
 * libraries; nothing below cli/ exits. */
#ifndef DF_CLI_CLI_H
#define DF_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "base/error.h"
#include "config/config.h"

/* Exit codes, documented in README "Exit codes" and every --help. */
enum {
    DF_EXIT_OK = 0,        /* success: everything accepted / passed */
    DF_EXIT_REJECTED = 1,  /* completed, but rows were rejected or files did not all pass */
    DF_EXIT_USAGE = 2,     /* usage or configuration error: nothing was done */
    DF_EXIT_FATAL = 3,     /* fatal error during the work (I/O, internal) */
    DF_EXIT_NETWORK = 4,   /* server unreachable or refusing, retry budget spent */
    DF_EXIT_TIMEOUT = 5,   /* results not final before the timeout */
};

#define DF_EXIT_CODES_HELP                                                                          \
    "Exit status: 0 success; 1 completed with rejected rows or files not all PASSED;\n"              \
    "2 usage or configuration error (nothing done); 3 fatal error; 4 server unreachable\n"         \
    "or refusing after all retries; 5 results not final before the timeout.\n"

int cmd_convert(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_config(int argc, char **argv);

/* ---- the network subcommands' shared options (cli/upload.c) ---- */
struct df_session;
struct df_upload_stats;
enum { DF_OPT_ENDPOINT = 1000, DF_OPT_CA, DF_OPT_PROFILE, DF_OPT_ATTEMPTS, DF_OPT_JSON };
typedef struct df_cli_net {
    const char *config, *workspace, *endpoint, *ca, *profile;
    int parallel, attempts, json;
} df_cli_net;
#define DF_NET_LONG_OPTIONS                                                                         \
    {"config", required_argument, 0, 'c'}, {"workspace", required_argument, 0, 'w'},                \
    {"endpoint", required_argument, 0, DF_OPT_ENDPOINT}, {"ca", required_argument, 0, DF_OPT_CA},     \
    {"profile", required_argument, 0, DF_OPT_PROFILE}, {"parallel", required_argument, 0, 'P'},      \
    {"attempts", required_argument, 0, DF_OPT_ATTEMPTS}, {"json", no_argument, 0, DF_OPT_JSON}
/* 1 if c was a shared option (stored in n), 0 if not, -1 after a usage error. */
int df_cli_net_option(df_cli_net *n, int c, const char *arg, const char *cmd);
/* Loads the configuration and opens profile, key + client (need_client) and journal. */
int df_cli_session(struct df_session *s, const df_cli_net *n, int need_client, int need_journal, df_error *err);
/* Uploads the chunks of batch (NULL: all) without FileId. */
int df_cli_upload_pending(struct df_session *s, const char *batch, struct df_upload_stats *u, int *nqueued,
                          df_error *err);
/* Polls, reports (table on `table` unless json) and writes server-errors.csv; returns the exit code. */
struct df_status_totals;
int df_cli_status(struct df_session *s, const char *batch, long timeout, int json, FILE *table, df_error *err,
                  struct df_status_totals *t);
/* Catalogs for convert/run: the workspace's pulled catalogs if any, else the
 * portal CSV exports in csv_dir. 1 loaded (source names where from), 0 none, -1 error. */
#include "mapping/catalog.h"
int df_cli_load_catalogs(const df_profile *p, const char *workspace, const char *csv_dir, df_catalog_set *set,
                         char *source, size_t n, df_error *err);
int df_cli_upload_exit(const struct df_upload_stats *u);
void df_cli_upload_json(const struct df_upload_stats *u, FILE *out);

/* Prints "drugflow: message" on stderr and returns code. */
int df_cli_fail(int code, const df_error *err);
int df_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses "123", "64K", "16M", "1G". */
int df_parse_size(const char *s, uint64_t *out);
int df_parse_int(const char *s, long min, long max, long *out);

/* The profile to use: explicit, config, $DRUGFLOW_PROFILE, or the copy that
 * ships beside the binary (repo checkout or installed share/). */
int df_cli_find_profile(const char *explicit_path, const df_config *cfg, char *out, size_t n, df_error *err);
/* Another shipped file, e.g. "schema/gd-v1.xsd", found the same way. */
int df_cli_find_shipped(const char *rel, char *out, size_t n);

/* mkdir -p. */
int df_cli_mkdirs(const char *path, df_error *err);

/* CreatedAt: explicit, else $SOURCE_DATE_EPOCH, else now; China time (+08:00). */
int df_cli_created_at(const char *explicit_value, char *out, size_t n, df_error *err);

#endif
