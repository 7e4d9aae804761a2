/* workspace/register.c — chunk files into the journal; see register.h. */
#include "workspace/register.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/digest.h"
#include "base/path.h"
#include "workspace/sources.h"

/* The text of <name> in a piece of a file ("" if it is not there). */
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

/* The first and last 4 KiB of a file, NUL-terminated. */
static int read_ends(const char *path, long long size, char head[4097], char tail[4097], df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s", path);
    size_t hn = fread(head, 1, 4096, f);
    head[hn] = 0;
    if (size > 4096)
        fseek(f, -4096, SEEK_END);
    else
        rewind(f);
    size_t tn = fread(tail, 1, 4096, f);
    tail[tn] = 0;
    fclose(f);
    return 0;
}

static int register_batch(df_journal *j, const df_profile *p, const df_chunk_row *r, const char *head,
                          df_error *err)
{
    df_batch_info b;
    int found;
    if (df_journal_batch_get(j, r->batch, &b, &found, err) != 0)
        return -1;
    if (found)
        return 0;
    memset(&b, 0, sizeof b);
    snprintf(b.id, sizeof b.id, "%s", r->batch);
    find_elem(head, header_name(p, DF_HV_DOC_TYPE), b.doc_type, sizeof b.doc_type);
    find_elem(head, header_name(p, DF_HV_PERIOD), b.period, sizeof b.period);
    find_elem(head, header_name(p, DF_HV_CREATED_AT), b.created_at, sizeof b.created_at);
    df_path_dirname(r->path, b.out_dir, sizeof b.out_dir);
    return df_journal_batch_put(j, &b, err);
}

static int register_file(df_journal *j, const df_profile *p, const char *path, df_error *err)
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
    unsigned char sha[32];
    if (df_sha256_file(path, sha, &r.bytes, err) != 0)
        return -1;
    df_hex_encode(sha, 32, r.sha256);
    char head[4097], tail[4097];
    if (read_ends(path, r.bytes, head, tail, err) != 0)
        return -1;
    char rc[32];
    find_elem(tail, p->record_count, rc, sizeof rc);
    r.records = atoll(rc);
    r.state = strstr(tail, "<Signature") ? DF_CS_SIGNED : DF_CS_WRITTEN;
    if (register_batch(j, p, &r, head, err) != 0)
        return -1;
    df_chunk_row old;
    int found;
    if (df_journal_chunk_get(j, r.batch, r.seq, &old, &found, err) != 0)
        return -1;
    if (found && (old.file_id[0] || !strcmp(old.sha256, r.sha256)))
        return strcmp(old.sha256, r.sha256) ? df_errorf(err, "%s: chunk %d of batch %s is already on the server "
                                                        "with other bytes (file id %s)", path, r.seq, r.batch,
                                                        old.file_id)
                                            : 0;
    return df_journal_chunk_put(j, &r, err);
}

/* The provenance `drugflow convert` left beside a batch's chunks, if any. */
static int import_provenance(df_journal *j, const char *chunk_path, df_error *err)
{
    const char *base = strrchr(chunk_path, '/');
    base = base ? base + 1 : chunk_path;
    const char *us = strrchr(base, '_');
    char dir[DF_PATH_MAX], batch[128], file[DF_PATH_MAX];
    if (!us)
        return 0;
    snprintf(batch, sizeof batch, "%.*s", (int)(us - base), base);
    df_path_dirname(chunk_path, dir, sizeof dir);
    df_sources_file_path(dir, batch, file, sizeof file);
    return df_sources_import(j, file, err);
}

int df_register_path(df_journal *j, const df_profile *p, const char *path, df_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return df_error_errno(err, "%s", path);
    if (!S_ISDIR(st.st_mode))
        return register_file(j, p, path, err) != 0 ? -1 : import_provenance(j, path, err);
    struct dirent **list;
    int n = scandir(path, &list, NULL, alphasort);
    if (n < 0)
        return df_error_errno(err, "%s", path);
    int rc = 0;
    char last[256] = "";
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        size_t l = strlen(nm);
        char file[DF_PATH_MAX];
        if (rc == 0 && nm[0] != '.' && l > 10 && !strcmp(nm + l - 4, ".xml") && strrchr(nm, '_')) {
            rc = df_path_join(file, sizeof file, path, nm, err) != 0 ? -1 : register_file(j, p, file, err);
            /* once per batch: at its first chunk */
            size_t bl = (size_t)(strrchr(nm, '_') - nm);
            if (rc == 0 && (strlen(last) != bl || strncmp(last, nm, bl))) {
                snprintf(last, sizeof last, "%.*s", (int)bl, nm);
                rc = import_provenance(j, file, err);
            }
        }
        free(list[i]);
    }
    free(list);
    return rc;
}
