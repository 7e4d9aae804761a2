/* cli/convert.c — `drugflow convert`: options in, df_convert out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "converter/convert.h"
#include "mapping/catalog.h"
#include "mapping/mapping.h"
#include "mapping/profile.h"
#include "writer/signer.h"

static const char convert_help[] =
    "usage: drugflow convert --mapping FILE --period YYYY-MM --out DIR [OPTIONS] EXPORT.csv...\n"
    "\n"
    "Streams ERP CSV exports through a mapping into the interface's data files: rows are\n"
    "validated in one pass (E_NEGATIVE_QTY, E_PARTNER_UNMATCHED, E_COMMODITY_UNMATCHED,\n"
    "E_REQUIRED, E_FORMAT, E_TOO_LONG, E_ENCODING, E_COLUMNS); accepted rows go into chunked\n"
    "XML files OUT/BATCH_00001.xml…, rejected rows into OUT/rejects.csv with their reasons.\n"
    "\n"
    "Input and mapping:\n"
    "  -m, --mapping FILE        mapping of the export's columns (samples/mappings/*.yaml)\n"
    "      --profile FILE        interface profile (default: config, then the shipped gd-v1)\n"
    "  -c, --config FILE         configuration file (default $DRUGFLOW_CONFIG, ./drugflow.yaml)\n"
    "Catalogs (partners and commodities that rows must match):\n"
    "      --catalogs DIR        portal CSV exports DIR/commodities.csv and DIR/partners.csv\n"
    "                            (default: the catalogs 'drugflow catalog pull' put in the workspace,\n"
    "                            else the configuration's 'catalogs:' folder)\n"
    "  -w, --workspace DIR       workspace whose pulled catalogs are used (default: configuration)\n"
    "      --commodities FILE    the commodity catalog export\n"
    "      --partners FILE       the partner catalog export\n"
    "      --no-catalogs         do not match catalogs (rows are still checked otherwise)\n"
    "Output:\n"
    "  -o, --out DIR             output folder (created if missing)\n"
    "  -p, --period YYYY-MM      reporting period\n"
    "      --batch-id ID         batch id (default PERIOD-DOCTYPE-01)\n"
    "      --enterprise-code C   overrides the configuration's enterprise code\n"
    "      --enterprise-name N   overrides the configuration's enterprise name\n"
    "      --created-at TIME     header CreatedAt (default $SOURCE_DATE_EPOCH or now, +08:00)\n"
    "      --chunk-records N     records per chunk (default 20000)\n"
    "      --chunk-bytes N       bytes per chunk, K/M suffixes (default 16M)\n"
    "      --rejects FILE        where rejected rows go (default OUT/rejects.csv)\n"
    "      --force               replace chunks of the same batch already in OUT\n"
    "  -j, --threads N           worker threads: parse, check, write, sign (default: number of cores)\n"
    "Signing (INTERFACE.md §5, enveloped XML-DSig with the enterprise certificate):\n"
    "      --sign MODE           streaming (default when a key is configured), reference\n"
    "                            (libxmlsec1 on a DOM, to cross-check) or none\n"
    "      --key FILE            .p12/.pfx, or PEM private key (default: configuration)\n"
    "      --cert FILE           PEM certificate, with a PEM key\n"
    "      --passphrase-env VAR  variable holding the key's passphrase (default DRUGFLOW_PASSPHRASE)\n"
    "      --passphrase-file F   file whose first line is the passphrase\n"
    "                            (else, on a terminal, a prompt; never on the command line)\n"
    "      --allow-open-key-permissions  accept a key file readable by group or others\n"
    "Reporting:\n"
    "      --json                print the summary as JSON on stdout\n"
    "      --stats               time per stage, queue waits and bytes (also in --json), to tune\n"
    "                            --threads and chunk sizes\n"
    "      --top N               unmatched catalog entries to list (default 20)\n"
    "      --progress / --no-progress   progress bar on stderr (default: if a terminal)\n"
    "  -q, --quiet               no summary on stderr\n"
    "  -h, --help                this text\n"
    "\n" DF_EXIT_CODES_HELP;

enum {
    OPT_PROFILE = 256, OPT_CATALOGS, OPT_COMMODITIES, OPT_PARTNERS, OPT_NO_CATALOGS, OPT_BATCH, OPT_ECODE,
    OPT_ENAME, OPT_CREATED, OPT_CREC, OPT_CBYTES, OPT_REJECTS, OPT_FORCE, OPT_JSON, OPT_TOP, OPT_PROGRESS,
    OPT_NO_PROGRESS, OPT_SIGN, OPT_KEY, OPT_CERT, OPT_PASS_ENV, OPT_PASS_FILE, OPT_OPEN_PERMS, OPT_STATS,
};

static int valid_period(const char *s)
{
    return strlen(s) == 7 && s[4] == '-' && s[0] >= '1' && s[0] <= '9' && s[5] >= '0' && s[5] <= '1' &&
           s[6] >= '0' && s[6] <= '9' && ((s[5] == '0' && s[6] != '0') || (s[5] == '1' && s[6] <= '2')) &&
           s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9';
}

int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mapping", required_argument, 0, 'm'},      {"profile", required_argument, 0, OPT_PROFILE},
        {"config", required_argument, 0, 'c'},       {"catalogs", required_argument, 0, OPT_CATALOGS},
        {"workspace", required_argument, 0, 'w'},
        {"commodities", required_argument, 0, OPT_COMMODITIES},
        {"partners", required_argument, 0, OPT_PARTNERS},
        {"no-catalogs", no_argument, 0, OPT_NO_CATALOGS},
        {"out", required_argument, 0, 'o'},          {"period", required_argument, 0, 'p'},
        {"batch-id", required_argument, 0, OPT_BATCH},
        {"enterprise-code", required_argument, 0, OPT_ECODE},
        {"enterprise-name", required_argument, 0, OPT_ENAME},
        {"created-at", required_argument, 0, OPT_CREATED},
        {"chunk-records", required_argument, 0, OPT_CREC},
        {"chunk-bytes", required_argument, 0, OPT_CBYTES},
        {"rejects", required_argument, 0, OPT_REJECTS}, {"force", no_argument, 0, OPT_FORCE},
        {"threads", required_argument, 0, 'j'},      {"json", no_argument, 0, OPT_JSON},
        {"top", required_argument, 0, OPT_TOP},      {"progress", no_argument, 0, OPT_PROGRESS},
        {"no-progress", no_argument, 0, OPT_NO_PROGRESS},
        {"sign", required_argument, 0, OPT_SIGN},    {"key", required_argument, 0, OPT_KEY},
        {"cert", required_argument, 0, OPT_CERT},    {"passphrase-env", required_argument, 0, OPT_PASS_ENV},
        {"passphrase-file", required_argument, 0, OPT_PASS_FILE},
        {"allow-open-key-permissions", no_argument, 0, OPT_OPEN_PERMS},
        {"quiet", no_argument, 0, 'q'},              {"help", no_argument, 0, 'h'},
        {"stats", no_argument, 0, OPT_STATS},
        {0, 0, 0, 0},
    };
    const char *mapping_path = NULL, *profile_path = NULL, *config_path = NULL, *catalogs_dir = NULL, *workspace = NULL,
               *commodities = NULL, *partners = NULL, *out_dir = NULL, *period = NULL, *batch = NULL,
               *ecode = NULL, *ename = NULL, *created = NULL, *rejects = NULL, *sign = NULL, *key = NULL,
               *cert = NULL, *pass_env = NULL, *pass_file = NULL;
    int open_perms = 0;
    int no_catalogs = 0, force = 0, json = 0, quiet = 0, progress = -1, stats = 0;
    long threads = -1, top = 20, crec = 0;
    uint64_t cbytes = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:o:p:j:w:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mapping_path = optarg; break;
        case OPT_PROFILE: profile_path = optarg; break;
        case 'c': config_path = optarg; break;
        case OPT_CATALOGS: catalogs_dir = optarg; break;
        case 'w': workspace = optarg; break;
        case OPT_COMMODITIES: commodities = optarg; break;
        case OPT_PARTNERS: partners = optarg; break;
        case OPT_NO_CATALOGS: no_catalogs = 1; break;
        case 'o': out_dir = optarg; break;
        case 'p': period = optarg; break;
        case OPT_BATCH: batch = optarg; break;
        case OPT_ECODE: ecode = optarg; break;
        case OPT_ENAME: ename = optarg; break;
        case OPT_CREATED: created = optarg; break;
        case OPT_CREC:
            if (df_parse_int(optarg, 1, 10000000, &crec) != 0)
                return df_cli_usage_error("convert", "--chunk-records takes 1 to 10000000, not '%s'", optarg);
            break;
        case OPT_CBYTES:
            if (df_parse_size(optarg, &cbytes) != 0 || cbytes < 65536 || cbytes > (1ULL << 30))
                return df_cli_usage_error("convert", "--chunk-bytes takes 64K to 1G, not '%s'", optarg);
            break;
        case OPT_REJECTS: rejects = optarg; break;
        case OPT_FORCE: force = 1; break;
        case 'j':
            if (df_parse_int(optarg, 1, 64, &threads) != 0)
                return df_cli_usage_error("convert", "--threads takes 1 to 64, not '%s'", optarg);
            break;
        case OPT_JSON: json = 1; break;
        case OPT_TOP:
            if (df_parse_int(optarg, 0, 100000, &top) != 0)
                return df_cli_usage_error("convert", "--top takes a number, not '%s'", optarg);
            break;
        case OPT_PROGRESS: progress = 1; break;
        case OPT_NO_PROGRESS: progress = 0; break;
        case OPT_SIGN: sign = optarg; break;
        case OPT_KEY: key = optarg; break;
        case OPT_CERT: cert = optarg; break;
        case OPT_PASS_ENV: pass_env = optarg; break;
        case OPT_PASS_FILE: pass_file = optarg; break;
        case OPT_OPEN_PERMS: open_perms = 1; break;
        case 'q': quiet = 1; break;
        case OPT_STATS: stats = 1; break;
        case 'h': fputs(convert_help, stdout); return DF_EXIT_OK;
        default: return df_cli_usage_error("convert", "unknown option");
        }
    }
    if (!mapping_path)
        return df_cli_usage_error("convert", "--mapping FILE is required");
    if (!out_dir)
        return df_cli_usage_error("convert", "--out DIR is required");
    if (!period || !valid_period(period))
        return df_cli_usage_error("convert", "--period YYYY-MM is required (e.g. 2026-10)%s%s%s",
                                  period ? ", not '" : "", period ? period : "", period ? "'" : "");
    if (optind >= argc)
        return df_cli_usage_error("convert", "give at least one CSV export to convert");
    if (sign && strcmp(sign, "none") && strcmp(sign, "streaming") && strcmp(sign, "reference"))
        return df_cli_usage_error("convert", "--sign takes streaming, reference or none, not '%s'", sign);
    if ((commodities || partners) && catalogs_dir)
        return df_cli_usage_error("convert", "--catalogs DIR and --commodities/--partners exclude each other");

    df_error err;
    df_config cfg;
    if (df_config_load(&cfg, config_path, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    if (ecode)
        snprintf(cfg.enterprise_code, sizeof cfg.enterprise_code, "%s", ecode);
    if (ename)
        snprintf(cfg.enterprise_name, sizeof cfg.enterprise_name, "%s", ename);
    if (!cfg.enterprise_code[0] || !cfg.enterprise_name[0])
        return df_cli_usage_error("convert", "the enterprise code and name are needed: set 'enterprise:' in the "
                                  "configuration or give --enterprise-code and --enterprise-name");
    char profile_file[4096];
    if (df_cli_find_profile(profile_path, &cfg, profile_file, sizeof profile_file, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    static df_profile profile; /* large; holds pointers into itself */
    if (df_profile_load(&profile, profile_file, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    static df_mapping mapping;
    if (df_mapping_load(&mapping, &profile, mapping_path, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);

    int rc = DF_EXIT_USAGE;
    df_signer *signer = NULL;
    df_catalog_set cats;
    df_catalog_set_init(&cats, &profile);
    int from_workspace = 0;
    if (!no_catalogs && !catalogs_dir && !commodities && !partners) {
        /* The workspace's pulled catalogs come first (drugflow catalog pull). */
        char src[4200];
        int l = df_cli_load_catalogs(&profile, workspace ? workspace : cfg.workspace, NULL, &cats, src, sizeof src,
                                     &err);
        if (l < 0) {
            df_cli_fail(DF_EXIT_USAGE, &err);
            goto out;
        }
        from_workspace = l > 0;
        if (from_workspace && !quiet)
            fprintf(stderr, "catalogs: %s\n", src);
    }
    if (!no_catalogs && !from_workspace) {
        if (!catalogs_dir && !commodities && !partners && cfg.catalogs[0])
            catalogs_dir = cfg.catalogs;
        if (!catalogs_dir && !commodities && !partners) {
            df_cli_usage_error("convert", "no catalogs to match rows against: give --catalogs DIR (the portal's "
                               "CSV exports) or --no-catalogs to skip matching");
            goto out;
        }
        char src[4200];
        if (catalogs_dir && df_cli_load_catalogs(&profile, NULL, catalogs_dir, &cats, src, sizeof src, &err) < 0) {
            df_cli_fail(DF_EXIT_USAGE, &err);
            goto out;
        }
        for (int i = 0; !catalogs_dir && i < profile.ncatalogs; i++) {
            const char *file = !strcmp(profile.catalogs[i].name, "commodity") ? commodities
                               : !strcmp(profile.catalogs[i].name, "partner") ? partners
                                                                              : NULL;
            if (file && df_catalog_load_csv(&cats.cat[i], file, &err) != 0) {
                df_cli_fail(DF_EXIT_USAGE, &err);
                goto out;
            }
        }
    }
    char created_at[64], batch_id[128];
    if (df_cli_created_at(created, created_at, sizeof created_at, &err) != 0) {
        df_cli_fail(DF_EXIT_USAGE, &err);
        goto out;
    }
    if (batch) {
        for (const char *b = batch; *b; b++)
            if (!((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-' ||
                  *b == '_' || *b == '.')) {
                df_cli_usage_error("convert", "--batch-id may hold letters, digits, '-', '_' and '.' only");
                goto out;
            }
        snprintf(batch_id, sizeof batch_id, "%s", batch);
    } else {
        snprintf(batch_id, sizeof batch_id, "%s-%s-01", period, mapping.dt->code);
    }
    if (df_cli_mkdirs(out_dir, &err) != 0) {
        df_cli_fail(DF_EXIT_USAGE, &err);
        goto out;
    }

    /* Signing: on by default when the configuration names a key. */
    if (key)
        snprintf(cfg.key, sizeof cfg.key, "%s", key);
    if (cert)
        snprintf(cfg.cert, sizeof cfg.cert, "%s", cert);
    if (pass_env)
        snprintf(cfg.passphrase_env, sizeof cfg.passphrase_env, "%s", pass_env);
    if (pass_file)
        snprintf(cfg.passphrase_file, sizeof cfg.passphrase_file, "%s", pass_file);
    if (!sign)
        sign = cfg.key[0] ? "streaming" : "none";
    if (strcmp(sign, "none")) {
        if (!cfg.key[0]) {
            df_cli_usage_error("convert", "--sign %s needs a key: --key FILE or 'certificate: key:' in the "
                               "configuration", sign);
            goto out;
        }
        df_key_options ko = {
            .key_path = cfg.key,
            .cert_path = cfg.cert[0] ? cfg.cert : NULL,
            .pass_env = cfg.passphrase_env[0] ? cfg.passphrase_env : NULL,
            .pass_file = cfg.passphrase_file[0] ? cfg.passphrase_file : NULL,
            .pass_prompt = isatty(0),
            .allow_open_perms = open_perms || cfg.allow_open_key_perms,
        };
        if (df_signer_load(&signer, &ko, &err) != 0) {
            df_cli_fail(DF_EXIT_USAGE, &err);
            goto out;
        }
        if (strcmp(df_signer_subject_cn(signer), cfg.enterprise_code))
            fprintf(stderr, "drugflow: warning: the certificate's CN %s is not the enterprise code %s; the "
                    "server will refuse these files (E_SIGNER)\n", df_signer_subject_cn(signer),
                    cfg.enterprise_code);
    }
    int reference = !strcmp(sign, "reference");

    df_convert_options o = {
        .profile = &profile,
        .mapping = &mapping,
        .catalogs = &cats,
        .inputs = (const char *const *)argv + optind,
        .ninputs = argc - optind,
        .out_dir = out_dir,
        .rejects_path = rejects,
        .meta = {cfg.enterprise_code, cfg.enterprise_name, mapping.dt->code, period, batch_id, created_at},
        .chunk_records = crec ? (uint64_t)crec : (uint64_t)cfg.chunk_records,
        .chunk_bytes = cbytes ? cbytes : (uint64_t)cfg.chunk_bytes,
        .threads = threads > 0 ? (int)threads : cfg.threads,
        .sign = signer && !reference ? df_signer_sign_digest : NULL,
        .sign_ctx = signer,
        .sign_file = signer && reference ? df_signer_reference_sign_file : NULL,
        .sign_file_ctx = signer,
        .file_digests = json,
        .force = force,
        .progress = progress >= 0 ? progress : isatty(2),
        .top = (int)top,
        .stats = stats,
    };
    df_convert_summary sum;
    if (df_convert(&o, &sum, &err) != 0) {
        rc = df_cli_fail(sum.input_error ? DF_EXIT_USAGE : DF_EXIT_FATAL, &err);
        df_summary_free(&sum);
        goto out;
    }
    if (!quiet)
        df_summary_print(&sum, stderr, (int)top);
    if (stats)
        df_stats_print(&sum, stderr);
    if (json)
        df_summary_json(&sum, stdout, (int)top);
    rc = sum.rejected ? DF_EXIT_REJECTED : DF_EXIT_OK;
    df_summary_free(&sum);
out:
    df_signer_free(signer);
    df_catalog_set_free(&cats);
    df_mapping_free(&mapping);
    return rc;
}
