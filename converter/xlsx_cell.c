/* converter/xlsx_cell.c — an .xlsx cell's stored value as the text Excel
 * shows: numbers unformatted, date serials as dates, date formats told
 * apart from number formats. */
#include "converter/xlsx_cell.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum df_xlsx_datekind df_xlsx_builtin_kind(long id)
{
    if (id >= 14 && id <= 17)
        return DF_XLSX_DATE;
    if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47))
        return DF_XLSX_TIME;
    if (id == 22)
        return DF_XLSX_DATETIME;
    return DF_XLSX_NOT_DATE;
}

/* Is the bracketed text [..] an elapsed time ([h], [mm], [ss])? */
static int elapsed_bracket(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)s[0]) || !strchr("hms", tolower((unsigned char)s[0])))
            return 0;
    return 1;
}

enum df_xlsx_datekind df_xlsx_format_kind(const char *code)
{
    char tok[256];
    int nt = 0;
    for (const char *p = code; *p && nt < (int)sizeof tok - 1; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (c == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q)
                break;
            p = q;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (!*++p)
                break;
        } else if (c == '[') {
            const char *q = strchr(p + 1, ']');
            if (!q)
                break;
            if (elapsed_bracket(p + 1, (size_t)(q - p - 1)))
                tok[nt++] = (char)tolower((unsigned char)p[1]);
            p = q;
        } else if (strchr("ymdhs", c) && (nt == 0 || tok[nt - 1] != c)) {
            tok[nt++] = c;
        }
    }
    int date = 0, time = 0;
    for (int i = 0; i < nt; i++) {
        char c = tok[i];
        if (c == 'm')
            c = (i > 0 && tok[i - 1] == 'h') || (i + 1 < nt && tok[i + 1] == 's') ? 'h' : 'd';
        if (c == 'y' || c == 'd')
            date = 1;
        else
            time = 1;
    }
    return date && time ? DF_XLSX_DATETIME : date ? DF_XLSX_DATE : time ? DF_XLSX_TIME : DF_XLSX_NOT_DATE;
}

/* strtod over the whole of v, which must look like a number (no inf/nan,
 * no hex, no spaces). */
static int parse_number(const char *v, double *x)
{
    if (!*v || strspn(v, "0123456789+-.eE") != strlen(v))
        return -1;
    char *end;
    *x = strtod(v, &end);
    return *end || !isfinite(*x) ? -1 : 0;
}

/* Digits d (no point) times 10^e10 (the exponent of the first digit) in
 * plain notation, or Excel's 1.5E+25 beyond +-20. */
static int plain_text(int neg, const char *d, int e10, char *out, size_t cap)
{
    size_t nd = strlen(d);
    char *o = out, *end = out + cap - 1;
#define PUT(ch) do { if (o < end) *o++ = (ch); } while (0)
    if (neg)
        PUT('-');
    if (e10 > 20 || e10 < -20) {
        PUT(d[0]);
        if (nd > 1) {
            PUT('.');
            for (size_t i = 1; i < nd; i++)
                PUT(d[i]);
        }
        o += snprintf(o, (size_t)(end - o) + 1, "E%c%02d", e10 < 0 ? '-' : '+', abs(e10));
    } else if (e10 < 0) {
        PUT('0');
        PUT('.');
        for (int i = -1; i > e10; i--)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(d[i]);
    } else {
        for (int i = 0; i <= e10 || (size_t)i < nd; i++) {
            if (i == e10 + 1)
                PUT('.');
            PUT((size_t)i < nd ? d[i] : '0');
        }
    }
#undef PUT
    *o = '\0';
    return (int)(o - out);
}

/* The common case, a plain decimal of at most 15 significant digits (as
 * ERPs write quantities and prices): it reads back exactly, so its text,
 * tidied (no leading zeros, no trailing fraction zeros), is the answer. */
