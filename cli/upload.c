/* cli/upload.c — `drugflow upload`: sends the workspace's chunks that have
 * no FileId yet (after registering any chunk files given), N at a time.
 * Also holds the helpers the network subcommands share (cli.h). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "uploader/session.h"
#include "uploader/status.h"
#include "uploader/upload.h"

static const char upload_help[] =
    "usage: drugflow upload [OPTIONS] [CHUNK.xml | DIR]...\n"
    "\n"
    "Uploads data files to the provincial interface over mutual TLS, exactly once each.\n"
    "Files or folders given are first recorded in the workspace journal (a folder's\n"
    "BATCH_NNNNN.xml files); then every chunk of the workspace (or of --batch) without a\n"
    "FileId is sent, --parallel at a time. Transport errors, HTTP 5xx and Code 5000 are\n"
    "retried with exponential backoff and jitter, up to --attempts per chunk; HTTP 4xx and\n"
    "other Codes are not retried (Code 2004: the period is archived, request a deletion in\n"
    "the enterprise portal). Rerunning sends only what has no FileId; the server's duplicate\n"
    "detection makes a resend after a lost answer harmless.\n"
    "\n"
    "  -c, --config FILE      configuration file (default $DRUGFLOW_CONFIG, ./drugflow.yaml)\n"
    "  -w, --workspace DIR    workspace (default: configuration 'workspace:')\n"
    "      --batch ID         only this batch\n"
    "      --endpoint E       practice, production or https://host:port/path/\n"
    "      --ca FILE          server CA bundle (PEM)\n"
    "      --profile FILE     interface profile\n"
    "  -P, --parallel N       uploads at once (default 4)\n"
    "      --attempts N       attempts per chunk for transient failures (default 8)\n"
    "      --json             summary as JSON on stdout\n"
    "  -h, --help             this text\n"
    "\n" DF_EXIT_CODES_HELP;

int df_cli_session(df_session *s, const df_cli_net *n, int need_client, int need_journal, df_error *err)
{
    memset(s, 0, sizeof *s);
    if (df_config_load(&s->cfg, n->config, err) != 0)
        return -1;
    char profile[4096];
    if (df_cli_find_profile(n->profile, &s->cfg, profile, sizeof profile, err) != 0)
        return -1;
    df_session_options o = {
        .profile_path = profile,
        .workspace = n->workspace,
        .endpoint = n->endpoint,
        .ca = n->ca,
        .need_key = need_client,
        .need_client = need_client,
        .need_journal = need_journal,
        .prompt = isatty(0),
    };
    if (n->parallel > 0)
        s->cfg.uploads = n->parallel;
    if (n->attempts > 0)
        s->cfg.attempts = n->attempts;
    return df_session_open(s, &o, err);
}

int df_cli_net_option(df_cli_net *n, int c, const char *arg, const char *cmd)
{
    long v;
    switch (c) {
    case 'c': n->config = arg; return 1;
    case 'w': n->workspace = arg; return 1;
    case DF_OPT_ENDPOINT: n->endpoint = arg; return 1;
    case DF_OPT_CA: n->ca = arg; return 1;
    case DF_OPT_PROFILE: n->profile = arg; return 1;
    case 'P':
        if (df_parse_int(arg, 1, 64, &v) != 0)
            return df_cli_usage_error(cmd, "--parallel takes 1 to 64, not '%s'", arg), -1;
        n->parallel = (int)v;
        return 1;
    case DF_OPT_ATTEMPTS:
        if (df_parse_int(arg, 1, 100, &v) != 0)
            return df_cli_usage_error(cmd, "--attempts takes 1 to 100, not '%s'", arg), -1;
        n->attempts = (int)v;
        return 1;
    case DF_OPT_JSON: n->json = 1; return 1;
    default: return 0;
    }
}

int df_cli_upload_exit(const df_upload_stats *u)
{
    if (u->gave_up || u->refused)
        return DF_EXIT_NETWORK;
    return DF_EXIT_OK;
}

void df_cli_upload_json(const df_upload_stats *u, FILE *out)
{
    fprintf(out, "\"uploaded\": %d, \"duplicates\": %d, \"refused\": %d, \"gave_up\": %d, \"attempts\": %lld",
            u->uploaded, u->duplicates, u->refused, u->gave_up, u->attempts);
}

/* ---- registering chunk files ---- */

