/* tests/fuzz/fuzz_profile.c — libFuzzer harness: arbitrary bytes as a
 * profile YAML file through df_profile_load; every outcome must be a clean
 * 0 or -1 with a message. */
#include "tests/fuzz/fuzz_common.h"

#include "mapping/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static df_profile p;
    fz_file f;
    if (fz_file_open(&f, data, size) != 0)
        return 0;
    df_error err = {{0}};
    if (df_profile_load(&p, f.path, &err) != 0 && !err.msg[0])
        abort(); /* a failure must say why */
    fz_file_close(&f);
    return 0;
}
