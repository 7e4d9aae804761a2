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
#include "config/values.h"
#include "writer/header_scan.h"

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

/* The Header of the file, read as a stream up to its end (header_scan.h). */
static int read_header(const char *path, const df_profile *p, df_header_scan *hs, df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s", path);
    if (df_header_scan_init(hs, p, 1) != 0) {
        fclose(f);
        return df_errorf(err, "%s: out of memory", path);
    }
    static _Thread_local char buf[64 * 1024];
    size_t n;
    int done = 0;
    while (!done && (n = fread(buf, 1, sizeof buf, f)) > 0)
        done = df_header_scan_feed(hs, buf, n, 0);
    if (!done && !ferror(f))
        df_header_scan_feed(hs, "", 0, 1);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return df_error_errno(err, "%s: read error", path);
    if (df_header_scan_finish(hs) != 0)
        return df_errorf(err, "%s: not a data file of profile %s: %s; give the chunk files that drugflow convert "
                         "or run wrote", path, p->name, hs->msg);
    for (int i = 0; i < p->nheader; i++)
        if (!hs->seen[i] || !hs->len[i])
            return df_errorf(err, "%s: not a data file of profile %s: its <%s> has no <%s>", path, p->name,
                             p->header, p->header_names[i]);
    return 0;
}

#define TAIL_MAX (64 * 1024)

static size_t trim_end(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Whether the tail of the file ends with an XML-DSig Signature as the
 * last child of the root: ...<ds:Signature xmlns:ds="…xmldsig#">…
 * <SignatureValue>…</ds:Signature></DataFile>, in the profile's signature
 * namespace ns. */
static int signed_tail(const char *tail, size_t n, const char *root, const char *ns)
{
    char close[DF_NAME_MAX + 4];
    snprintf(close, sizeof close, "</%s>", root);
    size_t cl = strlen(close);
    n = trim_end(tail, n);
    if (n < cl || memcmp(tail + n - cl, close, cl) != 0)
        return 0;
    n = trim_end(tail, n - cl);
    static const char sig_end[] = "Signature>";
    size_t sl = sizeof sig_end - 1;
    if (n < sl + 2 || memcmp(tail + n - sl, sig_end, sl) != 0)
        return 0;
    size_t q = n - sl; /* the qualified name ends here; it starts after "</" */
    size_t st = q;
    while (st > 0 && tail[st - 1] != '/' && tail[st - 1] != '<')
        st--;
    if (st < 2 || tail[st - 1] != '/' || tail[st - 2] != '<')
        return 0;
    char qname[DF_NAME_MAX + 16], open[DF_NAME_MAX + 20], xmlns[DF_NAME_MAX + 32];
    size_t plen = q - st; /* "ds:" or "" */
    if (plen > DF_NAME_MAX)
        return 0;
    snprintf(qname, sizeof qname, "%.*sSignature", (int)plen, tail + st);
    snprintf(open, sizeof open, "<%s", qname);
    if (plen)
        snprintf(xmlns, sizeof xmlns, "xmlns:%.*s=", (int)plen - 1, tail + st);
    else
        snprintf(xmlns, sizeof xmlns, "xmlns=");
    /* The last start tag of that name before the end tag. */
    const char *start = NULL;
    for (const char *p = tail; (p = memmem(p, (size_t)(tail + st - 2 - p), open, strlen(open))); p++) {
        char c = p[strlen(open)];
        if (c == ' ' || c == '>' || c == '\n' || c == '\r' || c == '\t')
            start = p;
    }
    if (!start)
        return 0;
    const char *gt = memchr(start, '>', (size_t)(tail + n - start));
    if (!gt)
        return 0;
    char attrs[2048];
    snprintf(attrs, sizeof attrs, "%.*s", (int)(gt - start), start);
    char want1[DF_NAME_MAX + DF_URI_MAX + 40], want2[DF_NAME_MAX + DF_URI_MAX + 40];
    snprintf(want1, sizeof want1, "%s\"%s\"", xmlns, ns);
    snprintf(want2, sizeof want2, "%s'%s'", xmlns, ns);
    return (strstr(attrs, want1) || strstr(attrs, want2)) &&
           memmem(gt, (size_t)(tail + n - gt), "SignatureValue>", 15) != NULL;
}

/* The last TAIL_MAX bytes of a file, NUL-terminated, in tail; *n their count. */
static int read_tail(const char *path, long long size, char *tail, size_t *n, df_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "%s", path);
    if (size > TAIL_MAX)
        fseek(f, -(long)TAIL_MAX, SEEK_END);
    *n = fread(tail, 1, TAIL_MAX, f);
    tail[*n] = 0;
    fclose(f);
    return 0;
}

