/* cli/convert.c — `drugflow convert`: options in, df_convert out. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "cli/cli.h"
#include "converter/convert.h"
#include "converter/preview.h"
#include "converter/unmatched.h"
#include "report/server_errors.h"
#include "mapping/mapping.h"
#include "workspace/catalogs.h"
#include "writer/key.h"
#include "writer/signer.h"

typedef struct convert_args {
    const char *mapping, *profile, *config, *catalogs, *workspace, *commodities, *partners, *out, *period, *batch,
        *ecode, *ename, *created, *rejects, *rejects_format, *cat_enc, *sign, *key, *cert, *pass_env, *pass_file;
    int no_catalogs, force, json, quiet, progress, no_progress, open_perms, dry_run, no_suggest, stats;
    long threads, top, limit;
    long crec;
    uint64_t cbytes;
} convert_args;

static int check_period(const char *v, char *why, size_t n) { return df_period_check(v, why, n); }
static int check_batch(const char *v, char *why, size_t n) { return df_batch_id_check(v, why, n); }
static int check_created(const char *v, char *why, size_t n) { return df_created_at_check(v, why, n); }

/* The configuration with the command line's overrides written into it. */
static int load_config(const convert_args *a, df_config *cfg, df_error *err)
{
    if (df_config_load(cfg, a->config, err) != 0 ||
        df_config_set(cfg, "enterprise.code", a->ecode, err) != 0 ||
        df_config_set(cfg, "enterprise.name", a->ename, err) != 0 ||
        df_config_set(cfg, "certificate.key", a->key, err) != 0 ||
        df_config_set(cfg, "certificate.cert", a->cert, err) != 0 ||
        df_config_set(cfg, "certificate.passphrase_env", a->pass_env, err) != 0 ||
        df_config_set(cfg, "certificate.passphrase_file", a->pass_file, err) != 0)
        return -1;
    if (a->open_perms)
        cfg->allow_open_key_perms = 1;
    if (!cfg->enterprise_code[0] || !cfg->enterprise_name[0])
        return df_errorf(err, "the enterprise code and name are needed: set 'enterprise:' in the configuration "
                         "or give --enterprise-code and --enterprise-name");
    return 0;
}

/* 1 catalogs loaded, 0 matching is off, -1 error (usage). */
static int load_catalogs(const convert_args *a, const df_config *cfg, const df_profile *p, df_catalog_set *cats,
                         df_error *err)
{
    if (a->no_catalogs)
        return 0;
    df_catalog_sources src = {.csv_dir = a->catalogs, .workspace = a->workspace ? a->workspace : cfg->workspace,
                              .config_dir = cfg->catalogs};
    if (df_cli_catalogs_encoding(a->cat_enc, cfg, &src.encoding, err) != 0)
        return -1;
    if ((a->commodities && df_catalog_sources_set_file(&src, p, "commodity", a->commodities) != 0) ||
        (a->partners && df_catalog_sources_set_file(&src, p, "partner", a->partners) != 0))
        return df_errorf(err, "the profile has no commodity or partner catalog for --commodities/--partners");
    char source[DF_PATH_MAX + 32];
    int l = df_catalogs_load(p, &src, cats, source, sizeof source, err);
    if (l == 0)
        return df_errorf(err, "no catalogs to match rows against: give --catalogs DIR (the portal's CSV exports) "
                         "or --no-catalogs to skip matching");
    if (l > 0 && !a->quiet)
        fprintf(stderr, "catalogs: %s\n", source);
    return l < 0 ? -1 : 1;
}

/* The key and its signer, when signing: on by default when a key is configured. */
static int open_signer(const convert_args *a, const df_config *cfg, const df_signature_def *sig, df_signer **signer,
                       int *reference, df_error *err)
{
    const char *mode = a->sign ? a->sign : cfg->key[0] ? "streaming" : "none";
    *reference = !strcmp(mode, "reference");
    if (!strcmp(mode, "none"))
        return 0;
    if (!cfg->key[0])
        return df_errorf(err, "--sign %s needs a key: --key FILE or 'certificate: key:' in the configuration", mode);
    df_key_options ko;
    df_key_options_from_config(cfg, isatty(0), &ko);
    if (df_signer_load(signer, &ko, sig, err) != 0)
        return -1;
    const df_key *key = df_signer_key(*signer);
    if (*reference && df_key_engine_uri(key))
        return df_errorf(err, "--sign reference (libxmlsec1) cannot sign with a key on a token: use --sign "
                         "streaming (the default)");
    const char *cn = df_key_subject_cn(key);
    if (strcmp(cn, cfg->enterprise_code))
        df_log_warn("the certificate's CN %s is not the enterprise code %s; the server will refuse these files "
                    "(E_SIGNER)", cn, cfg->enterprise_code);
    return 0;
}

