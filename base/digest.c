/* base/digest.c — SHA-256 and hex; see digest.h. */
#include "base/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

void df_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

void df_sha256(const void *buf, size_t len, unsigned char out[32])
{
    unsigned int dl;
    EVP_Digest(buf, len, out, &dl, EVP_sha256(), NULL);
}

int df_sha256_file(const char *path, unsigned char out[32], long long *size, df_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return df_error_errno(err, "%s: cannot open", path);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (!m || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(m);
        close(fd);
        return df_errorf(err, "%s: cannot start SHA-256 (out of memory)", path);
    }
    unsigned char buf[1 << 16];
    ssize_t n;
    long long total = 0;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            EVP_MD_CTX_free(m);
            close(fd);
            errno = e;
            return df_error_errno(err, "%s: read error", path);
        }
        EVP_DigestUpdate(m, buf, (size_t)n);
        total += n;
    }
    close(fd);
    unsigned int dl;
    EVP_DigestFinal_ex(m, out, &dl);
    EVP_MD_CTX_free(m);
    if (size)
        *size = total;
    return 0;
}
