/* base/backoff.c — exponential backoff with full jitter; see backoff.h. */
#include "base/backoff.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void df_backoff_init(df_backoff *b, const df_retry *policy)
{
    b->policy = policy ? *policy : (df_retry){0};
    if (b->policy.attempts <= 0)
        b->policy.attempts = DF_RETRY_ATTEMPTS;
    if (b->policy.base_ms <= 0)
        b->policy.base_ms = DF_RETRY_BASE_MS;
    if (b->policy.cap_ms <= 0)
        b->policy.cap_ms = DF_RETRY_CAP_MS;
    if (b->policy.cap_ms < b->policy.base_ms)
        b->policy.cap_ms = b->policy.base_ms;
    if (getrandom(&b->state, sizeof b->state, GRND_NONBLOCK) != (ssize_t)sizeof b->state) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        b->state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    }
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

long df_backoff_delay_ms(df_backoff *b, int failed)
{
    long bound = b->policy.base_ms;
    for (int i = 1; i < failed && bound < b->policy.cap_ms; i++)
        bound *= 2;
    if (bound > b->policy.cap_ms)
        bound = b->policy.cap_ms;
    return (long)(splitmix64(&b->state) % (uint64_t)(bound + 1));
}

int df_backoff_again(const df_backoff *b, int failed)
{
    return failed < b->policy.attempts;
}
