/* tests/fuzz/fuzz_wizard.c — libFuzzer harness: arbitrary bytes as an ERP
 * export through `drugflow mapping init`'s parts: sniffing (encoding,
 * delimiter, rows), then a draft for SALE and for INVENTORY with the shipped
 * dictionary. Every failure must come with a message. */
#include "tests/fuzz/fuzz_common.h"

#include "converter/sniff.h"
#include "mapping/profile.h"
#include "mapping/wizard.h"

static df_profile profile;
static df_wizard_dict dict;
static df_sample sample;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0 ||
        df_wizard_dict_load(&dict, &profile, fz_path("samples/wizard/erp-headers.yaml"), &err) != 0) {
        fprintf(stderr, "fuzz_wizard: %s\n", err.msg);
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
    if (df_sniff_file(f.path, 200, &sample, &err) == 0) {
        static const char *const types[] = {"SALE", "INVENTORY"};
        for (size_t t = 0; t < 2; t++) {
            char *out = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&out, &len);
            df_wizard_result r;
            err.msg[0] = 0;
            if (mem && df_wizard_draft(&sample, &dict, df_profile_doctype(&profile, types[t]), "export.csv", mem, &r,
                                       &err) != 0 && !err.msg[0])
                abort();
            if (mem)
                fclose(mem);
            free(out);
        }
        df_sample_free(&sample);
    } else if (!err.msg[0]) {
        abort();
    }
    fz_file_close(&f);
    return 0;
}
