/* mapping/decimal.h — decimals as ERP exports write them, made plain
 * (INTERFACE.md §4: '-', digits, one '.').
 *
 * Full-width digits, signs and marks (２４, －３, １２．５, １，２３４) become ASCII;
 * one leading '+' goes. Thousands separators are taken only where they
 * group the integer part in threes after a first group of 1 to 3 digits
 * not starting with 0 ("1,234,567.89", "1 234"): "12,34", "1,,2", "5 5" or
 * "0,5" are malformed, never a silently different number. The separator is
 * ',' (or '，') or a space (' ', U+3000), one kind per number. With a
 * decimal comma (a mapping's decimal_comma: true) the marks swap:
 * "1.234,5" is 1234.5 and '.' (or '．') or a space groups. */
#ifndef DF_MAPPING_DECIMAL_H
#define DF_MAPPING_DECIMAL_H

#include <stddef.h>

/* Writes the plain form of in[0..inlen) to out (cap >= inlen suffices:
 * it never grows) and its length to *outlen. 0, or -1 when the number is
 * malformed (the caller reports E_FORMAT). A plain result still goes
 * through the profile's decimal rule. */
int df_decimal_normalise(const char *in, size_t inlen, int decimal_comma, char *out, size_t cap,
                         size_t *outlen);

#endif
