/* converter/xlsx_sst.c — the shared strings of an .xlsx workbook in bounded
 * memory: an arena and offsets until the limit, then unlinked temporary
 * files (data and offsets) behind a direct-mapped block cache. */
#include "converter/xlsx_sst.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/path.h"

void df_sst_init(df_sst *s, size_t limit)
{
    memset(s, 0, sizeof *s);
    s->limit = limit;
    s->data.fd = s->index.fd = -1;
}

/* An unlinked temporary file in $TMPDIR (else /tmp), for writing through stdio. */
static int sst_file_open(df_sst_file *f, df_error *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    f->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        char tmpl[DF_PATH_MAX];
        snprintf(tmpl, sizeof tmpl, "%s/drugflow-sst.XXXXXX", dir);
        f->fd = mkostemp(tmpl, O_CLOEXEC);
        if (f->fd < 0)
            return df_error_errno(err, "shared strings: cannot make a temporary file in %s", dir);
        unlink(tmpl);
    }
    int dupfd = dup(f->fd);
    f->w = dupfd < 0 ? NULL : fdopen(dupfd, "w");
    if (!f->w) {
        if (dupfd >= 0)
            close(dupfd);
        return df_error_errno(err, "shared strings: temporary file");
    }
    for (int i = 0; i < DF_SST_CACHE_BLOCKS; i++)
        f->tag[i] = -1;
    return 0;
}

static int sst_file_write(df_sst_file *f, const void *p, size_t n, df_error *err)
{
    if (n && fwrite(p, 1, n, f->w) != n)
        return df_error_errno(err, "shared strings: writing the temporary file");
    f->size += n;
    return 0;
}

/* Moves what is in memory to the files; from here on strings go there. */
static int sst_spill(df_sst *s, df_error *err)
{
    if (sst_file_open(&s->data, err) != 0 || sst_file_open(&s->index, err) != 0)
        return -1;
    if (sst_file_write(&s->data, s->arena, s->arena_len, err) != 0 ||
        sst_file_write(&s->index, s->off, s->count * sizeof *s->off, err) != 0)
        return -1;
    free(s->arena);
    free(s->off);
    s->arena = NULL;
    s->off = NULL;
    s->spilled = 1;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, df_error *err)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return df_errorf(err, "shared strings: out of memory");
    *p = q;
    *cap = n;
    return 0;
}

int df_sst_add(df_sst *s, const char *text, size_t len, df_error *err)
{
    if (!s->spilled && s->arena_len + len + (s->count + 2) * sizeof(uint64_t) > s->limit &&
        sst_spill(s, err) != 0)
        return -1;
    if (s->spilled) {
        uint64_t start = s->data.size;
        if (sst_file_write(&s->index, &start, sizeof start, err) != 0 ||
            sst_file_write(&s->data, text, len, err) != 0)
            return -1;
    } else {
        if (grow((void **)&s->arena, &s->arena_cap, s->arena_len + len + 1, 1, err) != 0 ||
            grow((void **)&s->off, &s->off_cap, (size_t)s->count + 2, sizeof *s->off, err) != 0)
            return -1;
        s->off[s->count] = s->arena_len;
        memcpy(s->arena + s->arena_len, text, len);
        s->arena_len += len;
    }
    s->count++;
    return 0;
}

int df_sst_finish(df_sst *s, df_error *err)
{
    if (!s->spilled) {
        if (grow((void **)&s->off, &s->off_cap, (size_t)s->count + 1, sizeof *s->off, err) != 0)
            return -1;
        s->off[s->count] = s->arena_len;
        return 0;
    }
    uint64_t end = s->data.size;
    if (sst_file_write(&s->index, &end, sizeof end, err) != 0)
        return -1;
    df_sst_file *fs[2] = {&s->data, &s->index};
    for (int i = 0; i < 2; i++) {
        if (fclose(fs[i]->w) != 0) {
            fs[i]->w = NULL;
            return df_error_errno(err, "shared strings: writing the temporary file");
        }
        fs[i]->w = NULL;
        fs[i]->blocks = malloc((size_t)DF_SST_CACHE_BLOCKS * DF_SST_BLOCK);
        if (!fs[i]->blocks)
            return df_errorf(err, "shared strings: out of memory");
    }
    return 0;
}

/* Copies n bytes at off of the file through the block cache. */
static int sst_file_read(df_sst_file *f, uint64_t off, void *dst, size_t n, df_error *err)
{
    char *d = dst;
    while (n > 0) {
        uint64_t b = off / DF_SST_BLOCK;
        size_t slot = (size_t)(b % DF_SST_CACHE_BLOCKS), in = (size_t)(off % DF_SST_BLOCK);
        char *blk = f->blocks + slot * DF_SST_BLOCK;
        if (f->tag[slot] != (int64_t)b) {
            ssize_t got = pread(f->fd, blk, DF_SST_BLOCK, (off_t)(b * DF_SST_BLOCK));
            if (got < 0)
                return df_error_errno(err, "shared strings: reading the temporary file");
            if ((size_t)got < DF_SST_BLOCK)
                memset(blk + got, 0, DF_SST_BLOCK - (size_t)got);
            f->tag[slot] = (int64_t)b;
        }
        size_t k = DF_SST_BLOCK - in < n ? DF_SST_BLOCK - in : n;
        memcpy(d, blk + in, k);
        d += k, off += k, n -= k;
    }
    return 0;
}

int df_sst_get(df_sst *s, uint64_t i, char *dst, size_t cap, size_t *len, df_error *err)
{
    uint64_t se[2];
    if (s->spilled) {
        if (sst_file_read(&s->index, i * sizeof(uint64_t), se, sizeof se, err) != 0)
            return -1;
    } else {
        se[0] = s->off[i];
        se[1] = s->off[i + 1];
    }
    if (se[1] < se[0] || se[1] > (s->spilled ? s->data.size : s->arena_len))
        return df_errorf(err, "shared strings: corrupt index");
    *len = (size_t)(se[1] - se[0]);
    if (*len > cap)
        return df_errorf(err, "shared string %llu is longer than the row allows", (unsigned long long)i);
    if (!s->spilled) {
        memcpy(dst, s->arena + se[0], *len);
        return 0;
    }
    return sst_file_read(&s->data, se[0], dst, *len, err);
}

static void sst_file_close(df_sst_file *f)
{
    if (f->w)
        fclose(f->w);
    if (f->fd >= 0)
        close(f->fd);
    free(f->blocks);
}

void df_sst_free(df_sst *s)
{
    free(s->arena);
    free(s->off);
    sst_file_close(&s->data);
    sst_file_close(&s->index);
    df_sst_init(s, s->limit);
}
