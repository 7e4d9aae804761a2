/* mapping/transform.h — the value transforms a mapping declares.
 *
 * Applied in this order: constant (replaces everything), trim, default
 * (when empty), value map, then date or decimal normalisation. A date that
 * fits none of the declared input formats, or an unmapped value under
 * map_strict, is reported so the row is rejected with E_FORMAT. */
#ifndef DF_MAPPING_TRANSFORM_H
#define DF_MAPPING_TRANSFORM_H

#include <stddef.h>
#include "mapping/mapping.h"

typedef enum { DF_TX_OK = 0, DF_TX_BAD_DATE, DF_TX_BAD_DECIMAL, DF_TX_UNMAPPED } df_tx_status;

/* Transforms in[0..inlen). The result is *out and *outlen, pointing into in,
 * into the source's own strings or into scratch (at least inlen*1+64
 * bytes; results never grow beyond that). A default or mapped value that
 * needs decimal normalisation and is longer than scratch_cap is
 * DF_TX_BAD_DECIMAL, never a number cut short. */
df_tx_status df_transform(const df_field_source *s, const char *in, size_t inlen, char *scratch,
                          size_t scratch_cap, const char **out, size_t *outlen);

/* Single steps, exposed for tests. */
void df_trim(const char **s, size_t *len);
/* Parses in with a strptime-like format (%Y %m %d, and %H %M %S which are
 * read, checked (hours 0-23, minutes and seconds 0-59) and dropped; other
 * bytes literal, UTF-8 too: "%Y年%m月%d日") into "YYYY-MM-DD" (11 bytes with
 * NUL). Returns 1 on a match. A format without %d reads a month ("%Y.%m":
 * "2028.04"), which stands for its last day. */
int df_date_parse(const char *fmt, const char *in, size_t inlen, char out[11]);
/* The same, with the day a month-only date stands for: DF_MONTH_DAY_LAST
 * (2028-04-30, 2028-02-29) or DF_MONTH_DAY_FIRST (2028-04-01). */
int df_date_parse_month(const char *fmt, const char *in, size_t inlen, int month_day, char out[11]);
/* Decimal normalisation (thousands separators, full-width forms, a decimal
 * comma) is mapping/decimal.h's. */

#endif
