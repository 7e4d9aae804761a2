/* mapping/encoding.c — encoding names, byte-order marks and validity; see encoding.h. */
#include "mapping/encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"

int df_encoding_parse(const char *name, df_encoding *out)
{
    if (name && (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8")))
        *out = DF_ENC_UTF8;
    else if (name && !strcasecmp(name, "GBK"))
        *out = DF_ENC_GBK;
    else if (name && !strcasecmp(name, "GB18030"))
        *out = DF_ENC_GB18030;
    else
        return -1;
    return 0;
}

const char *df_unicode_bom(const void *buf, size_t n)
{
    const unsigned char *b = buf;
    if (n >= 4 && !memcmp(b, "\xFF\xFE\0\0", 4))
        return "UTF-32 LE";
    if (n >= 4 && !memcmp(b, "\0\0\xFE\xFF", 4))
        return "UTF-32 BE";
    if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        return "UTF-16 LE";
    if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        return "UTF-16 BE";
    return NULL;
}

int df_refuse_unicode_bom(const char *path, const void *buf, size_t n, df_error *err)
{
    const char *enc = df_unicode_bom(buf, n);
    if (!enc)
        return 0;
    return df_errorf(err, "%s: the file is %s (it starts with a %.6s byte-order mark); drugflow reads UTF-8, GBK "
                     "or GB18030: save it as UTF-8 or GBK (in Excel: Save As, \"CSV UTF-8\")", path, enc, enc);
}

int df_refuse_unicode_bom_file(const char *path, df_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* the reader says why */
    unsigned char b[4];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n > 0 ? df_refuse_unicode_bom(path, b, (size_t)n, err) : 0;
}

int df_text_valid(df_encoding e, const void *buf, size_t len, int cut_ok, size_t *bad)
{
    const char *b = buf;
    if (e == DF_ENC_UTF8) {
        size_t ok = df_utf8_valid_prefix(b, len);
        if (bad)
            *bad = ok;
        return ok == len || (cut_ok && len - ok < 4 && df_utf8_cut_short(b + ok, len - ok));
    }
    iconv_t cd = iconv_open("UTF-8", e == DF_ENC_GBK ? "GBK" : "GB18030");
    if (cd == (iconv_t)-1)
        return 0;
    char out[8192], *ip = (char *)b;
    size_t il = len;
    int valid = 1;
    while (il > 0) {
        char *op = out;
        size_t ol = sizeof out;
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG) {
            valid = cut_ok && errno == EINVAL; /* cut in the middle of the last character */
            break;
        }
    }
    if (bad)
        *bad = (size_t)(ip - b);
    iconv_close(cd);
    return valid;
}

/* 1-based line of byte offset off in b. */
static long line_of(const char *b, size_t off)
{
    long line = 1;
    for (const char *p = b; (p = memchr(p, '\n', off - (size_t)(p - b))); p++)
        line++;
    return line;
}

int df_refuse_non_utf8_yaml(const char *path, const char *what, df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t cap = 1 << 20, len = 0;
    char *b = malloc(cap);
    ssize_t r = 0;
    while (b && len < cap && (r = read(fd, b + len, cap - len)) > 0)
        len += (size_t)r;
    close(fd);
    size_t bad = 0;
    int rc = 0;
    if (b && r >= 0 && df_unicode_bom(b, len) == NULL && !df_text_valid(DF_ENC_UTF8, b, len, len == cap, &bad)) {
        int gbk = df_text_valid(DF_ENC_GBK, b, len, len == cap, NULL);
        char why[64];
        snprintf(why, sizeof why, gbk ? "it looks saved as GBK" : "byte %zu is not UTF-8", bad + 1);
        rc = df_errorf(err, "%s: line %ld: %s is not UTF-8 (%s): save %s as UTF-8", path, line_of(b, bad), what,
                       why, what);
    }
    free(b);
    return rc;
}