static int sha256_file(const char *path, char hex[65], long long *size, df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s: cannot open", path);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    char buf[1 << 16];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(m, buf, n);
        *size += (long long)n;
    }
    int bad = ferror(f);
    fclose(f);
    unsigned char d[32];
    unsigned int dl;
    EVP_DigestFinal_ex(m, d, &dl);
    EVP_MD_CTX_free(m);
    if (bad)
        return df_error_errno(err, "%s: read error", path);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return 0;
}

/* The text of <name> in the first or last bytes of a file. */
static void find_elem(const char *buf, const char *name, char *out, size_t n)
{
    char open[128];
    snprintf(open, sizeof open, "<%s>", name);
    const char *p = strstr(buf, open);
    out[0] = 0;
    if (!p)
        return;
    p += strlen(open);
    const char *e = strchr(p, '<');
    if (e && (size_t)(e - p) < n)
        snprintf(out, n, "%.*s", (int)(e - p), p);
}

static const char *header_name(const df_profile *p, df_header_value v)
{
    for (int i = 0; i < p->nheader; i++)
        if (p->header_values[i] == v)
            return p->header_names[i];
    return "?";
}

static int register_file(df_session *s, const char *path, df_error *err)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *us = strrchr(base, '_');
    int seq = us ? atoi(us + 1) : 0;
    if (!us || seq <= 0 || !strstr(us, ".xml"))
        return df_errorf(err, "%s: not a chunk file name (BATCH_00001.xml)", path);
    df_chunk_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.batch, sizeof r.batch, "%.*s", (int)(us - base), base);
    r.seq = seq;
    snprintf(r.name, sizeof r.name, "%s", base);
    if (!realpath(path, r.path))
        return df_error_errno(err, "%s", path);
    if (sha256_file(path, r.sha256, &r.bytes, err) != 0)
        return -1;
    char head[4097] = {0}, tail[4097] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s", path);
    size_t hn = fread(head, 1, 4096, f);
    head[hn] = 0;
    if (r.bytes > 4096)
        fseek(f, -4096, SEEK_END);
    else
        rewind(f);
    size_t tn = fread(tail, 1, 4096, f);
    tail[tn] = 0;
    fclose(f);
    char rc[32];
    find_elem(tail, s->profile->record_count, rc, sizeof rc);
    r.records = atoll(rc);
    r.state = strstr(tail, "<Signature") ? DF_CS_SIGNED : DF_CS_WRITTEN;
    df_batch_info b;
    int found;
    if (df_journal_batch_get(s->journal, r.batch, &b, &found, err) != 0)
        return -1;
    if (!found) {
        memset(&b, 0, sizeof b);
        snprintf(b.id, sizeof b.id, "%s", r.batch);
        find_elem(head, header_name(s->profile, DF_HV_DOC_TYPE), b.doc_type, sizeof b.doc_type);
        find_elem(head, header_name(s->profile, DF_HV_PERIOD), b.period, sizeof b.period);
        find_elem(head, header_name(s->profile, DF_HV_CREATED_AT), b.created_at, sizeof b.created_at);
        snprintf(b.out_dir, sizeof b.out_dir, "%.*s", (int)(strrchr(r.path, '/') - r.path), r.path);
        if (df_journal_batch_put(s->journal, &b, err) != 0)
            return -1;
    }
    df_chunk_row old;
    if (df_journal_chunk_get(s->journal, r.batch, r.seq, &old, &found, err) != 0)
        return -1;
    if (found && (old.file_id[0] || !strcmp(old.sha256, r.sha256)))
        return strcmp(old.sha256, r.sha256) ? df_errorf(err, "%s: chunk %d of batch %s is already on the server "
                                                        "with other bytes (FileId %s)", path, r.seq, r.batch,
                                                        old.file_id)
                                            : 0;
    return df_journal_chunk_put(s->journal, &r, err);
}

