/* benchmarks/tokensign.c — how fast the streaming signer signs chunk digests
 * with a key, from a file or on a token (PKCS#11), with T threads signing at
 * once (the converter's writer threads; libp11 gives each its own session)
 * or the same threads taking turns under one lock (a serialised signer).
 *
 *   build/tokensign --key KEY [--cert FILE] [--module SO] [--pin-file F]
 *                   [--threads 1,2,4] [--signatures N]
 *
 * The PIN or passphrase comes from --pin-file or $DRUGFLOW_PASSPHRASE.
 * Prints one line per thread count and mode: signatures per second. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writer/key.h"
#include "writer/sigalg.h"
#include "writer/signer.h"

typedef struct bench {
    df_signer *signer;
    long per_thread;
    int serialise;
    pthread_mutex_t mu;
    int failed;
} bench;

static void *sign_loop(void *arg)
{
    bench *b = arg;
    unsigned char digest[32];
    memset(digest, 0x5a, sizeof digest);
    for (long i = 0; i < b->per_thread; i++) {
        digest[i % 32] ^= (unsigned char)i;
        df_buf out = {0};
        df_error err;
        if (b->serialise)
            pthread_mutex_lock(&b->mu);
        int rc = df_signer_sign_digest(b->signer, digest, sizeof digest, &out, &err);
        if (b->serialise)
            pthread_mutex_unlock(&b->mu);
        df_buf_free(&out);
        if (rc != 0) {
            fprintf(stderr, "tokensign: %s\n", err.msg);
            b->failed = 1;
            break;
        }
    }
    return NULL;
}

static double run(bench *b, int threads, long total)
{
    pthread_t t[64];
    b->per_thread = total / threads;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, sign_loop, b);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return (double)(b->per_thread * threads) / s;
}

int main(int argc, char **argv)
{
    df_key_options ko = {.pass_env = "DRUGFLOW_PASSPHRASE"};
    const char *threads = "1,2,4";
    long total = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--key"))
            ko.key_path = argv[i + 1];
        else if (!strcmp(argv[i], "--cert"))
            ko.cert_path = argv[i + 1];
        else if (!strcmp(argv[i], "--module"))
            ko.pkcs11_module = argv[i + 1];
        else if (!strcmp(argv[i], "--pin-file"))
            ko.pass_file = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = argv[i + 1];
        else if (!strcmp(argv[i], "--signatures"))
            total = atol(argv[i + 1]);
    }
    if (!ko.key_path || total <= 0) {
        fprintf(stderr, "usage: tokensign --key KEY [--cert F] [--module SO] [--pin-file F] "
                        "[--threads 1,2,4] [--signatures N]\n");
        return 2;
    }
    df_key *key;
    df_error err;
    bench b = {0};
    pthread_mutex_init(&b.mu, NULL);
    static df_signature_def sig; /* gd-v1's: RSA-SHA256 over a SHA-256 digest */
    df_sigalg_default(&sig);
    if (df_key_load(&key, &ko, &err) != 0 || df_signer_new(&b.signer, key, &sig, &err) != 0) {
        fprintf(stderr, "tokensign: %s\n", err.msg);
        return 1;
    }
    char list[64];
    snprintf(list, sizeof list, "%s", threads);
    for (char *tok = strtok(list, ","); tok && !b.failed; tok = strtok(NULL, ",")) {
        int n = atoi(tok);
        if (n < 1 || n > 64)
            continue;
        for (b.serialise = 0; b.serialise < 2 && !b.failed; b.serialise++) {
            double rate = run(&b, n, total);
            printf("%-10s threads=%d %-10s %8.0f signatures/s\n", df_key_engine_uri(key) ? "token" : "file", n,
                   b.serialise ? "serialised" : "parallel", rate);
        }
    }
    df_signer_free(b.signer);
    df_key_free(key);
    return b.failed;
}
