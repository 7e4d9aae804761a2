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

/* 1 if buf[0..len) is valid text in encoding e (UTF-8 strictly, GBK and
 * GB18030 as iconv reads them); with cut_ok, a last character cut short
 * (the end of a read buffer) still counts as valid. *bad (may be NULL)
 * is the offset of the first byte that is not. The one validity check of
 * the export sniffer, the header diagnosis and the YAML loaders. */
int df_text_valid(df_encoding e, const void *buf, size_t len, int cut_ok, size_t *bad);

/* For the YAML loaders, after a file failed to load: -1 with err ("PATH:
 * line L: the mapping is not UTF-8 (it looks saved as GBK): save the
 * mapping as UTF-8") when the file at path is not UTF-8, what being "the
 * mapping", "the profile", ...; 0 when it is (or cannot be read: the
 * loader's own error stands). */
int df_refuse_non_utf8_yaml(const char *path, const char *what, df_error *err);

#endif
