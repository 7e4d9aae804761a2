/* mapping/encoding.h — the text encodings drugflow reads in ERP exports and
 * catalog exports (UTF-8, GBK, GB18030): their names as a mapping or the
 * configuration gives them, and the byte-order marks of the encodings it
 * does not read (UTF-16, UTF-32: Excel's "Unicode Text"), named as such
 * instead of failing later on every row. */
#ifndef DF_MAPPING_ENCODING_H
#define DF_MAPPING_ENCODING_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/mapping.h"

/* "UTF-8" (or "UTF8"), "GBK", "GB18030", in any case. 0, or -1. */
int df_encoding_parse(const char *name, df_encoding *out);

/* The encoding a UTF-16 or UTF-32 byte-order mark at the start of buf
 * names ("UTF-16 LE", …), or NULL when there is none. */
const char *df_unicode_bom(const void *buf, size_t n);

/* -1 with err ("PATH: the file is UTF-16 LE …; save it as UTF-8 or GBK")
 * when buf, the start of path, begins with such a mark; else 0. */
int df_refuse_unicode_bom(const char *path, const void *buf, size_t n, df_error *err);

/* The same for the first bytes of the file at path, when it is a regular
 * file (a pipe is left to its reader). */
int df_refuse_unicode_bom_file(const char *path, df_error *err);

#endif
