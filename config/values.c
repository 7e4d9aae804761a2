/* config/values.c — the shared run values, checked and defaulted; see values.h. */
#include "config/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int df_period_check(const char *s, char *why, size_t n)
{
    int y = strlen(s) == 7 && s[4] == '-' ? digits_at(s, 4) : -1, m = y > 0 ? digits_at(s + 5, 2) : -1;
    if (y < 1000 || m < 1 || m > 12) {
        snprintf(why, n, "is not a period YYYY-MM (e.g. 2026-10)");
        return -1;
    }
    return 0;
}

int df_batch_id_check(const char *s, char *why, size_t n)
{
    size_t l = strlen(s);
    if (l == 0 || !strcmp(s, ".") || !strcmp(s, "..")) {
        snprintf(why, n, "is not a batch id: give letters, digits, '-', '_' or '.'");
        return -1;
    }
    if (l > DF_BATCH_ID_MAX) {
        snprintf(why, n, "is %zu characters long; a batch id has at most %d", l, DF_BATCH_ID_MAX);
        return -1;
    }
    for (const char *b = s; *b; b++)
        if (!((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-' ||
              *b == '_' || *b == '.')) {
            snprintf(why, n, "holds '%c' at %zu: a batch id may hold letters, digits, '-', '_' and '.' only",
                     *b, (size_t)(b - s) + 1);
            return -1;
        }
    return 0;
}

int df_batch_id_check_max(const char *s, int max, char *why, size_t n)
{
    if (df_batch_id_check(s, why, n) != 0)
        return -1;
    size_t l = strlen(s);
    if (max > 0 && l > (size_t)max) {
        snprintf(why, n, "is %zu characters long; the profile allows at most %d (datafile.batch_id_max_length)",
                 l, max);
        return -1;
    }
    return 0;
}

int df_batch_id_default(const char *period, const char *doc_type, char *out, size_t n, df_error *err)
{
    int l = snprintf(out, n, "%s-%s-01", period, doc_type);
    char why[256];
    if (l < 0 || (size_t)l >= n || df_batch_id_check(out, why, sizeof why) != 0)
        return df_errorf(err, "the default batch id %s-%s-01 %s; give --batch-id", period, doc_type,
                         l < 0 || (size_t)l >= n ? "is too long" : why);
    return 0;
}

/* YYYY-MM-DDTHH:MM:SS followed by Z or ±HH:MM, every part in range: what
 * the schema's xs:dateTime accepts for CreatedAt (no fractional seconds). */
int df_created_at_check(const char *s, char *why, size_t n)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t l = strlen(s);
    int ok = (l == 20 || l == 25) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':';
    if (ok) {
        int y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2), h = digits_at(s + 11, 2),
            mi = digits_at(s + 14, 2), se = digits_at(s + 17, 2);
        ok = y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] && h >= 0 && h <= 23 && mi >= 0 &&
             mi <= 59 && se >= 0 && se <= 59;
        if (ok && mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
            ok = 0;
        if (ok && l == 20)
            ok = s[19] == 'Z';
        else if (ok) {
            int th = digits_at(s + 20, 2), tm = digits_at(s + 23, 2);
            ok = (s[19] == '+' || s[19] == '-') && s[22] == ':' && th >= 0 && tm >= 0 && tm <= 59 &&
                 (th < 14 || (th == 14 && tm == 0));
        }
    }
    if (!ok)
        snprintf(why, n, "is not a time like 2026-11-01T02:00:00+08:00");
    return ok ? 0 : -1;
}

int df_created_at(const char *explicit_value, char *out, size_t n, df_error *err)
{
    char why[128];
    if (explicit_value) {
        if (df_created_at_check(explicit_value, why, sizeof why) != 0)
            return df_errorf(err, "--created-at '%s' %s", explicit_value, why);
        snprintf(out, n, "%s", explicit_value);
        return 0;
    }
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end || end == sde || v < 0 || v > 4102444800LL)
            return df_errorf(err, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
        t = (time_t)v;
    }
    t += 8 * 3600; /* China Standard Time, no daylight saving */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
    return 0;
}

int df_chunk_limits(uint64_t records, uint64_t bytes, uint64_t *out_records, uint64_t *out_bytes, df_error *err)
{
    if (records && (records < DF_MIN_CHUNK_RECORDS || records > DF_MAX_CHUNK_RECORDS))
        return df_errorf(err, "a chunk holds %d to %d records, not %llu", DF_MIN_CHUNK_RECORDS,
                         DF_MAX_CHUNK_RECORDS, (unsigned long long)records);
    if (bytes && (bytes < DF_MIN_CHUNK_BYTES || bytes > DF_MAX_CHUNK_BYTES))
        return df_errorf(err, "a chunk is %u to %u bytes, not %llu", DF_MIN_CHUNK_BYTES, DF_MAX_CHUNK_BYTES,
                         (unsigned long long)bytes);
    *out_records = records ? records : DF_DEFAULT_CHUNK_RECORDS;
    *out_bytes = bytes ? bytes : DF_DEFAULT_CHUNK_BYTES;
    return 0;
}

int df_threads(int requested)
{
    if (requested > 0)
        return requested > DF_MAX_THREADS ? DF_MAX_THREADS : requested;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DF_MAX_THREADS ? DF_MAX_THREADS : (int)n;
}
