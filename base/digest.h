/* base/digest.h — SHA-256 of files, and hex: how the journal, the
 * converter and drugflow-sim name a file's exact bytes. */
#ifndef DF_BASE_DIGEST_H
#define DF_BASE_DIGEST_H

#include <stddef.h>
#include "base/error.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void df_hex_encode(const unsigned char *in, size_t n, char *out);
/* SHA-256 of a buffer. */
void df_sha256(const void *buf, size_t len, unsigned char out[32]);
/* SHA-256 of a whole file, and its size. */
int df_sha256_file(const char *path, unsigned char out[32], long long *size, df_error *err);

#endif
