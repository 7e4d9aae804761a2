/* mapping/encoding.c — encoding names and byte-order marks; see encoding.h. */
#include "mapping/encoding.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
