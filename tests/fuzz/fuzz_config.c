/* tests/fuzz/fuzz_config.c — libFuzzer harness: arbitrary bytes as the
 * drugflow.yaml configuration (df_config_load) and as a portal catalog CSV
 * export (df_catalog_load_csv_enc, in each encoding drugflow reads: the
 * strict decoders, line and column counting, duplicate keys), the two
 * other user files read at start. */
#include "tests/fuzz/fuzz_common.h"

#include "mapping/catalog.h"
#include "config/config.h"
#include "mapping/profile.h"

static df_profile profile;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0) {
        fprintf(stderr, "fuzz_config: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    if (fz_file_open(&f, data, size) != 0)
        return 0;
    df_error err = {{0}};
    static df_config c;
    if (df_config_load(&c, f.path, &err) != 0 && !err.msg[0])
        abort();
    df_catalog_set cats;
    df_catalog_set_init(&cats, &profile);
    for (int e = DF_ENC_UTF8; e <= DF_ENC_GB18030; e++) {
        for (int i = 0; i < profile.ncatalogs; i++)
            if (df_catalog_load_csv_enc(&cats.cat[i], f.path, (df_encoding)e, &err) != 0 && !err.msg[0])
                abort(); /* a refusal must say why */
        df_catalog_set_free(&cats);
    }
    fz_file_close(&f);
    return 0;
}
