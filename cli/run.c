/* cli/run.c — `drugflow run`: convert, sign, upload and wait for the
 * results as one pipelined, crash-safe command (uploader/run.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "converter/convert.h"
#include "mapping/mapping.h"
#include "uploader/run.h"
#include "uploader/session.h"
#include "uploader/status.h"

static const char run_help[] =
    "usage: drugflow run --mapping FILE --period YYYY-MM [OPTIONS] EXPORT.csv...\n"
    "\n"
    "Converts, signs and uploads a batch in one pipeline, then waits for the server's results:\n"
    "uploads start as soon as the first chunk is signed, while later chunks are still being\n"
    "written (a bounded queue holds the converter back if the server is slow). Everything is\n"
    "journaled in the workspace: if the run is interrupted (even killed), run the same command\n"
    "again — chunks the server confirmed are not sent again, the others are, and the server\n"
    "holds each chunk exactly once. The batch's CreatedAt and chunk sizes are kept in the\n"
    "journal so that a rerun produces the same bytes.\n"
    "\n"
    "  -m, --mapping FILE     mapping of the export's columns\n"
    "  -p, --period YYYY-MM   reporting period\n"
    "      --batch-id ID      batch id (default PERIOD-DOCTYPE-01)\n"
    "  -o, --out DIR          the batch's folder (default WORKSPACE/BATCH-ID)\n"
    "      --catalogs DIR     portal CSV exports, if the workspace holds no pulled catalogs\n"
    "      --no-catalogs      do not match catalogs\n"
    "      --created-at TIME  CreatedAt of a new batch (default now; a rerun keeps the journal's)\n"
    "      --chunk-records N, --chunk-bytes N   chunk size of a new batch\n"
    "  -j, --threads N        worker threads: parse, check, write, sign (default: cores)\n"
    "  -c, --config FILE      configuration file\n"
    "  -w, --workspace DIR    workspace (default: configuration 'workspace:')\n"
    "      --endpoint E, --ca FILE, --profile FILE   as for upload\n"
    "  -P, --parallel N       uploads at once (default 4)\n"
    "      --attempts N       attempts per chunk for transient failures (default 8)\n"
    "      --no-status        do not wait for the results\n"
    "      --timeout S        seconds to wait for the results (default 600)\n"
    "      --json             summary as JSON on stdout\n"
    "      --stats            the conversion's time per stage, waits and bytes (also in --json)\n"
    "  -q, --quiet            no conversion summary on stderr\n"
    "  -h, --help             this text\n"
    "\n" DF_EXIT_CODES_HELP;

static int valid_period(const char *s)
{
    return strlen(s) == 7 && s[4] == '-' && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' &&
           ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

int cmd_run(int argc, char **argv)
{
    enum { OPT_BATCH = 300, OPT_CATALOGS, OPT_NOCAT, OPT_CREATED, OPT_CREC, OPT_CBYTES, OPT_NOSTATUS, OPT_TIMEOUT,
           OPT_STATS };
    static const struct option opts[] = {
        DF_NET_LONG_OPTIONS,
        {"mapping", required_argument, 0, 'm'},
        {"period", required_argument, 0, 'p'},
        {"batch-id", required_argument, 0, OPT_BATCH},
        {"out", required_argument, 0, 'o'},
        {"catalogs", required_argument, 0, OPT_CATALOGS},
        {"no-catalogs", no_argument, 0, OPT_NOCAT},
        {"created-at", required_argument, 0, OPT_CREATED},
        {"chunk-records", required_argument, 0, OPT_CREC},
        {"chunk-bytes", required_argument, 0, OPT_CBYTES},
        {"threads", required_argument, 0, 'j'},
        {"no-status", no_argument, 0, OPT_NOSTATUS},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {"stats", no_argument, 0, OPT_STATS},
        {0, 0, 0, 0},
    };
    df_cli_net n = {0};
    const char *mapping_path = NULL, *period = NULL, *batch = NULL, *out_dir = NULL, *catalogs_dir = NULL,
               *created = NULL;
    int no_catalogs = 0, no_status = 0, quiet = 0, stats = 0;
    long crec = 0, threads = 0, timeout = 0;
    uint64_t cbytes = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:w:P:m:p:o:j:qh", opts, NULL)) != -1) {
        int k = df_cli_net_option(&n, c, optarg, "run");
        if (k < 0)
            return DF_EXIT_USAGE;
        if (k)
            continue;
        switch (c) {
        case 'm': mapping_path = optarg; break;
        case 'p': period = optarg; break;
        case OPT_BATCH: batch = optarg; break;
        case 'o': out_dir = optarg; break;
        case OPT_CATALOGS: catalogs_dir = optarg; break;
        case OPT_NOCAT: no_catalogs = 1; break;
        case OPT_CREATED: created = optarg; break;
        case OPT_CREC:
            if (df_parse_int(optarg, 1, 10000000, &crec) != 0)
                return df_cli_usage_error("run", "--chunk-records takes 1 to 10000000, not '%s'", optarg);
            break;
        case OPT_CBYTES:
            if (df_parse_size(optarg, &cbytes) != 0 || cbytes < 65536 || cbytes > (1ULL << 30))
                return df_cli_usage_error("run", "--chunk-bytes takes 64K to 1G, not '%s'", optarg);
            break;
        case 'j':
            if (df_parse_int(optarg, 1, 64, &threads) != 0)
                return df_cli_usage_error("run", "--threads takes 1 to 64, not '%s'", optarg);
            break;
        case OPT_NOSTATUS: no_status = 1; break;
        case OPT_TIMEOUT:
            if (df_parse_int(optarg, 1, 7 * 86400, &timeout) != 0)
                return df_cli_usage_error("run", "--timeout takes seconds, not '%s'", optarg);
            break;
        case 'q': quiet = 1; break;
        case OPT_STATS: stats = 1; break;
        case 'h': fputs(run_help, stdout); return DF_EXIT_OK;
        default: return df_cli_usage_error("run", "unknown option");
        }
    }
    if (!mapping_path)
        return df_cli_usage_error("run", "--mapping FILE is required");
    if (!period || !valid_period(period))
        return df_cli_usage_error("run", "--period YYYY-MM is required (e.g. 2026-10)");
    if (optind >= argc)
        return df_cli_usage_error("run", "give at least one CSV export");
    if (batch)
        for (const char *b = batch; *b; b++)
            if (!((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-' ||
                  *b == '_' || *b == '.'))
                return df_cli_usage_error("run", "--batch-id may hold letters, digits, '-', '_' and '.' only");

    df_error err;
    df_session s;
    if (df_cli_session(&s, &n, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    int rc = DF_EXIT_USAGE;
    static df_mapping mapping;
    df_catalog_set cats;
    df_catalog_set_init(&cats, s.profile);
    int have_mapping = 0;
    if (!s.cfg.enterprise_code[0] || !s.cfg.enterprise_name[0]) {
        df_errorf(&err, "the enterprise code and name are needed: set 'enterprise:' in the configuration");
        df_cli_fail(rc, &err);
        goto out;
    }
    if (df_mapping_load(&mapping, s.profile, mapping_path, &err) != 0) {
        df_cli_fail(rc, &err);
        goto out;
    }
    have_mapping = 1;
    char cat_source[4200] = "";
    if (!no_catalogs) {
        int l = df_cli_load_catalogs(s.profile, s.cfg.workspace, catalogs_dir ? catalogs_dir : s.cfg.catalogs, &cats,
                                     cat_source, sizeof cat_source, &err);
        if (l < 0) {
            df_cli_fail(rc, &err);
            goto out;
        }
        if (l == 0) {
            df_cli_usage_error("run", "no catalogs to match rows against: run 'drugflow catalog pull', give "
                               "--catalogs DIR, or --no-catalogs");
            goto out;
        }
    }

    /* The batch: a rerun keeps its CreatedAt, chunk sizes and folder. */
    df_batch_info b;
    memset(&b, 0, sizeof b);
    if (batch)
        snprintf(b.id, sizeof b.id, "%s", batch);
    else
        snprintf(b.id, sizeof b.id, "%s-%s-01", period, mapping.dt->code);
    int found;
    df_batch_info old;
    if (df_journal_batch_get(s.journal, b.id, &old, &found, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        goto out;
    }
    if (found) {
        if (strcmp(old.period, period) || strcmp(old.doc_type, mapping.dt->code) ||
            (created && strcmp(created, old.created_at))) {
            df_errorf(&err, "batch %s is in the journal for %s %s, CreatedAt %s; give another --batch-id for "
                      "other data", b.id, old.doc_type, old.period, old.created_at);
            df_cli_fail(rc, &err);
            goto out;
        }
        b = old;
        if (!quiet)
            fprintf(stderr, "drugflow run: resuming batch %s (CreatedAt %s)\n", b.id, b.created_at);
    } else {
        snprintf(b.doc_type, sizeof b.doc_type, "%s", mapping.dt->code);
        snprintf(b.period, sizeof b.period, "%s", period);
        if (df_cli_created_at(created, b.created_at, sizeof b.created_at, &err) != 0) {
            df_cli_fail(rc, &err);
            goto out;
        }
        if (out_dir)
            snprintf(b.out_dir, sizeof b.out_dir, "%s", out_dir);
        else
            snprintf(b.out_dir, sizeof b.out_dir, "%s/%s", s.cfg.workspace, b.id);
        b.chunk_records = crec ? crec : s.cfg.chunk_records ? s.cfg.chunk_records : DF_DEFAULT_CHUNK_RECORDS;
        b.chunk_bytes = cbytes ? (long long)cbytes : s.cfg.chunk_bytes ? s.cfg.chunk_bytes : DF_DEFAULT_CHUNK_BYTES;
    }
    if (out_dir && strcmp(out_dir, b.out_dir) != 0) {
        char a1[4096], a2[4096];
        if (!realpath(out_dir, a1) || !realpath(b.out_dir, a2) || strcmp(a1, a2) != 0) {
            df_cli_usage_error("run", "batch %s's folder is %s, not %s", b.id, b.out_dir, out_dir);
            goto out;
        }
    }
    if (mkdir(b.out_dir, 0755) != 0 && errno != EEXIST) {
        df_error_errno(&err, "%s: cannot create the batch folder", b.out_dir);
        df_cli_fail(rc, &err);
        goto out;
    }
    char abs_out[4096];
    if (!realpath(b.out_dir, abs_out)) {
        df_error_errno(&err, "%s", b.out_dir);
        df_cli_fail(rc, &err);
        goto out;
    }
    snprintf(b.out_dir, sizeof b.out_dir, "%s", abs_out);
    if (!found && df_journal_batch_put(s.journal, &b, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        goto out;
    }
    char rejects[4200];
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", b.out_dir);
    df_run_options ro = {
        .convert = {
            .profile = s.profile,
            .mapping = &mapping,
            .catalogs = &cats,
            .inputs = (const char *const *)argv + optind,
            .ninputs = argc - optind,
            .rejects_path = rejects,
            .meta = {s.cfg.enterprise_code, s.cfg.enterprise_name, mapping.dt->code, b.period, b.id, b.created_at},
            .chunk_records = (uint64_t)b.chunk_records,
            .chunk_bytes = (uint64_t)b.chunk_bytes,
            .threads = threads > 0 ? (int)threads : s.cfg.threads,
            .sign = df_signer_sign_digest,
            .sign_ctx = s.signer,
            .progress = isatty(2) && !quiet,
            .stats = stats,
        },
        .out_dir = b.out_dir,
        .upload = {
            .client = s.client,
            .journal = s.journal,
            .parallel = s.cfg.uploads,
            .attempts = s.cfg.attempts,
            .base_ms = s.cfg.retry_base_ms,
            .progress = isatty(2) && !quiet ? stderr : NULL,
        },
    };
    df_convert_summary sum;
    df_run_result rr;
    if (df_run(&ro, &sum, &rr, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        df_summary_free(&sum);
        goto out;
    }
    if (!quiet) {
        if (cat_source[0])
            fprintf(stderr, "catalogs: %s\n", cat_source);
        df_summary_print(&sum, stderr, 20);
    }
    if (stats)
        df_stats_print(&sum, stderr);
    /* Chunks of this batch left unsent by an earlier run and not produced again. */
    df_upload_stats extra = {0};
    int requeued = 0;
    if (!rr.upload.gave_up && !rr.upload.refused &&
        df_cli_upload_pending(&s, b.id, &extra, &requeued, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        df_summary_free(&sum);
        goto out;
    }
    rr.upload.uploaded += extra.uploaded;
    rr.upload.duplicates += extra.duplicates;
    rr.upload.refused += extra.refused;
    rr.upload.gave_up += extra.gave_up;
    if (!rr.upload.first_error[0])
        memcpy(rr.upload.first_error, extra.first_error, sizeof extra.first_error);
    fprintf(stderr, "drugflow run: batch %s: %zu chunk(s); %d already on the server before this run, %d uploaded "
            "(%d duplicates), %d refused, %d not sent after all attempts\n", b.id, sum.nchunks, rr.skipped,
            rr.upload.uploaded, rr.upload.duplicates, rr.upload.refused, rr.upload.gave_up);
    if (rr.upload.first_error[0])
        fprintf(stderr, "drugflow run: %s\n", rr.upload.first_error);
    rc = df_cli_upload_exit(&rr.upload);
    df_status_totals t;
    memset(&t, 0, sizeof t);
    if (rc == DF_EXIT_OK && !no_status) {
        rc = df_cli_status(&s, b.id, timeout ? timeout : s.cfg.status_timeout, n.json, stdout, &err, &t);
        if (rc == DF_EXIT_FATAL)
            df_cli_fail(rc, &err);
    } else if (rc != DF_EXIT_OK) {
        fprintf(stderr, "drugflow run: the journal in %s is intact; run the same command again to finish\n",
                s.cfg.workspace);
    }
    if (rc == DF_EXIT_OK && sum.rejected)
        rc = DF_EXIT_REJECTED;
    if (n.json) {
        printf("{\"batch\": \"%s\", \"convert\": ", b.id);
        df_summary_json(&sum, stdout, 20);
        printf(", \"upload\": {\"skipped\": %d, ", rr.skipped);
        df_cli_upload_json(&rr.upload, stdout);
        printf("}, \"status\": {");
        df_status_json(&t, stdout);
        printf("}, \"exit\": %d}\n", rc);
    }
    df_summary_free(&sum);
out:
    df_catalog_set_free(&cats);
    if (have_mapping)
        df_mapping_free(&mapping);
    df_session_close(&s);
    return rc;
}
