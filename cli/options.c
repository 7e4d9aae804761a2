/* cli/options.c — option helpers shared by the subcommands; see cli.h. */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int df_cli_fail(int code, const df_error *err)
{
    fprintf(stderr, "drugflow: %s\n", err->msg);
    return code;
}

int df_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "drugflow %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'drugflow %s --help'.\n", cmd);
    return DF_EXIT_USAGE;
}

int df_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-')
        return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

int df_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int df_cli_find_shipped(const char *rel, char *out, size_t n)
{
    char exe[4096];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        char *dir = dirname(exe);
        const char *cands[] = {"%s/../samples/%s", "%s/../share/drugflow/%s", "%s/../../samples/%s"};
        for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
            snprintf(out, n, cands[i], dir, rel);
            if (access(out, R_OK) == 0)
                return 0;
        }
    }
    snprintf(out, n, "samples/%s", rel);
    return access(out, R_OK) == 0 ? 0 : -1;
}

int df_cli_find_profile(const char *explicit_path, const df_config *cfg, char *out, size_t n, df_error *err)
{
    if (explicit_path) {
        snprintf(out, n, "%s", explicit_path);
        return 0;
    }
    if (cfg && cfg->profile[0]) {
        snprintf(out, n, "%s", cfg->profile);
        return 0;
    }
    if (df_cli_find_shipped("profile/gd-v1.yaml", out, n) == 0)
        return 0;
    return df_errorf(err, "no profile found: give --profile FILE or 'profile:' in the configuration");
}

/* The number in s[0..n), all digits, or -1. */
static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* YYYY-MM-DDTHH:MM:SS followed by Z or ±HH:MM, every part in range: what
 * the schema's xs:dateTime accepts for CreatedAt (no fractional seconds). */
static int valid_created_at(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t l = strlen(s);
    if (l != 20 && l != 25)
        return 0;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return 0;
    int y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2), h = digits_at(s + 11, 2),
        mi = digits_at(s + 14, 2), se = digits_at(s + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59)
        return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    if (l == 20)
        return s[19] == 'Z';
    int th = digits_at(s + 20, 2), tm = digits_at(s + 23, 2);
    return (s[19] == '+' || s[19] == '-') && s[22] == ':' && th >= 0 && tm >= 0 && tm <= 59 &&
           (th < 14 || (th == 14 && tm == 0));
}

int df_cli_created_at(const char *explicit_value, char *out, size_t n, df_error *err)
{
    if (explicit_value) {
        const char *s = explicit_value;
        if (!valid_created_at(s))
            return df_errorf(err, "--created-at '%s' is not a time like 2026-11-01T02:00:00+08:00", s);
        snprintf(out, n, "%s", s);
        return 0;
    }
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        long v;
        if (df_parse_int(sde, 0, 4102444800L, &v) != 0)
            return df_errorf(err, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
        t = (time_t)v;
    }
    t += 8 * 3600; /* China Standard Time, no daylight saving */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
    return 0;
}

int df_cli_mkdirs(const char *path, df_error *err)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return df_error_errno(err, "%s: cannot create the directory", buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return df_error_errno(err, "%s: cannot create the directory", buf);
    return 0;
}
