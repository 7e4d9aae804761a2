/* tests/fuzz/fuzz_verify.c — libFuzzer harness: arbitrary bytes as a
 * signed data file through df_verify_memory against the test CA
 * ($FUZZ_PKI/ca.pem, made by samples/pki/make-pki.sh). Verification must
 * run (return 0) and, for random bytes, almost never say valid. */
#include "tests/fuzz/fuzz_common.h"

#include "writer/verify.h"

static char ca[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *pki = getenv("FUZZ_PKI");
    snprintf(ca, sizeof ca, "%s/ca.pem", pki && *pki ? pki : fz_path("build-fuzz/pki"));
    if (access(ca, R_OK) != 0) {
        fprintf(stderr, "fuzz_verify: no test CA at %s (set FUZZ_PKI)\n", ca);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    df_verify_result r;
    df_error err = {{0}};
    if (df_verify_memory(data, size, ca, &r, &err) != 0) {
        fprintf(stderr, "verification could not run: %s\n", err.msg);
        abort(); /* the CA is fine: any input must give a verdict */
    }
    if (!r.valid && !r.reason[0])
        abort(); /* an invalid file must say why */
    return 0;
}
