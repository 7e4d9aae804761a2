/* tests/fuzz/fuzz_mapping.c — libFuzzer harness: arbitrary bytes as a
 * mapping YAML file through df_mapping_load against the shipped gd-v1
 * profile, then a header bind with the sample sale export's columns. */
#include "tests/fuzz/fuzz_common.h"

#include "mapping/mapping.h"
#include "mapping/profile.h"

static df_profile profile;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0) {
        fprintf(stderr, "fuzz_mapping: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static df_mapping m;
    fz_file f;
    if (fz_file_open(&f, data, size) != 0)
        return 0;
    df_error err = {{0}};
    if (df_mapping_load(&m, &profile, f.path, &err) == 0) {
        static const char *const names[] = {"单据编号", "单据日期", "往来单位", "药品本位码", "通用名称", "规格",
                                            "包装规格", "剂型", "生产企业", "批准文号", "批号", "生产日期",
                                            "有效期至", "数量", "单位", "单价", "金额"};
        size_t lens[sizeof names / sizeof *names];
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            lens[i] = strlen(names[i]);
        df_mapping_bind_header(&m, "export.csv", 1, names, lens, (int)(sizeof names / sizeof *names), &err);
        (void)df_mapping_columns_needed(&m);
        df_mapping_free(&m);
    } else if (!err.msg[0]) {
        abort();
    }
    fz_file_close(&f);
    return 0;
}
