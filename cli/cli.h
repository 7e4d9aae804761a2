/* cli/cli.h — what the subcommands share: exit codes, the command table,
 * and small option helpers. Subcommands only parse options and call the
 * libraries; nothing below cli/ exits. */
#ifndef DF_CLI_CLI_H
#define DF_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "mapping/config.h"

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
