/* base/utf8.c — strict UTF-8 validity; see utf8.h. */
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

size_t df_utf8_valid_prefix(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *b = s, *e = s + len;
    while (s < e) {
        /* Skip ASCII eight bytes at a time: most fields are mostly ASCII. */
        while (e - s >= 8) {
            uint64_t w;
            memcpy(&w, s, 8);
            if (w & 0x8080808080808080ULL)
                break;
            s += 8;
        }
        if (s >= e)
            break;
        unsigned c = *s;
        if (c < 0x80) {
            s++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (e - s < 2 || (s[1] & 0xC0) != 0x80)
                break;
            s += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (e - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (c == 0xE0 && s[1] < 0xA0) ||
                (c == 0xED && s[1] >= 0xA0))
                break;
            s += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (e - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80 ||
                (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
                break;
            s += 4;
        } else {
            break;
        }
    }
    return (size_t)(s - b);
}

int df_utf8_cut_short(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0 || n > 3)
        return 0;
    unsigned c = s[0];
    size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (need <= n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* The second byte's narrower ranges (no overlong, surrogate or > U+10FFFF). */
    if (n >= 2 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
                   (c == 0xF4 && s[1] >= 0x90)))
        return 0;
    return 1;
}
