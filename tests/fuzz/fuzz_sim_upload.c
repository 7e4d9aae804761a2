/* tests/fuzz/fuzz_sim_upload.c — libFuzzer harness for drugflow-sim's
 * handling of an uploaded file, without sockets: the check made before
 * answering (sim_check_upload: well-formed, root, no DOCTYPE, Period), then
 * the processing after the answer (sim_process_file: signature, signer,
 * enterprise, schema, every record through the rules against the seeded
 * catalogs). Inputs that pass the upload check are signed with enterprise
 * A's test key first (reference signer), so that the record stream is
 * reached; inputs the signer refuses are stored as they are. Also the
 * results entry's since= parser (sim_parse_iso) on the raw bytes. */
#include "tests/fuzz/fuzz_common.h"

#include <errno.h>
#include <sys/stat.h>

#include "mapping/profile.h"
#include "simulator/sim.h"
#include "writer/sigalg.h"
#include "writer/signer.h"
#include "writer/verify.h"

/* gd-v1's signature (RSA-SHA256), for the signers the tests make. */
static const df_signature_def *gd_v1_sig(void)
{
    static df_signature_def d;
    if (!d.ns[0])
        df_sigalg_default(&d);
    return &d;
}

#define ENT "91440101MA59TEST0A"

static df_profile profile;
static sim_processor pr;
static sim_ent *ent;
static df_signer *signer;
static char unsigned_path[600];
static unsigned long long counter;

static void die(const char *what, const df_error *err)
{
    fprintf(stderr, "fuzz_sim_upload: %s: %s\n", what, err ? err->msg : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    const char *pki = getenv("FUZZ_PKI");
    char pkidir[4096], ca[4200], p12[4200], passfile[4200];
    snprintf(pkidir, sizeof pkidir, "%s", pki && *pki ? pki : fz_path("build-fuzz/pki"));
    snprintf(ca, sizeof ca, "%s/ca.pem", pkidir);
    snprintf(p12, sizeof p12, "%s/ent-a.p12", pkidir);
    snprintf(passfile, sizeof passfile, "%s/passphrase", pkidir);
    if (df_profile_load(&profile, fz_path("samples/profile/gd-v1.yaml"), &err) != 0)
        die("profile", &err);
    char data[700];
    snprintf(data, sizeof data, "%s/sim", fz_scratch());
    if (mkdir(data, 0700) != 0 && errno != EEXIST)
        die("mkdir", NULL);
    if (sim_ent_open(data, ENT, 1, &ent, &err) != 0)
        die("enterprise", &err);
    static const char *const files[] = {"samples/catalogs/commodities.csv", "samples/catalogs/partners.csv"};
    for (int i = 0; i < profile.ncatalogs; i++) {
        const char *f = !strcmp(profile.catalogs[i].name, "commodity") ? files[0] : files[1];
        sim_catrow *rows;
        size_t n;
        long changes;
        if (sim_load_catalog_csv(fz_path(f), &profile.catalogs[i], DF_ENC_UTF8, &rows, &n, &err) != 0 ||
            sim_catalog_apply(ent, &profile.catalogs[i], rows, n, 1, &changes, &err) != 0)
            die("catalog", &err);
        sim_free_rows(rows, n);
    }
    /* no worker threads needed: files are processed here, synchronously */
    if (sim_processor_start(&pr, &profile, ca, fz_path("samples/schema/gd-v1.xsd"), 1, 4, 1, &err) != 0)
        die("processor", &err);
    df_key_options ko = {.key_path = p12, .pass_file = passfile, .allow_open_perms = 1};
    if (df_signer_load(&signer, &ko, gd_v1_sig(), &err) != 0)
        die("signer", &err);
    snprintf(unsigned_path, sizeof unsigned_path, "%s/unsigned.xml", fz_scratch());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the results entry's since= parameter */
    char since[64];
    size_t n = size < sizeof since - 1 ? size : sizeof since - 1;
    memcpy(since, data, n);
    since[n] = '\0';
    (void)sim_parse_iso(since);

    char period[32], msg[300];
    /* the server's quick check of the first bytes only (check_prefix) */
    if (sim_check_upload(&profile, data, size, 256, period, msg) != 0 && !msg[0])
        abort();
    if (sim_check_upload(&profile, data, size, 0, period, msg) != 0) {
        if (!msg[0])
            abort(); /* a refusal must say why */
        return 0;
    }
    /* store it as the upload entry does, under a fresh id */
    char id[SIM_FILEID_LEN + 1], hex[65] = "", path[1200];
    snprintf(id, sizeof id, "%032llx", ++counter);
    sim_file_path(ent, id, path, sizeof path);
    df_error err = {{0}};
    FILE *f = fopen(unsigned_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die("write", NULL);
    unsigned char digest[32];
    if (df_signer_reference_sign_file(signer, unsigned_path, path, digest, &err) != 0) {
        /* not signable (e.g. not the data file's shape): store it unsigned */
        f = fopen(path, "wb");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
            die("write", NULL);
    }
    int dup = 0;
    if (sim_file_record(ent, id, hex, "fuzz.xml", (long long)size, period, &dup, &err) != 0)
        die("record", &err);
    if (sim_process_file(&pr, ent, id, &err) != 0)
        die("process", &err);
    unlink(path);
    return 0;
}
