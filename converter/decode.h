/* converter/decode.h — turning a field's bytes in the export's encoding
 * into UTF-8 (INTERFACE.md §4: text is UTF-8).
 *
 * UTF-8 input is validated in place (no copy). GBK and GB18030 go through
 * iconv, with a fast path for fields that are pure ASCII. Bytes that are not
 * valid in the declared encoding are reported, never replaced: the row is
 * rejected with E_ENCODING. */
#ifndef DF_CONVERTER_DECODE_H
#define DF_CONVERTER_DECODE_H

#include <iconv.h>
#include <stddef.h>
#include "base/error.h"
#include "base/utf8.h"
#include "mapping/mapping.h"

typedef struct df_decoder {
    df_encoding enc;
    iconv_t cd;
} df_decoder;

int df_decoder_open(df_decoder *d, df_encoding enc, df_error *err);
void df_decoder_close(df_decoder *d);

/* Decodes in[0..len) into UTF-8. On success *out and *outlen point either
 * at in itself (UTF-8, ASCII) or into scratch. Returns 0, or -1 if the bytes
 * are invalid in the encoding or scratch is too small (*bad_offset then
 * tells where, in bytes from the field start). */
int df_decode(df_decoder *d, const char *in, size_t len, char *scratch, size_t cap, const char **out,
              size_t *outlen, size_t *bad_offset);

/* Plain UTF-8 validity, df_utf8_valid_prefix, is base/utf8.h's. */

/* For reports: copies in as UTF-8 into out, replacing invalid sequences
 * with U+FFFD. Returns the length written (out must hold 3*len+1). */
size_t df_decode_lossy(df_decoder *d, const char *in, size_t len, char *out, size_t cap);

#endif
