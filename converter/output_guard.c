/* converter/output_guard.c — files a conversion never overwrites or
 * deletes; see output_guard.h. */
#include "converter/output_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/path.h"
#include "converter/convert.h"

int df_chunk_name_of_batch(const char *name, const char *batch)
{
    size_t bl = strlen(batch);
    if (strncmp(name, batch, bl) || name[bl] != '_')
        return 0;
    const char *d = name + bl + 1, *q = d;
    while (*q >= '0' && *q <= '9')
        q++;
    return q - d >= 5 && !strcmp(q, ".xml");
}

/* The absolute path of p with symlinks resolved; for a file that does not
 * exist yet, its folder's resolved path and its own name. "" if even the
 * folder cannot be resolved. */
static void resolved(const char *p, char out[DF_PATH_MAX])
{
    if (realpath(p, out))
        return;
    char dir[DF_PATH_MAX], rdir[DF_PATH_MAX];
    df_path_dirname(p, dir, sizeof dir);
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    if (!realpath(dir, rdir) || snprintf(out, DF_PATH_MAX, "%s/%s", rdir, base) >= DF_PATH_MAX)
        out[0] = '\0';
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ra[DF_PATH_MAX], rb[DF_PATH_MAX];
    resolved(a, ra);
    resolved(b, rb);
    return ra[0] && !strcmp(ra, rb);
}

/* What path is among the guarded files ("an input of this run", "the
 * mapping", …) with *which naming that file; NULL if none. */
static const char *guarded_as(const df_convert_options *o, const char *path, const char **which)
{
    for (int i = 0; i < o->ninputs; i++)
        if (same_file(path, o->inputs[i])) {
            *which = o->inputs[i];
            return "an input of this run";
        }
    if (o->mapping && o->mapping->path[0] && same_file(path, o->mapping->path)) {
        *which = o->mapping->path;
        return "the mapping";
    }
    for (int i = 0; i < o->nguarded; i++)
        if (o->guarded[i].path && o->guarded[i].path[0] && same_file(path, o->guarded[i].path)) {
            *which = o->guarded[i].path;
            return o->guarded[i].what;
        }
    return NULL;
}

int df_guard_rejects(const df_convert_options *o, const char *path, df_error *err)
{
    if (!strcmp(path, "-"))
        return 0; /* standard output */
    const char *which = NULL, *what = guarded_as(o, path, &which);
    if (what)
        return df_errorf(err, "--rejects %s is %s (%s): it would be replaced by the rejected rows; give another "
                         "file", path, what, which);
    char rp[DF_PATH_MAX], rout[DF_PATH_MAX];
    resolved(path, rp);
    resolved(o->out_dir, rout);
    const char *base = strrchr(rp, '/');
    size_t dl = base ? (size_t)(base - rp) : 0;
    if (base && rout[0] && strlen(rout) == dl && !strncmp(rp, rout, dl) &&
        df_chunk_name_of_batch(base + 1, o->meta.batch_id))
        return df_errorf(err, "--rejects %s is a chunk file of batch %s in %s; give another file", path,
                         o->meta.batch_id, o->out_dir);
    return 0;
}

int df_guard_replace(const df_convert_options *o, const char *path, df_error *err)
{
    const char *which = NULL, *what = guarded_as(o, path, &which);
    if (what)
        return df_errorf(err, "%s has the name of a chunk of batch %s but is %s (%s): it is never replaced or "
                         "removed, even with --force; move it or use another --out or --batch-id", path,
                         o->meta.batch_id, what, which);
    return 0;
}