static int register_batch(df_journal *j, const df_profile *p, const df_chunk_row *r, const df_header_scan *hs,
                          df_error *err)
{
    df_batch_info b;
    int found;
    if (df_journal_batch_get(j, r->batch, &b, &found, err) != 0)
        return -1;
    if (found)
        return 0;
    (void)p;
    memset(&b, 0, sizeof b);
    snprintf(b.id, sizeof b.id, "%s", r->batch);
    snprintf(b.doc_type, sizeof b.doc_type, "%s", df_header_scan_get(hs, DF_HV_DOC_TYPE));
    snprintf(b.period, sizeof b.period, "%s", df_header_scan_get(hs, DF_HV_PERIOD));
    snprintf(b.created_at, sizeof b.created_at, "%s", df_header_scan_get(hs, DF_HV_CREATED_AT));
    df_path_dirname(r->path, b.out_dir, sizeof b.out_dir);
    return df_journal_batch_put(j, &b, err);
}

/* The chunk's name, batch and sequence number, checked against its Header. */
static int name_matches_header(const char *path, const df_profile *p, const df_chunk_row *r,
                               const df_header_scan *hs, df_error *err)
{
    const char *hb = df_header_scan_get(hs, DF_HV_BATCH_ID), *hq = df_header_scan_get(hs, DF_HV_CHUNK_SEQ);
    char seq[16];
    snprintf(seq, sizeof seq, "%d", r->seq);
    if (strcmp(hb, r->batch) || strcmp(hq, seq))
        return df_errorf(err, "%s: the file name says batch %s, chunk %d, but its %s says BatchId %.128s, ChunkSeq "
                         "%.16s; chunk files must keep the names they were written with", path, r->batch, r->seq,
                         p->header, hb, hq);
    char why[256];
    if (df_batch_id_check_max(r->batch, p->batch_id_max, why, sizeof why) != 0)
        return df_errorf(err, "%s: batch id '%s' %s", path, r->batch, why);
    return 0;
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
    df_header_scan *hs = malloc(sizeof *hs);
    char *tail = malloc(TAIL_MAX + 1);
    int rc = -1;
    if (!hs || !tail) {
        rc = df_errorf(err, "out of memory");
        goto out_free;
    }
    memset(hs, 0, sizeof *hs);
    unsigned char sha[32];
    size_t tn = 0;
    if (read_header(path, p, hs, err) != 0 || df_sha256_file(path, sha, &r.bytes, err) != 0 ||
        read_tail(path, r.bytes, tail, &tn, err) != 0)
        goto out;
    if (!signed_tail(tail, tn, p->root, p->signature.ns)) {
        df_errorf(err, "%s: not signed: the <%s> does not end with an XML-DSig <Signature>; sign it (drugflow "
                  "convert with a key, INTERFACE.md §5) before uploading", path, p->root);
        goto out;
    }
    if (name_matches_header(path, p, &r, hs, err) != 0)
        goto out;
    df_hex_encode(sha, 32, r.sha256);
    char rcount[32];
    find_elem(tail, p->record_count, rcount, sizeof rcount);
    r.records = atoll(rcount);
    r.state = DF_CS_SIGNED;
    if (register_batch(j, p, &r, hs, err) != 0)
        goto out;
    df_chunk_row old;
    int found;
    if (df_journal_chunk_get(j, r.batch, r.seq, &old, &found, err) != 0)
        goto out;
    if (found && (old.file_id[0] || !strcmp(old.sha256, r.sha256))) {
        rc = strcmp(old.sha256, r.sha256) ? df_errorf(err, "%s: chunk %d of batch %s is already on the server "
                                                      "with other bytes (file id %s)", path, r.seq, r.batch,
                                                      old.file_id)
                                          : 0;
        goto out;
    }
    rc = df_journal_chunk_put(j, &r, err);
out:
    df_header_scan_free(hs);
out_free:
    free(hs);
    free(tail);
    return rc;
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