/* The files besides the inputs and the mapping that the run must never
 * overwrite (converter/output_guard.h). */
static int guarded_files(const convert_args *a, const df_config *cfg, const df_profile *p, const char *profile_file,
                         df_guarded_file *g)
{
    static char cat_files[DF_MAX_CATALOGS * 2][DF_PATH_MAX];
    int n = 0;
    g[n++] = (df_guarded_file){cfg->source, "the configuration"};
    g[n++] = (df_guarded_file){profile_file, "the profile"};
    g[n++] = (df_guarded_file){cfg->key, "the enterprise key"};
    g[n++] = (df_guarded_file){cfg->cert, "the enterprise certificate"};
    g[n++] = (df_guarded_file){cfg->passphrase_file, "the passphrase file"};
    g[n++] = (df_guarded_file){a->commodities, "a catalog"};
    g[n++] = (df_guarded_file){a->partners, "a catalog"};
    const char *dirs[2] = {a->catalogs, cfg->catalogs};
    for (int d = 0; d < 2; d++)
        for (int i = 0; dirs[d] && dirs[d][0] && i < p->ncatalogs; i++) {
            char *f = cat_files[d * DF_MAX_CATALOGS + i];
            df_catalog_export_path(&p->catalogs[i], dirs[d], f, DF_PATH_MAX);
            g[n++] = (df_guarded_file){f, "a catalog"};
        }
    return n;
}

/* missing-*.csv go beside rejects.csv, or into OUT when the rejects go to standard output. */
static void missing_folder(const df_convert_summary *sum, const char *out, char *dir, size_t n)
{
    if (!strcmp(sum->rejects_path, "-"))
        snprintf(dir, n, "%s", out);
    else
        df_path_dirname(sum->rejects_path, dir, n);
}

static int reads_stdin(const char *const *inputs, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(inputs[i], "/dev/stdin"))
            return 1;
    return 0;
}

