/* converter/unmatched.c — unmatched keys: counts, near misses, missing entries; see unmatched.h. */
#include "converter/unmatched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/csv_write.h"

void df_unmatched_init(df_unmatched *u, const df_profile *p, const df_doctype *dt, const df_catalog_set *cats,
                       int suggest)
{
    memset(u, 0, sizeof *u);
    u->p = p;
    u->dt = dt;
    u->cats = cats;
    u->suggest = suggest;
    for (int c = 0; c < p->ncatalogs; c++) {
        const df_catalog_def *def = &p->catalogs[c];
        for (int i = 0; i < def->ncolumns; i++) {
            u->column_field[c][i] = dt->catalog_applies[c] ? df_doctype_field_index(dt, def->columns[i]) : -1;
            for (int k = 0; k < def->nkey; k++)
                if (def->key_columns[k] == i && dt->catalog_applies[c])
                    u->column_field[c][i] = dt->catalog_fields[c][k];
        }
    }
}

void df_unmatched_free(df_unmatched *u)
{
    for (int c = 0; c < DF_MAX_CATALOGS; c++)
        df_nearmiss_free(u->idx[c]);
    memset(u->idx, 0, sizeof u->idx);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The near-miss index of catalog c, built on its first miss. */
static df_nearmiss *index_of(df_unmatched *u, df_convert_summary *s, int c)
{
    if (!u->suggest || u->failed_index[c] || !u->cats || !u->cats->cat[c].loaded)
        return NULL;
    if (!u->idx[c]) {
        double t0 = now_s();
        df_error e;
        if (df_nearmiss_build(&u->idx[c], &u->cats->cat[c], &e) != 0)
            u->failed_index[c] = 1;
        s->index_seconds += now_s() - t0;
    }
    return u->idx[c];
}

size_t df_unmatched_columns(const df_unmatched *u, int c, const char *const *vals, const size_t *lens, char *out,
                            size_t cap)
{
    const df_catalog_def *def = &u->p->catalogs[c];
    size_t o = 0;
    for (int i = 0; i < def->ncolumns; i++) {
        int f = u->column_field[c][i];
        size_t l = f >= 0 ? lens[f] : 0;
        if (o + l + 1 > cap)
            break; /* columns past cap bytes are left empty */
        if (i)
            out[o++] = '\x1f';
        if (l)
            memcpy(out + o, vals[f], l);
        o += l;
    }
    return o;
}

/* What a new distinct key gets: its suggestion and, if truly missing, its columns. */
static int describe_key(df_unmatched *u, df_convert_summary *s, int c, df_topn_entry *e, const char *key, size_t kl,
                        const char *cols, size_t cl, char *sugg, size_t n)
{
    df_nearmiss *nm = index_of(u, s, c);
    df_near near = {0};
    sugg[0] = 0;
    if (nm) {
        df_nearmiss_find(nm, key, kl, &near);
        df_near_format(&near, sugg, n);
    }
    if (!e)
        return 0; /* not tracked: the suggestion is for this row only */
    if (sugg[0] && !(e->suggestion = strdup(sugg)))
        return -1;
    e->near = near.normalised;
    if (!e->near && !(e->columns = strndup(cols, cl)))
        return -1;
    return 0;
}

int df_unmatched_key(df_unmatched *u, df_convert_summary *s, int c, const char *key, size_t kl, const char *cols,
                     size_t cl, char *buf, size_t n, df_error *err)
{
    df_topn_entry *e;
    int is_new;
    char sugg[1024];
    if (df_topn_put(&s->unmatched[c], key, kl, &e, &is_new) != 0)
        return df_errorf(err, "out of memory");
    const char *text = e && !is_new ? e->suggestion : NULL;
    if (!e || is_new) {
        if (describe_key(u, s, c, e, key, kl, cols, cl, sugg, sizeof sugg) != 0)
            return df_errorf(err, "out of memory");
        text = sugg[0] ? sugg : NULL;
    }
    size_t used = strlen(buf);
    if (text && used + 3 < n)
        snprintf(buf + used, n - used, "%s%s", used ? "; " : "", text);
    return 0;
}

void df_missing_path(const df_catalog_def *def, const char *dir, char *out, size_t n)
{
    char name[DF_NAME_MAX + 16] = "missing-";
    size_t o = strlen(name);
    for (size_t i = 0; def->list[i] && o + 5 < sizeof name; i++)
        name[o++] = (char)(def->list[i] >= 'A' && def->list[i] <= 'Z' ? def->list[i] + 32 : def->list[i]);
    memcpy(name + o, ".csv", 5);
    snprintf(out, n, "%s/%s", dir, name);
}

static int write_one(const df_topn *t, const df_catalog_def *def, const char *path, long long *rows, df_error *err)
{
    df_csv_out out;
    /* The portal imports these as it exports its catalogs: values as they
     * are, never made spreadsheet-safe (a 14-digit DrugCode stays digits). */
    if (df_csv_out_open_format(&out, path, DF_CSV_RAW, err) != 0)
        return -1;
    for (int i = 0; i < def->ncolumns; i++)
        df_csv_out_str(&out, def->columns[i]);
    df_csv_out_end_row(&out);
    size_t n = 0;
    df_topn_entry *e = df_topn_top(t, t->n, &n);
    if (t->n && !e) {
        df_csv_out_abort(&out);
        return df_errorf(err, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        if (e[k].near || !e[k].columns)
            continue;
        for (const char *f = e[k].columns;;) {
            const char *sep = strchr(f, '\x1f');
            df_csv_out_field(&out, f, sep ? (size_t)(sep - f) : strlen(f));
            if (!sep)
                break;
            f = sep + 1;
        }
        df_csv_out_end_row(&out);
        (*rows)++;
    }
    free(e);
    return df_csv_out_commit(&out, err);
}

int df_missing_write(df_convert_summary *s, const df_profile *p, const char *dir, df_error *err)
{
    for (int c = 0; c < p->ncatalogs && c < s->ncatalogs; c++) {
        s->missing[c] = 0;
        if (!s->checked[c])
            continue;
        df_missing_path(&p->catalogs[c], dir, s->missing_path[c], sizeof s->missing_path[c]);
        if (write_one(&s->unmatched[c], &p->catalogs[c], s->missing_path[c], &s->missing[c], err) != 0)
            return -1;
    }
    return 0;
}
