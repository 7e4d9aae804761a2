/* converter/decode.c — UTF-8 validation and iconv for GBK/GB18030; see decode.h. */
#include "converter/decode.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

int df_decoder_open(df_decoder *d, df_encoding enc, df_error *err)
{
    d->enc = enc;
    d->cd = (iconv_t)-1;
    if (enc == DF_ENC_UTF8)
        return 0;
    d->cd = iconv_open("UTF-8", enc == DF_ENC_GBK ? "GBK" : "GB18030");
    if (d->cd == (iconv_t)-1)
        return df_error_errno(err, "iconv cannot convert from %s", df_encoding_name(enc));
    return 0;
}

void df_decoder_close(df_decoder *d)
{
    if (d->cd != (iconv_t)-1)
        iconv_close(d->cd);
    d->cd = (iconv_t)-1;
}

static int all_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

int df_decode(df_decoder *d, const char *in, size_t len, char *scratch, size_t cap, const char **out,
              size_t *outlen, size_t *bad_offset)
{
    if (d->enc == DF_ENC_UTF8 || all_ascii(in, len)) {
        size_t ok = d->enc == DF_ENC_UTF8 ? df_utf8_valid_prefix(in, len) : len;
        if (ok != len) {
            *bad_offset = ok;
            return -1;
        }
        *out = in;
        *outlen = len;
        return 0;
    }
    iconv(d->cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)in, *op = scratch;
    size_t il = len, ol = cap;
    if (iconv(d->cd, &ip, &il, &op, &ol) == (size_t)-1 || iconv(d->cd, NULL, NULL, &op, &ol) == (size_t)-1) {
        *bad_offset = (size_t)(ip - in);
        return -1;
    }
    *out = scratch;
    *outlen = (size_t)(op - scratch);
    return 0;
}

size_t df_decode_lossy(df_decoder *d, const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    while (len > 0 && o < cap) {
        const char *dec;
        size_t dl, bad = 0;
        if (df_decode(d, in, len, out + o, cap - o, &dec, &dl, &bad) == 0) {
            if (dec != out + o) {
                if (dl > cap - o)
                    dl = cap - o;
                memmove(out + o, dec, dl);
            }
            return o + dl;
        }
        /* Keep the valid prefix, then U+FFFD for one bad byte, and go on. */
        if (bad > 0) {
            const char *pd;
            size_t pl, b2;
            if (df_decode(d, in, bad, out + o, cap - o, &pd, &pl, &b2) == 0) {
                if (pl > cap - o)
                    pl = cap - o;
                if (pd != out + o)
                    memmove(out + o, pd, pl);
                o += pl;
            }
        }
        if (cap - o < 3)
            break;
        memcpy(out + o, "\xEF\xBF\xBD", 3);
        o += 3;
        in += bad + 1;
        len -= bad + 1;
    }
    return o;
}
