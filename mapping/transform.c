/* mapping/transform.c — trim, default, value maps, dates, decimals; see transform.h. */
#include "mapping/transform.h"

#include <string.h>

#include "mapping/decimal.h"
#include "mapping/rules.h"

void df_trim(const char **sp, size_t *lenp)
{
    const unsigned char *s = (const unsigned char *)*sp;
    size_t len = *lenp;
    for (;;) {
        if (len && (s[0] == ' ' || s[0] == '\t')) {
            s++;
            len--;
        } else if (len >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) { /* U+3000 */
            s += 3;
            len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n')) {
            len--;
        } else if (len >= 3 && s[len - 3] == 0xE3 && s[len - 2] == 0x80 && s[len - 1] == 0x80) {
            len -= 3;
        } else {
            break;
        }
    }
    *sp = (const char *)s;
    *lenp = len;
}

/* Reads 1..max digits at in[*i]; returns the value or -1. */
static int read_num(const char *in, size_t len, size_t *i, int min_digits, int max_digits)
{
    int v = 0, n = 0;
    while (*i < len && n < max_digits && in[*i] >= '0' && in[*i] <= '9') {
        v = v * 10 + (in[*i] - '0');
        (*i)++;
        n++;
    }
    return n >= min_digits ? v : -1;
}

/* Days in month m of year y (1..12). */
static int month_days(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

int df_date_parse(const char *fmt, const char *in, size_t inlen, char out[11])
{
    return df_date_parse_month(fmt, in, inlen, DF_MONTH_DAY_LAST, out);
}

int df_date_parse_month(const char *fmt, const char *in, size_t inlen, int month_day, char out[11])
{
    size_t i = 0;
    int y = -1, m = -1, d = -1;
    for (const char *f = fmt; *f; f++) {
        if (*f == '%' && f[1]) {
            f++;
            int v;
            switch (*f) {
            case 'Y': v = read_num(in, inlen, &i, 4, 4); y = v; break;
            case 'm': v = read_num(in, inlen, &i, 1, 2); m = v; break;
            case 'd': v = read_num(in, inlen, &i, 1, 2); d = v; break;
            case 'H': case 'M': case 'S': /* read, checked, dropped: 25:61:99 is no time */
                v = read_num(in, inlen, &i, 1, 2);
                if (v > (*f == 'H' ? 23 : 59))
                    return 0;
                break;
            case '%':
                v = (i < inlen && in[i] == '%') ? 0 : -1;
                i++;
                break;
            default: return 0;
            }
            if (v < 0)
                return 0;
        } else {
            if (i >= inlen || in[i] != *f)
                return 0;
            i++;
        }
    }
    if (i != inlen || y < 0 || m < 1 || m > 12)
        return 0;
    if (d < 0) /* a month: its first or last day */
        d = month_day == DF_MONTH_DAY_FIRST ? 1 : month_days(y, m);
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 0;
    return df_valid_date(out, 10);
}

df_tx_status df_transform(const df_field_source *s, const char *in, size_t inlen, char *scratch,
                          size_t scratch_cap, const char **out, size_t *outlen)
{
    if (s->has_constant) {
        *out = s->constant;
        *outlen = s->constant_len;
        return DF_TX_OK;
    }
    const char *v = in;
    size_t l = inlen;
    if (s->trim)
        df_trim(&v, &l);
    if (l == 0 && s->has_default) {
        v = s->def;
        l = s->def_len;
    }
    if (s->map.n && l) {
        size_t k;
        for (k = 0; k < s->map.n; k++)
            if (s->map.from_len[k] == l && memcmp(s->map.from[k], v, l) == 0)
                break;
        if (k < s->map.n) {
            v = s->map.to[k];
            l = s->map.to_len[k];
        } else if (s->map_strict) {
            *out = v;
            *outlen = l;
            return DF_TX_UNMAPPED;
        }
    }
    *out = v;
    *outlen = l;
    if (l == 0)
        return DF_TX_OK;
    if (s->ndate_formats) {
        if (scratch_cap < 11)
            return DF_TX_BAD_DATE;
        for (int f = 0; f < s->ndate_formats; f++) {
            if (df_date_parse_month(s->date_formats[f], v, l, s->month_day, scratch)) {
                *out = scratch;
                *outlen = 10;
                return DF_TX_OK;
            }
        }
        return DF_TX_BAD_DATE;
    }
    if (s->decimal) {
        /* Normalising never lengthens, but a default or mapped value can be
         * longer than the input the scratch was sized for: refuse it rather
         * than hand back a number cut short. */
        if (l > scratch_cap)
            return DF_TX_BAD_DECIMAL;
        size_t n;
        if (df_decimal_normalise(v, l, s->decimal_comma, scratch, scratch_cap, &n) != 0)
            return DF_TX_BAD_DECIMAL;
        *out = scratch;
        *outlen = n;
        if (!df_valid_decimal(scratch, n, NULL))
            return DF_TX_BAD_DECIMAL;
    }
    return DF_TX_OK;
}
