/* mapping/rules.c — the §4 record rules; see rules.h. */
#include "mapping/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const reason_codes[DF_R_COUNT] = {
    "E_NEGATIVE_QTY", "E_PARTNER_UNMATCHED", "E_COMMODITY_UNMATCHED", "E_REQUIRED",
    "E_FORMAT",       "E_TOO_LONG",          "E_ENCODING",            "E_COLUMNS",
};

const char *df_reason_code(df_reason r)
{
    return (unsigned)r < DF_R_COUNT ? reason_codes[r] : NULL;
}

int df_reason_from_code(const char *code)
{
    for (int i = 0; i < DF_R_COUNT; i++)
        if (!strcmp(reason_codes[i], code))
            return i;
    return -1;
}

void df_check_add(df_check_result *r, df_reason reason, int field, const char *fmt, ...)
{
    r->reasons |= 1u << reason;
    if (r->nviolations >= DF_MAX_VIOLATIONS)
        return;
    df_violation *v = &r->v[r->nviolations++];
    v->reason = reason;
    v->field = field;
    v->detail[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->detail, sizeof v->detail, fmt, ap);
        va_end(ap);
    }
}

/* Valid UTF-8 (shortest form, no surrogates) holding no control character
 * other than tab, LF and CR, and no U+FFFE/U+FFFF: text XML 1.0 can carry. */
