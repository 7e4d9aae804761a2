/* cli/cli.h — what the subcommands share: exit codes, the option tables
 * every network command takes, and how failures are reported. Subcommands
 * only parse options (base/cmdline.h) and call the libraries; nothing
 * below cli/ exits. */
#ifndef DF_CLI_CLI_H
#define DF_CLI_CLI_H

#include <stdio.h>
#include "base/cmdline.h"
#include "base/csv_write.h"
#include "base/error.h"
#include "config/values.h"
#include "mapping/mapping.h"
#include "uploader/session.h"

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
int cmd_doctor(int argc, char **argv);
int cmd_mapping(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* The options of every command that talks to the server. */
typedef struct df_cli_net {
    const char *config, *workspace, *endpoint, *ca, *profile;
    long parallel, attempts;
    int json;
    const char *command;   /* "run", "upload": named in the workspace lock */
    long lock_wait;        /* --lock-wait */
} df_cli_net;

/* --lock-wait S, for the commands that hold the workspace lock. */
#define DF_CLI_LOCK_OPT(n)                                                                          \
    {.name = "lock-wait", .type = DF_ARG_INT, .dest = &(n).lock_wait, .arg = "S", .min = 0, .max = 86400, \
     .help = "wait up to S seconds for another drugflow process working in\n"                        \
             "the workspace (default 0: exit 2 at once, naming its pid)"}

#define DF_CLI_CONFIG_OPT(dst)                                                                      \
    {.name = "config", .short_name = 'c', .type = DF_ARG_STRING, .dest = &(dst), .arg = "FILE",     \
     .help = "configuration file (default $DRUGFLOW_CONFIG, ./drugflow.yaml,\n"                     \
             "/etc/drugflow/drugflow.yaml)"}
/* --rejects-format excel|raw, for the CSV files named by what. */
#define DF_CLI_REJECTS_FORMAT_OPT(dst, what)                                                        \
    {.name = "rejects-format", .type = DF_ARG_CHOICE, .dest = &(dst), .arg = "F", .choices = "excel|raw", \
     .help = "cells of " what ": excel (default: no formula runs, long\n"                           \
             "digit codes stay text) or raw (values exactly as they are)"}
#define DF_CLI_JSON_OPT(dst, what)                                                                  \
    {.name = "json", .type = DF_ARG_FLAG, .dest = &(dst), .help = what}
#define DF_CLI_NET_OPTS(n)                                                                          \
    DF_CLI_CONFIG_OPT((n).config),                                                                  \
    {.name = "workspace", .short_name = 'w', .type = DF_ARG_STRING, .dest = &(n).workspace,         \
     .arg = "DIR", .help = "workspace (default: configuration 'workspace:')"},                     \
    {.name = "endpoint", .type = DF_ARG_STRING, .dest = &(n).endpoint, .arg = "E",                  \
     .help = "practice, production or https://host:port/path/"},                                   \
    {.name = "ca", .type = DF_ARG_STRING, .dest = &(n).ca, .arg = "FILE",                           \
     .help = "server CA bundle (PEM)"},                                                             \
    {.name = "profile", .type = DF_ARG_STRING, .dest = &(n).profile, .arg = "FILE",                 \
     .help = "interface profile (default: configuration, then the shipped gd-v1)"},                \
    {.name = "attempts", .type = DF_ARG_INT, .dest = &(n).attempts, .min = 1, .max = DF_MAX_ATTEMPTS, \
     .help = "attempts per chunk for transient failures (default 8)"},                             \
    DF_CLI_JSON_OPT((n).json, "summary as JSON on stdout")

/* Uploads at once, for the commands that upload. */
#define DF_CLI_PARALLEL_OPT(n)                                                                      \
    {.name = "parallel", .short_name = 'P', .type = DF_ARG_INT, .dest = &(n).parallel, .min = 1,    \
     .max = DF_MAX_UPLOADS, .help = "uploads at once (default 4)"}

/* The exports named on the command line: "-" (at most once) is standard
 * input, read as /dev/stdin (a pipe is read as a stream, a redirected file
 * like a file). 0, or a usage error (printed) returning DF_EXIT_USAGE. */
int df_cli_inputs(const df_command_spec *spec, char **args, int n);

/* Opens a session from the network options. */
int df_cli_session(df_session *s, const df_cli_net *n, int need_client, int need_journal, df_error *err);

/* Prints "drugflow: message" on stderr and returns code. */
int df_cli_fail(int code, const df_error *err);

/* The upload outcome as an exit code, and as JSON members. */
struct df_upload_stats;
int df_cli_upload_exit(const struct df_upload_stats *u);
void df_cli_upload_json(const struct df_upload_stats *u, FILE *out);

/* Waits for results (uploader/status.h), prints the table (unless json)
 * and the messages, and returns the exit code. */
struct df_status_totals;
int df_cli_status(df_session *s, const char *batch, long timeout, int json, int errors_format,
                  struct df_status_totals *t);

/* The catalogs' CSV encoding: --catalogs-encoding, else the configuration's
 * catalogs_encoding, else UTF-8. */
int df_cli_catalogs_encoding(const char *option, const df_config *cfg, df_encoding *out, df_error *err);
#define DF_CLI_CATALOGS_ENCODING_OPT(dst)                                                           \
    {.name = "catalogs-encoding", .type = DF_ARG_STRING, .dest = &(dst), .arg = "ENC",               \
     .help = "encoding of the catalog CSV exports: UTF-8 (default), GBK or\nGB18030 (configuration: "  \
             "catalogs_encoding)"}

/* A --rejects-format choice as a df_csv_format (NULL: excel). */
int df_cli_csv_format(const char *choice);

#endif