static int register_arg(df_session *s, const char *arg, df_error *err)
{
    struct stat st;
    if (stat(arg, &st) != 0)
        return df_error_errno(err, "%s", arg);
    if (!S_ISDIR(st.st_mode))
        return register_file(s, arg, err);
    struct dirent **list;
    int n = scandir(arg, &list, NULL, alphasort);
    if (n < 0)
        return df_error_errno(err, "%s", arg);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        size_t l = strlen(nm);
        if (rc == 0 && nm[0] != '.' && l > 10 && !strcmp(nm + l - 4, ".xml") && strrchr(nm, '_')) {
            char p[4400];
            snprintf(p, sizeof p, "%s/%s", arg, nm);
            rc = register_file(s, p, err);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

typedef struct fill_ctx {
    df_upload_queue *q;
    int n;
} fill_ctx;

static int fill(void *arg, const df_chunk_row *r)
{
    fill_ctx *c = arg;
    df_upload_job job = {.chunk = r->id, .seq = r->seq};
    snprintf(job.name, sizeof job.name, "%s", r->name);
    snprintf(job.path, sizeof job.path, "%s", r->path);
    if (df_upload_queue_push(c->q, &job) != 0)
        return 1;
    c->n++;
    return 0;
}

static int count_rows(void *arg, const df_chunk_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

int df_cli_upload_pending(df_session *s, const char *batch, df_upload_stats *u, int *nqueued, df_error *err)
{
    int n = 0;
    if (df_journal_chunks(s->journal, batch, DF_JSEL_TO_UPLOAD, count_rows, &n, err) != 0)
        return -1;
    *nqueued = 0;
    memset(u, 0, sizeof *u);
    if (n == 0)
        return 0;
    df_upload_queue q;
    if (df_upload_queue_init(&q, (size_t)n, err) != 0)
        return -1;
    fill_ctx fc = {&q, 0};
    if (df_journal_chunks(s->journal, batch, DF_JSEL_TO_UPLOAD, fill, &fc, err) != 0) {
        df_upload_queue_destroy(&q);
        return -1;
    }
    df_upload_queue_close(&q);
    *nqueued = fc.n;
    df_upload_options uo = {
        .client = s->client,
        .journal = s->journal,
        .queue = &q,
        .parallel = s->cfg.uploads,
        .attempts = s->cfg.attempts,
        .base_ms = s->cfg.retry_base_ms,
        .progress = isatty(2) ? stderr : NULL,
    };
    int rc = df_upload_run(&uo, u, err);
    df_upload_queue_destroy(&q);
    return rc;
}

int cmd_upload(int argc, char **argv)
{
    static const struct option opts[] = {
        DF_NET_LONG_OPTIONS,
        {"batch", required_argument, 0, 'b'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    df_cli_net n = {0};
    const char *batch = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:w:P:b:h", opts, NULL)) != -1) {
        int k = df_cli_net_option(&n, c, optarg, "upload");
        if (k < 0)
            return DF_EXIT_USAGE;
        if (k)
            continue;
        switch (c) {
        case 'b': batch = optarg; break;
        case 'h': fputs(upload_help, stdout); return DF_EXIT_OK;
        default: return df_cli_usage_error("upload", "unknown option");
        }
    }
    df_error err;
    df_session s;
    if (df_cli_session(&s, &n, 1, 1, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    int rc = DF_EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (register_arg(&s, argv[i], &err) != 0) {
            rc = df_cli_fail(DF_EXIT_USAGE, &err);
            goto out;
        }
    df_upload_stats u;
    int queued;
    if (df_cli_upload_pending(&s, batch, &u, &queued, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
        goto out;
    }
    rc = df_cli_upload_exit(&u);
    fprintf(stderr, "drugflow upload: %d chunk(s) to send: %d uploaded (%d already on the server), %d refused, "
            "%d not sent after all attempts\n", queued, u.uploaded, u.duplicates, u.refused, u.gave_up);
    if (u.first_error[0])
        fprintf(stderr, "drugflow upload: %s\n", u.first_error);
    if (rc != DF_EXIT_OK)
        fprintf(stderr, "drugflow upload: the journal in %s is intact; run 'drugflow upload' again to send the rest\n",
                s.cfg.workspace);
    if (n.json) {
        printf("{\"queued\": %d, ", queued);
        df_cli_upload_json(&u, stdout);
        printf(", \"exit\": %d}\n", rc);
    }
out:
    df_session_close(&s);
    return rc;
}