int df_valid_utf8_text(const char *str, size_t len, size_t *chars)
{
    const unsigned char *s = (const unsigned char *)str, *e = s + len;
    size_t n = 0;
    while (s < e) {
        /* Eight ASCII bytes at a time, none of them a control character:
         * no high bit, none below 0x20 and none equal to 0x7F. */
        while (e - s >= 8) {
            uint64_t w;
            memcpy(&w, s, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            uint64_t below20 = (w - 0x20 * ones) & ~w & highs;
            uint64_t x7f = w ^ (0x7f * ones);
            uint64_t is7f = (x7f - ones) & ~x7f & highs;
            if ((w & highs) | below20 | is7f)
                break;
            s += 8;
            n += 8;
        }
        if (s >= e)
            break;
        unsigned c = *s;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return 0;
            s++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (e - s < 2 || (s[1] & 0xC0) != 0x80)
                return 0;
            if (c == 0xC2 && s[1] < 0xA0) /* C1 controls U+0080–U+009F */
                return 0;
            s += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (e - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
                return 0;
            if (c == 0xE0 && s[1] < 0xA0)
                return 0; /* overlong */
            if (c == 0xED && s[1] >= 0xA0)
                return 0; /* surrogates */
            if (c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
                return 0; /* U+FFFE, U+FFFF */
            s += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (e - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
                return 0;
            if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
                return 0;
            s += 4;
        } else {
            return 0;
        }
        n++;
    }
    if (chars)
        *chars = n;
    return 1;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int df_valid_date(const char *s, size_t len)
{
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2))
        return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return 0;
    int maxd = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= maxd;
}

int df_valid_decimal(const char *s, size_t len, int *negative)
{
    size_t i = 0;
    int neg = 0, nonzero = 0;
    if (i < len && s[i] == '-') {
        neg = 1;
        i++;
    }
    size_t start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        nonzero |= s[i++] != '0';
    if (i == start)
        return 0;
    if (i < len && s[i] == '.') {
        size_t f = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            nonzero |= s[i++] != '0';
        if (i == f)
            return 0;
    }
    if (i != len)
        return 0;
    if (negative)
        *negative = neg && nonzero; /* "-0.00" is zero, not below it */
    return 1;
}

int df_valid_code(const char *s, size_t len, int n)
{
    return (int)len == n && digits(s, len);
}

const char *df_quote_value(char *buf, size_t n, const char *v, size_t len, int max_chars)
{
    size_t limit = (size_t)(max_chars > 0 ? max_chars : DF_QUOTE_MAX_CHARS), chars = 0, i = 0;
    while (i < len && chars < limit) { /* i: the end of the first `limit` characters */
        i++;
        while (i < len && ((unsigned char)v[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    /* Never past the buffer: room for the quotes, "…" and NUL. */
    while (i + 6 > n && i > 0) {
        i--;
        while (i > 0 && ((unsigned char)v[i] & 0xC0) == 0x80)
            i--;
    }
    snprintf(buf, n, "'%.*s%s'", (int)i, v, i < len ? "…" : "");
    return buf;
}

int df_field_quote_chars(const df_field_def *f)
{
    return f && f->type == DF_FT_TEXT && f->max_length > 0 ? f->max_length : DF_QUOTE_MAX_CHARS;
}

/* A field's value quoted for one of this file's messages. */
#define QUOTE(f, v, l) df_quote_value((char[DF_DETAIL_MAX / 2]){0}, DF_DETAIL_MAX / 2, (v), (l), df_field_quote_chars(f))

/* Says where text fails df_valid_utf8_text: the first byte that starts an
 * invalid UTF-8 sequence or a control character. Only on the error path. */
static void describe_bad_text(df_check_result *out, int field, const char *v, size_t l)
{
    size_t off = 0;
    while (off < l) {
        size_t n = 1;
        unsigned char c = (unsigned char)v[off];
        if (c >= 0xF0)
            n = 4;
        else if (c >= 0xE0)
            n = 3;
        else if (c >= 0xC0)
            n = 2;
        if (off + n > l || !df_valid_utf8_text(v + off, n, NULL))
            break;
        off += n;
    }
    unsigned char c = off < l ? (unsigned char)v[off] : 0;
    if (off < l && (c < 0x20 || c == 0x7f))
        df_check_add(out, DF_R_ENCODING, field, "holds the control character U+%04X at byte %zu", c, off + 1);
    else
        df_check_add(out, DF_R_ENCODING, field, "has bytes that are not valid UTF-8, or a control character, at "
                     "byte %zu", off + 1);
}

void df_rules_check(const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                    const char *const *vals, const size_t *lens, df_check_result *out)
{
    df_rules_check_known(p, dt, cats, vals, lens, NULL, out);
}

void df_rules_check_known(const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                          const char *const *vals, const size_t *lens, const df_rules_known *known,
                          df_check_result *out)
{
    uint64_t known_text = known ? known->text : 0, known_date = known ? known->date : 0;
    uint64_t bad = 0; /* fields found malformed here: not looked up in a catalog */
    for (int i = 0; i < dt->nfields; i++) {
        const df_field_def *f = dt->fields[i];
        const char *v = vals[i];
        size_t l = lens[i];
        if (out->skip_fields & (1ULL << i))
            continue;
        if (l == 0) {
            if (f->required)
                df_check_add(out, DF_R_REQUIRED, i, "is required but empty");
            continue;
        }
        int neg = 0, malformed = 1;
        size_t chars = 0;
        switch (f->type) {
        case DF_FT_TEXT:
            if (known_text & (1ULL << i)) {
                chars = known->chars[i];
            } else if (!df_valid_utf8_text(v, l, &chars)) {
                describe_bad_text(out, i, v, l);
                break;
            }
            if (f->max_length && chars > (size_t)f->max_length)
                df_check_add(out, DF_R_TOO_LONG, i, "is %zu characters, at most %d allowed", chars,
                             f->max_length);
            else
                malformed = 0;
            break;
        case DF_FT_CODE:
            if (!df_valid_code(v, l, f->length))
                df_check_add(out, DF_R_FORMAT, i, "%s is not %d digits", QUOTE(f, v, l), f->length);
            else
                malformed = 0;
            break;
        case DF_FT_DATE:
            if (!(known_date & (1ULL << i)) && !df_valid_date(v, l))
                df_check_add(out, DF_R_FORMAT, i, "%s is not a date YYYY-MM-DD", QUOTE(f, v, l));
            else
                malformed = 0;
            break;
        case DF_FT_DECIMAL:
            if (!df_valid_decimal(v, l, &neg)) {
                df_check_add(out, DF_R_FORMAT, i, "%s is not a plain decimal number", QUOTE(f, v, l));
                break;
            }
            malformed = 0;
            if (neg && f->nonnegative)
                df_check_add(out, DF_R_NEGATIVE_QTY, i, "%.*s is below zero", l > 64 ? 64 : (int)l, v);
            break;
        }
        if (malformed)
            bad |= 1ULL << i;
    }
    if (!cats)
        return;
    for (int c = 0; c < p->ncatalogs && c < cats->n; c++) {
        const df_catalog *cat = &cats->cat[c];
        if (!cat->loaded || !dt->catalog_applies[c])
            continue;
        const char *parts[DF_MAX_KEY];
        size_t plens[DF_MAX_KEY];
        int judged = 0;
        for (int k = 0; k < cat->def->nkey; k++) {
            int fi = dt->catalog_fields[c][k];
            parts[k] = vals[fi];
            plens[k] = lens[fi];
            judged |= lens[fi] == 0 || ((out->skip_fields | bad) & (1ULL << fi));
        }
        if (judged) /* already E_REQUIRED, E_ENCODING, E_FORMAT or E_TOO_LONG */
            continue;
        int found = known && (known->hashed & (1u << c))
                        ? df_catalog_contains_hashed(cat, parts, plens, known->cat_hash[c])
                        : df_catalog_contains(cat, parts, plens);
        if (!found) {
            int fi = dt->catalog_fields[c][0];
            if (cat->def->nkey == 1) {
                df_check_add(out, (df_reason)cat->def->reason, fi, "%s is not in the %s catalog",
                             QUOTE(dt->fields[fi], parts[0], plens[0]), cat->def->name);
            } else {
                char names[256] = "", values[DF_DETAIL_MAX] = "";
                for (int k = 0; k < cat->def->nkey; k++) {
                    size_t nl = strlen(names), vl = strlen(values);
                    snprintf(names + nl, sizeof names - nl, "%s%s", k ? ", " : "", cat->def->record_fields[k]);
                    snprintf(values + vl, sizeof values - vl, "%s%s", k ? ", " : "",
                             QUOTE(dt->fields[dt->catalog_fields[c][k]], parts[k], plens[k]));
                }
                df_check_add(out, (df_reason)cat->def->reason, -1, "(%s) = (%s) is not in the %s catalog", names,
                             values, cat->def->name);
            }
        }
    }
}

void df_check_message(const df_check_result *r, const df_doctype *dt, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < r->nviolations && o + 1 < n; i++) {
        const df_violation *v = &r->v[i];
        const char *fname = v->field >= 0 && dt && v->field < dt->nfields ? dt->fields[v->field]->name : NULL;
        int w = snprintf(buf + o, n - o, "%s%s%s%s", i ? "; " : "", fname ? fname : "", fname ? " " : "",
                         v->detail[0] ? v->detail : df_reason_code(v->reason));
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (o >= n) { /* cut: never inside a UTF-8 character */
        size_t e = n - 1;
        while (e > 0 && ((unsigned char)buf[e] & 0xC0) == 0x80)
            e--;
        buf[e] = 0;
    }
}
