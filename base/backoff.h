/* base/backoff.h — the one retry policy for requests to the server.
 *
 * A transient failure (transport error, HTTP 5xx, Code 5000) is retried up
 * to `attempts` times in all; before attempt k+1 the client waits a delay
 * drawn uniformly from [0, min(cap, base·2^(k-1))] ("full jitter"), so that
 * many clients recovering from the same outage do not retry in step. The
 * jitter generator is seeded per policy from the system's random source. */
#ifndef DF_BASE_BACKOFF_H
#define DF_BASE_BACKOFF_H

#include <stdint.h>

#define DF_RETRY_ATTEMPTS 8
#define DF_RETRY_BASE_MS 500
#define DF_RETRY_CAP_MS 30000

typedef struct df_retry {
    int attempts;   /* attempts in all, at least 1 (0: DF_RETRY_ATTEMPTS) */
    long base_ms;   /* first delay bound (0: DF_RETRY_BASE_MS) */
    long cap_ms;    /* longest delay bound (0: DF_RETRY_CAP_MS) */
} df_retry;

typedef struct df_backoff {
    df_retry policy;   /* with defaults filled in */
    uint64_t state;    /* jitter only, not security */
} df_backoff;

void df_backoff_init(df_backoff *b, const df_retry *policy);
/* The delay before the attempt after `failed` failed attempts (failed >= 1). */
long df_backoff_delay_ms(df_backoff *b, int failed);
/* 1 if another attempt is allowed after `failed` failed attempts. */
int df_backoff_again(const df_backoff *b, int failed);

#endif
