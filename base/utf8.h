/* base/utf8.h — UTF-8 validity, for everything drugflow reads as text
 * (exports, catalog exports): strict, as RFC 3629 has it (no overlong
 * forms, no surrogates, nothing above U+10FFFF), ASCII eight bytes at a
 * time. */
#ifndef DF_BASE_UTF8_H
#define DF_BASE_UTF8_H

#include <stddef.h>

/* Offset of the first byte that does not start a valid sequence (any code
 * point, controls allowed), or len if all of s is valid. */
size_t df_utf8_valid_prefix(const char *s, size_t len);

/* 1 if s[0..n) (n < 4) is the start of a valid sequence cut short, as at
 * the end of a read buffer; 0 if it can never become valid. */
int df_utf8_cut_short(const char *s, size_t n);

#endif
