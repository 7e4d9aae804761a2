/* mapping/decimal.c — decimals made plain, thousands separators checked;
 * see decimal.h. */
#include "mapping/decimal.h"

#include <string.h>

typedef enum { T_DIGIT, T_PLUS, T_MINUS, T_DOT, T_COMMA, T_SPACE, T_OTHER, T_END } tok_kind;

/* The character at s[i]: its kind, its digit value, its length in bytes. */
static tok_kind next_tok(const unsigned char *s, size_t n, size_t i, int *digit, size_t *len)
{
    *len = 1;
    if (i >= n)
        return T_END;
    unsigned char c = s[i];
    if (c >= '0' && c <= '9') {
        *digit = c - '0';
        return T_DIGIT;
    }
    switch (c) {
    case '+': return T_PLUS;
    case '-': return T_MINUS;
    case '.': return T_DOT;
    case ',': return T_COMMA;
    case ' ': return T_SPACE;
    default: break;
    }
    if (c == 0xEF && i + 2 < n && s[i + 1] == 0xBC) { /* U+FF00 block: full-width forms */
        *len = 3;
        unsigned char d = s[i + 2];
        if (d >= 0x90 && d <= 0x99) {
            *digit = d - 0x90;
            return T_DIGIT;
        }
        if (d == 0x8B)
            return T_PLUS;
        if (d == 0x8D)
            return T_MINUS;
        if (d == 0x8E)
            return T_DOT;
        if (d == 0x8C)
            return T_COMMA;
    }
    if (c == 0xE3 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x80) {
        *len = 3;
        return T_SPACE; /* U+3000 ideographic space */
    }
    return T_OTHER;
}

int df_decimal_normalise(const char *in, size_t inlen, int decimal_comma, char *out, size_t cap,
                         size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    const tok_kind mark = decimal_comma ? T_COMMA : T_DOT;
    size_t i = 0, o = 0, len;
    int d;
    tok_kind t = next_tok(s, inlen, i, &d, &len);
    *outlen = 0;
    if (t == T_PLUS || t == T_MINUS) {
        if (t == T_MINUS && o < cap)
            out[o++] = '-';
        i += len;
        if (next_tok(s, inlen, i, &d, &len) != T_DIGIT)
            return -1; /* "+", "++5", "+-5" */
    }
    /* The integer part: digits, and separators grouping them in threes. */
    tok_kind sep = T_END;
    int group = 0, groups = 0, first_zero = 0;
    for (;; i += len) {
        t = next_tok(s, inlen, i, &d, &len);
        if (t == T_DIGIT) {
            if (group == 0 && groups == 0)
                first_zero = d == 0;
            if (o >= cap)
                return -1;
            out[o++] = (char)('0' + d);
            group++;
            continue;
        }
        if (t == T_END || t == mark || t == T_OTHER || t == T_PLUS || t == T_MINUS)
            break;
        /* a group separator: ',' or '.' (whichever is not the mark), or a space */
        if ((sep != T_END && t != sep) || group == 0 || (groups == 0 ? group > 3 || first_zero : group != 3))
            return -1;
        sep = t;
        groups++;
        group = 0;
    }
    if (groups > 0 && group != 3)
        return -1; /* "1,23", "1,2345", "1," */
    if (t == mark) {
        if (o >= cap)
            return -1;
        out[o++] = '.';
        for (i += len; (t = next_tok(s, inlen, i, &d, &len)) == T_DIGIT; i += len) {
            if (o >= cap)
                return -1;
            out[o++] = (char)('0' + d);
        }
    }
    if (t != T_END)
        return -1; /* a second mark, a sign inside, a letter */
    *outlen = o;
    return 0;
}