static int run_convert(convert_args *a, const char *const *inputs, int ninputs)
{
    static df_config cfg;
    static df_profile profile; /* large; holds pointers into itself */
    static df_mapping mapping;
    char profile_file[DF_PATH_MAX], created_at[64], batch_id[DF_BATCH_ID_MAX + 1];
    df_error err;
    if (load_config(a, &cfg, &err) != 0 || df_config_profile_path(&cfg, a->profile, profile_file,
                                                                    sizeof profile_file, &err) != 0 ||
        df_profile_load(&profile, profile_file, &err) != 0 || df_mapping_load(&mapping, &profile, a->mapping, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    df_log_debug("configuration %s; profile %s; mapping %s (%s, %s)", cfg.source[0] ? cfg.source : "(none)",
                 profile_file, a->mapping, mapping.dt->code, df_encoding_name(mapping.encoding));
    int rc = DF_EXIT_USAGE, reference = 0;
    char why[256];
    if (a->batch && df_batch_id_check_max(a->batch, profile.batch_id_max, why, sizeof why) != 0) {
        fprintf(stderr, "drugflow convert: --batch-id '%s' %s\nTry 'drugflow convert --help'.\n", a->batch, why);
        df_mapping_free(&mapping);
        return DF_EXIT_USAGE;
    }
    df_guarded_file guarded[7 + 2 * DF_MAX_CATALOGS];
    int nguarded = guarded_files(a, &cfg, &profile, profile_file, guarded);
    df_signer *signer = NULL;
    df_catalog_set cats;
    df_catalog_set_init(&cats, &profile);
    df_preview pv = {0};
    if (load_catalogs(a, &cfg, &profile, &cats, &err) < 0 || df_created_at(a->created, created_at, sizeof created_at, &err) ||
        (a->batch || a->dry_run ? snprintf(batch_id, sizeof batch_id, "%s", a->batch ? a->batch : "dry-run") < 0
                                : df_batch_id_default(a->period, mapping.dt->code, batch_id, sizeof batch_id, &err) != 0) ||
        (!a->dry_run && (df_mkdirs(a->out, &err) != 0 || open_signer(a, &cfg, &profile.signature, &signer, &reference, &err) != 0)) ||
        (a->dry_run && df_preview_open(&pv, stdout, &profile, mapping.dt, a->json, &err) != 0)) {
        df_cli_fail(DF_EXIT_USAGE, &err);
        goto out;
    }
    df_convert_options o = {
        .profile = &profile,
        .mapping = &mapping,
        .catalogs = &cats,
        .inputs = inputs,
        .ninputs = ninputs,
        .out_dir = a->out,
        .rejects_path = a->rejects,
        .rejects_format = df_cli_csv_format(a->rejects_format),
        .guarded = guarded,
        .nguarded = nguarded,
        .meta = {cfg.enterprise_code, cfg.enterprise_name, mapping.dt->code, a->period, batch_id, created_at},
        .chunk_records = a->crec ? (uint64_t)a->crec : (uint64_t)cfg.chunk_records,
        .chunk_bytes = a->cbytes ? a->cbytes : (uint64_t)cfg.chunk_bytes,
        .threads = a->threads > 0 ? (int)a->threads : cfg.threads,
        .sign = signer && !reference ? df_signer_sign_digest : NULL,
        .sign_ctx = signer,
        .sign_file = signer && reference ? df_signer_reference_sign_file : NULL,
        .sign_file_ctx = signer,
        .file_digests = a->json,
        .force = a->force,
        .progress = a->no_progress ? 0 : a->progress ? 1 : isatty(2),
        .top = (int)a->top,
        .stats = a->stats,
        .limit = (uint64_t)a->limit,
        .preview = a->dry_run ? df_preview_row : NULL,
        .preview_ctx = &pv,
        .no_suggestions = a->no_suggest,
    };
    df_convert_summary sum;
    char missing_dir[DF_PATH_MAX];
    int failed = df_convert(&o, &sum, &err) != 0;
    if (a->dry_run)
        df_preview_close(&pv);
    if (failed) {
        if (a->dry_run && a->json) {
            printf(", \"error\": ");
            df_json_str(stdout, err.msg);
            printf("}\n");
        }
        rc = df_cli_fail(sum.input_error ? DF_EXIT_USAGE : DF_EXIT_FATAL, &err);
    } else if (!a->dry_run && (missing_folder(&sum, a->out, missing_dir, sizeof missing_dir),
                               df_missing_write(&sum, &profile, missing_dir, &err) != 0)) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
    } else {
        if (!a->dry_run && reads_stdin(inputs, ninputs))
            df_log_debug("the input lines of these chunks are not kept: standard input cannot be read again");
        else if (!a->dry_run && df_provenance_save(&mapping, inputs, ninputs, &sum, a->out, &err) != 0)
            df_log_warn("%s (the server's errors of these chunks will not name input lines)", err.msg);
        if (!a->quiet)
            df_summary_print(&sum, stderr, (int)a->top);
        if (a->stats)
            df_stats_print(&sum, stderr);
        if (a->json && a->dry_run)
            printf(", \"summary\": ");
        if (a->json)
            df_summary_json(&sum, stdout, (int)a->top);
        if (a->json && a->dry_run)
            printf("}\n");
        rc = sum.rejected ? DF_EXIT_REJECTED : DF_EXIT_OK;
    }
    df_summary_free(&sum);
out:
    df_preview_close(&pv);
    df_signer_free(signer);
    df_catalog_set_free(&cats);
    df_mapping_free(&mapping);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    convert_args a = {.top = 20};
    const df_opt opts[] = {
        {.section = "Input and mapping:", .name = "mapping", .short_name = 'm', .type = DF_ARG_STRING,
         .dest = &a.mapping, .arg = "FILE", .help = "mapping of the export's columns (samples/mappings/*.yaml)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &a.profile, .arg = "FILE",
         .help = "interface profile (default: config, then the shipped gd-v1)"},
        DF_CLI_CONFIG_OPT(a.config),
        {.section = "Catalogs (partners and commodities that rows must match):", .name = "catalogs",
         .type = DF_ARG_STRING, .dest = &a.catalogs, .arg = "DIR",
         .help = "portal CSV exports DIR/commodities.csv and DIR/partners.csv\n(default: the catalogs "
                 "'drugflow catalog pull' put in the workspace,\nelse the configuration's 'catalogs:' folder)"},
        {.name = "workspace", .short_name = 'w', .type = DF_ARG_STRING, .dest = &a.workspace, .arg = "DIR",
         .help = "workspace whose pulled catalogs are used (default: configuration)"},
        {.name = "commodities", .type = DF_ARG_STRING, .dest = &a.commodities, .arg = "FILE",
         .help = "the commodity catalog export"},
        {.name = "partners", .type = DF_ARG_STRING, .dest = &a.partners, .arg = "FILE",
         .help = "the partner catalog export"},
        DF_CLI_CATALOGS_ENCODING_OPT(a.cat_enc),
        {.name = "no-catalogs", .type = DF_ARG_FLAG, .dest = &a.no_catalogs,
         .help = "do not match catalogs (rows are still checked otherwise)"},
        {.section = "Output:", .name = "out", .short_name = 'o', .type = DF_ARG_STRING, .dest = &a.out,
         .arg = "DIR", .help = "output folder (created if missing)"},
        {.name = "period", .short_name = 'p', .type = DF_ARG_STRING, .dest = &a.period, .arg = "YYYY-MM",
         .help = "reporting period", .check = check_period},
        {.name = "batch-id", .type = DF_ARG_STRING, .dest = &a.batch, .arg = "ID",
         .help = "batch id (default PERIOD-DOCTYPE-01)", .check = check_batch},
        {.name = "enterprise-code", .type = DF_ARG_STRING, .dest = &a.ecode, .arg = "C",
         .help = "overrides the configuration's enterprise code"},
        {.name = "enterprise-name", .type = DF_ARG_STRING, .dest = &a.ename, .arg = "N",
         .help = "overrides the configuration's enterprise name"},
        {.name = "created-at", .type = DF_ARG_STRING, .dest = &a.created, .arg = "TIME",
         .help = "header CreatedAt (default $SOURCE_DATE_EPOCH or now, +08:00)", .check = check_created},
        {.name = "chunk-records", .type = DF_ARG_INT, .dest = &a.crec, .arg = "N", .min = DF_MIN_CHUNK_RECORDS,
         .max = DF_MAX_CHUNK_RECORDS, .help = "records per chunk (default 20000)"},
        {.name = "chunk-bytes", .type = DF_ARG_SIZE, .dest = &a.cbytes, .arg = "N", .min = DF_MIN_CHUNK_BYTES,
         .max = DF_MAX_CHUNK_BYTES, .help = "bytes per chunk, K/M suffixes (default 16M)"},
        {.name = "rejects", .type = DF_ARG_STRING, .dest = &a.rejects, .arg = "FILE",
         .help = "where rejected rows go (default OUT/rejects.csv; - for standard\noutput); never an input, "
                 "the mapping, the configuration or a\nchunk of the run"},
        DF_CLI_REJECTS_FORMAT_OPT(a.rejects_format, "rejects.csv"),
        {.name = "force", .type = DF_ARG_FLAG, .dest = &a.force,
         .help = "replace chunks of the same batch already in OUT (never an input)"},
        {.name = "threads", .short_name = 'j', .type = DF_ARG_INT, .dest = &a.threads, .min = 1,
         .max = DF_MAX_THREADS, .help = "worker threads: parse, check, write, sign (default: number of\ncores)"},
        {.section = "Signing (INTERFACE.md §5, enveloped XML-DSig with the enterprise certificate):",
         .name = "sign", .type = DF_ARG_CHOICE, .dest = &a.sign, .arg = "MODE", .choices = "streaming|reference|none",
         .help = "streaming (default when a key is configured), reference\n(libxmlsec1 on a DOM, to cross-check) or none"},
        {.name = "key", .type = DF_ARG_STRING, .dest = &a.key, .arg = "FILE",
         .help = ".p12/.pfx, or PEM private key (default: configuration)"},
        {.name = "cert", .type = DF_ARG_STRING, .dest = &a.cert, .arg = "FILE", .help = "PEM certificate, with a PEM key"},
        {.name = "passphrase-env", .type = DF_ARG_STRING, .dest = &a.pass_env, .arg = "VAR",
         .help = "variable holding the key's passphrase (default DRUGFLOW_PASSPHRASE)"},
        {.name = "passphrase-file", .type = DF_ARG_STRING, .dest = &a.pass_file, .arg = "F",
         .help = "file whose first line is the passphrase\n(else, on a terminal, a prompt; never on the command line)"},
        {.name = "allow-open-key-permissions", .type = DF_ARG_FLAG, .dest = &a.open_perms,
         .help = "accept a key file readable by group or others"},
        {.section = "Preview:", .name = "dry-run", .type = DF_ARG_FLAG, .dest = &a.dry_run,
         .help = "print each record as it would be sent, or why it would be\nrejected, on stdout; write "
                 "nothing (no chunks, no rejects.csv;\n--out and --period are then optional)"},
        {.name = "limit", .short_name = 'n', .type = DF_ARG_INT, .dest = &a.limit, .arg = "N", .min = 1,
         .max = 1000000000, .help = "stop after the first N data rows (accepted + rejected)"},
        {.section = "Reporting:", .name = "json", .type = DF_ARG_FLAG, .dest = &a.json,
         .help = "print the summary as JSON on stdout"},
        {.name = "stats", .type = DF_ARG_FLAG, .dest = &a.stats,
         .help = "time per stage, queue waits and bytes (also in --json), to tune\n--threads and chunk sizes"},
        {.name = "top", .type = DF_ARG_INT, .dest = &a.top, .min = 0, .max = 100000,
         .help = "unmatched catalog entries to list (default 20)"},
        {.name = "no-suggestions", .type = DF_ARG_FLAG, .dest = &a.no_suggest,
         .help = "do not look for the nearest catalog entry of unmatched keys"},
        {.name = "progress", .type = DF_ARG_FLAG, .dest = &a.progress, .help = "progress bar on stderr (default: if a terminal)"},
        {.name = "no-progress", .type = DF_ARG_FLAG, .dest = &a.no_progress, .help = "no progress bar"},
        {.name = "quiet", .short_name = 'q', .type = DF_ARG_FLAG, .dest = &a.quiet, .help = "no summary on stderr"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "convert", .opts = opts, .epilog = DF_EXIT_CODES_HELP, .min_operands = 0,
        .max_operands = -1,
        .usage = "--mapping FILE --period YYYY-MM --out DIR [OPTIONS] EXPORT.csv...\n"
                 "       drugflow convert --mapping FILE --dry-run [--limit N] [OPTIONS] EXPORT.csv...",
        .about = "Streams ERP CSV exports through a mapping into the interface's data files: rows are\n"
                 "validated in one pass (E_NEGATIVE_QTY, E_PARTNER_UNMATCHED, E_COMMODITY_UNMATCHED,\n"
                 "E_REQUIRED, E_FORMAT, E_TOO_LONG, E_ENCODING, E_COLUMNS); accepted rows go into chunked\n"
                 "XML files OUT/BATCH_00001.xml…, rejected rows into OUT/rejects.csv with their reasons.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    if (!a.mapping)
        return df_cmdline_usage_error(&spec, "--mapping FILE is required");
    if (!a.out && !a.dry_run)
        return df_cmdline_usage_error(&spec, "--out DIR is required (or --dry-run to only preview)");
    if (!a.period && !a.dry_run)
        return df_cmdline_usage_error(&spec, "--period YYYY-MM is required (e.g. 2026-10)");
    if (first >= argc)
        return df_cmdline_usage_error(&spec, "give at least one CSV export to convert");
    if (a.rejects && !strcmp(a.rejects, "-") && (a.json || a.dry_run))
        return df_cmdline_usage_error(&spec, "--rejects - writes the rejected rows to standard output, where --json "
                                             "and --dry-run write too: give --rejects FILE");
    if (df_cli_inputs(&spec, argv + first, argc - first) != 0)
        return DF_EXIT_USAGE;
    if ((a.commodities || a.partners) && a.catalogs)
        return df_cmdline_usage_error(&spec, "--catalogs DIR and --commodities/--partners exclude each other");
    return run_convert(&a, (const char *const *)argv + first, argc - first);
}
