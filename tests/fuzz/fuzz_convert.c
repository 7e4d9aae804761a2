/* tests/fuzz/fuzz_convert.c — libFuzzer harness: arbitrary bytes as an
 * ERP CSV export through the whole conversion (df_convert): the streaming
 * reader, decoding, mapping transforms, validation against the sample
 * catalogs, rejects and unsigned chunk writing. The first byte picks the
 * sample mapping (UTF-8 sale, GB18030 sale, inventory, damage), the rest is
 * the file. After each run the accounting must hold: read = accepted +
 * rejected. */
#include "tests/fuzz/fuzz_common.h"

#include <sys/stat.h>

#include "converter/convert.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"

static df_profile profile;
static const char *const mapping_files[] = {"samples/mappings/sale.yaml", "samples/mappings/sale_gb18030.yaml",
                                            "samples/mappings/inventory.yaml", "samples/mappings/damage.yaml"};
#define NMAPPINGS (int)(sizeof mapping_files / sizeof *mapping_files)
static df_mapping mappings[NMAPPINGS];
static df_catalog_set cats;
static char out_dir[600], rejects[700];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0)
        goto fail;
    for (int i = 0; i < NMAPPINGS; i++)
        if (df_mapping_load(&mappings[i], &profile, fz_path(mapping_files[i]), &err) != 0)
            goto fail;
    df_catalog_set_init(&cats, &profile);
    for (int i = 0; i < profile.ncatalogs; i++) {
        const char *f = !strcmp(profile.catalogs[i].name, "commodity") ? "samples/catalogs/commodities.csv"
                                                                        : "samples/catalogs/partners.csv";
        if (df_catalog_load_csv(&cats.cat[i], fz_path(f), &err) != 0)
            goto fail;
    }
    snprintf(out_dir, sizeof out_dir, "%s/out", fz_scratch());
    mkdir(out_dir, 0700);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", fz_scratch());
    return 0;
fail:
    fprintf(stderr, "fuzz_convert: %s\n", err.msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    df_mapping *m = &mappings[data[0] % NMAPPINGS];
    fz_file f;
    if (fz_file_open(&f, data + 1, size - 1) != 0)
        return 0;
    const char *inputs[1] = {f.path};
    df_convert_options o = {
        .profile = &profile,
        .mapping = m,
        .catalogs = &cats,
        .inputs = inputs,
        .ninputs = 1,
        .out_dir = out_dir,
        .rejects_path = rejects,
        .meta = {"91440101MA59TEST0A", "测试医药有限公司", m->dt->code, "2026-10", "2026-10-FUZZ-01",
                 "2026-11-01T02:00:00+08:00"},
        .chunk_records = 3, /* several chunks from small inputs */
        .threads = 1,
        .force = 1,
        .top = 5,
    };
    df_convert_summary s;
    memset(&s, 0, sizeof s);
    df_error err = {{0}};
    int rc = df_convert(&o, &s, &err);
    if (getenv("FUZZ_DEBUG"))
        fprintf(stderr, "rc %d read %llu accepted %llu rejected %llu chunks %zu: %s\n", rc,
                (unsigned long long)s.rows_read, (unsigned long long)s.accepted, (unsigned long long)s.rejected,
                s.nchunks, err.msg);
    if (rc != 0 && !err.msg[0])
        abort(); /* a failure must say why */
    if (rc == 0 && s.rows_read != s.accepted + s.rejected)
        abort(); /* every row read is accepted or rejected */
    df_summary_free(&s);
    fz_file_close(&f);
    return 0;
}
