/* workspace/catalogs.c — choosing and loading the catalogs; see catalogs.h. */
#include "workspace/catalogs.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/path.h"
#include "workspace/journal.h"

int df_catalog_sources_set_file(df_catalog_sources *src, const df_profile *p, const char *catalog,
                                const char *path)
{
    int i = df_profile_catalog_index(p, catalog);
    if (i < 0)
        return -1;
    src->files[i] = path;
    return 0;
}

static int load_dir(const df_profile *p, const char *dir, df_encoding enc, df_catalog_set *set, df_error *err)
{
    for (int i = 0; i < p->ncatalogs; i++) {
        char path[DF_PATH_MAX];
        df_catalog_export_path(&p->catalogs[i], dir, path, sizeof path);
        if (df_catalog_load_csv_enc(&set->cat[i], path, enc, err) != 0)
            return -1;
    }
    return 0;
}

/* 1 if the workspace's journal holds pulled catalogs (now loaded), 0 if not. */
static int load_workspace(const df_profile *p, const char *workspace, df_catalog_set *set, df_error *err)
{
    char jp[DF_PATH_MAX];
    if (df_path_join(jp, sizeof jp, workspace, "journal.sqlite", err) != 0)
        return -1;
    if (access(jp, R_OK) != 0)
        return 0;
    df_journal *j;
    int loaded = 0;
    if (df_journal_open(&j, workspace, err) != 0)
        return -1;
    int rc = df_journal_load_catalogs(j, p, set, &loaded, err);
    df_journal_close(j);
    return rc != 0 ? -1 : loaded > 0;
}

int df_catalogs_load(const df_profile *p, const df_catalog_sources *src, df_catalog_set *set, char *source,
                     size_t n, df_error *err)
{
    source[0] = 0;
    int files = 0;
    for (int i = 0; i < p->ncatalogs; i++) {
        if (!src->files[i])
            continue;
        if (df_catalog_load_csv_enc(&set->cat[i], src->files[i], src->encoding, err) != 0)
            return -1;
        snprintf(source + strlen(source), n - strlen(source), "%s%s", files++ ? ", " : "", src->files[i]);
    }
    if (files)
        return 1;
    if (src->csv_dir && *src->csv_dir) {
        if (load_dir(p, src->csv_dir, src->encoding, set, err) != 0)
            return -1;
        snprintf(source, n, "%s", src->csv_dir);
        return 1;
    }
    if (src->workspace && *src->workspace) {
        int l = load_workspace(p, src->workspace, set, err);
        if (l < 0)
            return -1;
        if (l > 0) {
            snprintf(source, n, "workspace %s", src->workspace);
            return 1;
        }
    }
    if (src->config_dir && *src->config_dir) {
        if (load_dir(p, src->config_dir, src->encoding, set, err) != 0)
            return -1;
        snprintf(source, n, "%s", src->config_dir);
        return 1;
    }
    return 0;
}
