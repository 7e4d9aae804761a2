/* tests/fuzz/fuzz_convert.c — libFuzzer harness: arbitrary bytes as an
 * ERP CSV export through the whole conversion (df_convert): the streaming
 * reader, decoding, mapping transforms, validation against the sample
 * catalogs, rejects and unsigned chunk writing. The first byte picks the
 * sample mapping (UTF-8 sale, GB18030 sale, inventory, damage), the rest is
 * the file. After each run the accounting must hold: read = accepted +
 * rejected. Each input is converted twice, by one worker and by three with
 * ranges of 1 to 61 bytes (parallel parsing, issue 14: every range edge a
 * speculative row start to confirm or parse again): the two runs must agree
 * on the outcome, the message, the counts, every chunk's bytes (SHA-256)
 * and rejects.csv. */
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
static char out_dir[600], rejects[2][700];

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
    snprintf(rejects[0], sizeof rejects[0], "%s/rejects-1.csv", fz_scratch());
    snprintf(rejects[1], sizeof rejects[1], "%s/rejects-2.csv", fz_scratch());
    return 0;
fail:
    fprintf(stderr, "fuzz_convert: %s\n", err.msg);
    abort();
}

/* The whole of a small file, or NULL (n = 0) if it is missing. */
static char *slurp(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 20);
    if (b)
        *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static int convert(df_mapping *m, const char *path, int run, size_t range_bytes, df_convert_summary *s,
                   df_error *err)
{
    const char *inputs[1] = {path};
    df_convert_options o = {
        .profile = &profile,
        .mapping = m,
        .catalogs = &cats,
        .inputs = inputs,
        .ninputs = 1,
        .out_dir = out_dir,
        .rejects_path = rejects[run],
        .meta = {"91440101MA59TEST0A", "测试医药有限公司", m->dt->code, "2026-10", "2026-10-FUZZ-01",
                 "2026-11-01T02:00:00+08:00"},
        .chunk_records = 3, /* several chunks from small inputs */
        .threads = run ? 3 : 1,
        .force = 1,
        .top = 5,
        .file_digests = 1,
        .range_bytes = range_bytes,
    };
    memset(s, 0, sizeof *s);
    memset(err, 0, sizeof *err);
    unlink(rejects[run]);
    int rc = df_convert(&o, s, err);
    if (getenv("FUZZ_DEBUG"))
        fprintf(stderr, "run %d: rc %d read %llu accepted %llu rejected %llu chunks %zu: %s\n", run, rc,
                (unsigned long long)s->rows_read, (unsigned long long)s->accepted, (unsigned long long)s->rejected,
                s->nchunks, err->msg);
    if (rc != 0 && !err->msg[0])
        abort(); /* a failure must say why */
    if (rc == 0 && s->rows_read != s->accepted + s->rejected)
        abort(); /* every row read is accepted or rejected */
    return rc;
}

/* Sequential and parallel parsing give the same output. */
static void compare(int rc1, int rc2, const df_convert_summary *a, const df_convert_summary *b, const df_error *e1,
                    const df_error *e2)
{
    if (rc1 != rc2 || (rc1 != 0 && strcmp(e1->msg, e2->msg) != 0))
        abort();
    if (rc1 != 0)
        return;
    if (a->rows_read != b->rows_read || a->accepted != b->accepted || a->nchunks != b->nchunks)
        abort();
    for (size_t i = 0; i < a->nchunks; i++)
        if (a->chunks[i].records != b->chunks[i].records ||
            memcmp(a->chunks[i].file_sha256, b->chunks[i].file_sha256, 32) != 0 || !a->chunks[i].lines ||
            a->chunks[i].lines_len != b->chunks[i].lines_len ||
            memcmp(a->chunks[i].lines, b->chunks[i].lines, a->chunks[i].lines_len) != 0)
            abort();
    size_t n1, n2;
    char *r1 = slurp(rejects[0], &n1), *r2 = slurp(rejects[1], &n2);
    /* rejects.csv names the input: the same path in both runs */
    if (n1 != n2 || (n1 && memcmp(r1, r2, n1) != 0))
        abort();
    free(r1);
    free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    df_mapping *m = &mappings[data[0] % NMAPPINGS];
    fz_file f;
    if (fz_file_open(&f, data + 1, size - 1) != 0)
        return 0;
    df_convert_summary s1, s2;
    df_error e1, e2;
    int rc1 = convert(m, f.path, 0, 0, &s1, &e1);
    int rc2 = convert(m, f.path, 1, 1 + (size_t)(data[0] / NMAPPINGS) % 61, &s2, &e2);
    compare(rc1, rc2, &s1, &s2, &e1, &e2);
    df_summary_free(&s1);
    df_summary_free(&s2);
    fz_file_close(&f);
    return 0;
}
