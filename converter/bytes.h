/* converter/bytes.h — copying short byte strings on the hot path.
 *
 * Fields and tags are mostly a few to a few dozen bytes: a call to memcpy
 * for each costs more than the copy. copy_bytes copies with fixed-size
 * (inlined) moves, overlapping at the tail; it reads and writes exactly
 * [0, n) of both buffers. */
#ifndef DF_CONVERTER_BYTES_H
#define DF_CONVERTER_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void df_copy_bytes(char *d, const char *s, size_t n)
{
    if (n >= 16) {
        if (n > 64) {
            memcpy(d, s, n);
            return;
        }
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

#endif
