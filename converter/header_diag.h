/* converter/header_diag.h — why an export's header lacks the columns a
 * mapping names: the header row actually read, and each cause that fits
 * the file's first bytes (a byte order mark, the wrong encoding declared,
 * the header further down than skip_rows says), with what to set. */
#ifndef DF_CONVERTER_HEADER_DIAG_H
#define DF_CONVERTER_HEADER_DIAG_H

#include <stddef.h>

#define DF_HEADER_DIAG_HEAD (64 * 1024) /* bytes of the input worth passing */
#define DF_HEADER_DIAG_ROWS 50          /* rows searched for the wanted names */

/* head: the input's first len bytes, raw; encoding_declared: the mapping's
 * ("UTF-8", "GBK", "GB18030"; NULL is UTF-8); skip_rows and delimiter as
 * the mapping has them (the quote is '"'); wanted: the mapped column names
 * the header lacks. Writes lines ending in '\n' into out (always
 * NUL-terminated, cut at a character boundary to fit cap):
 *   the header row read (line L): «a», «b», …
 * then one line per cause that applies, each ending in what to do. */
void df_header_diagnose(const unsigned char *head, size_t len, const char *encoding_declared, int skip_rows,
                        char delimiter, const char *const *wanted, int nwanted, char *out, size_t cap);

#endif