static int plain_decimal(const char *v, char *out, size_t cap)
{
    const char *p = v;
    int neg = *p == '-';
    p += neg;
    size_t ni = strspn(p, "0123456789");
    const char *frac = p[ni] == '.' ? p + ni + 1 : NULL;
    size_t nf = frac ? strspn(frac, "0123456789") : 0;
    if (ni == 0 || (frac ? frac[nf] : p[ni]) != '\0' || ni + nf > 20 || ni + nf + 3 > cap)
        return -1;
    while (ni > 1 && *p == '0')
        p++, ni--;
    while (nf > 0 && frac[nf - 1] == '0')
        nf--;
    size_t sig = ni + nf, lead = 0;
    for (const char *q = p; *q == '0' || *q == '.'; q++)
        lead += *q == '0';
    if (sig - (lead < sig ? lead : sig) > 15)
        return -1;
    char *o = out;
    int zero = ni == 1 && *p == '0' && nf == 0;
    if (neg && !zero)
        *o++ = '-';
    memcpy(o, p, ni);
    o += ni;
    if (nf) {
        *o++ = '.';
        memcpy(o, frac, nf);
        o += nf;
    }
    *o = '\0';
    return (int)(o - out);
}

int df_xlsx_number_text(const char *v, char *out, size_t cap)
{
    int n = plain_decimal(v, out, cap);
    if (n > 0)
        return n;
    double x;
    if (parse_number(v, &x) != 0)
        return -1;
    if (x == 0)
        return snprintf(out, cap, "0");
    if (x == floor(x) && fabs(x) < 1e15)
        return snprintf(out, cap, "%.0f", x);
    /* 15 significant digits, trailing zeros dropped: the shortest text
     * that reads back as x when one of at most 15 digits exists (a shorter
     * one is this one's prefix: 15-digit decimals are farther apart than
     * doubles), else Excel's 15-digit rounding. */
    char e[40];
    snprintf(e, sizeof e, "%.14e", x);
    /* e: [-]D[.DDD]e[+-]XX */
    int neg = e[0] == '-';
    char digits[24];
    int nd = 0;
    const char *s = e + neg;
    for (; *s && *s != 'e'; s++)
        if (isdigit((unsigned char)*s) && nd < (int)sizeof digits - 1)
            digits[nd++] = *s;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    return plain_text(neg, digits, atoi(s + 1), out, cap);
}

/* Days since 1970-01-01 to y-m-d (H. Hinnant's civil_from_days). */
static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

#define DAYS_1899_12_30 (-25569LL)
#define DAYS_1899_12_31 (-25568LL)
#define DAYS_1904_01_01 (-24107LL)

int df_xlsx_date_text(const char *v, enum df_xlsx_datekind kind, int date1904, char *out, size_t cap)
{
    double x;
    if (parse_number(v, &x) != 0)
        return -1;
    if (fabs(x) > 1e7)
        return 0;
    long long total = llround(x * 86400.0);
    long long day = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
    long long sec = total - day * 86400;
    int hh = (int)(sec / 3600), mi = (int)(sec / 60 % 60), ss = (int)(sec % 60);
    if (kind == DF_XLSX_TIME)
        return snprintf(out, cap, "%02d:%02d:%02d", hh, mi, ss);
    long long y;
    int m, d;
    if (date1904) {
        if (day < 0)
            return 0;
        civil_from_days(DAYS_1904_01_01 + day, &y, &m, &d);
    } else if (day < 1) {
        return 0;
    } else if (day == 60) {
        y = 1900, m = 2, d = 29; /* Excel's phantom leap day (Lotus 1-2-3's bug) */
    } else {
        civil_from_days((day < 60 ? DAYS_1899_12_31 : DAYS_1899_12_30) + day, &y, &m, &d);
    }
    if (y > 9999)
        return 0;
    if (kind == DF_XLSX_DATETIME)
        return snprintf(out, cap, "%04lld-%02d-%02d %02d:%02d:%02d", y, m, d, hh, mi, ss);
    return snprintf(out, cap, "%04lld-%02d-%02d", y, m, d);
}
