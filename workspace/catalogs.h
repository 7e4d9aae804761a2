/* workspace/catalogs.h — which catalogs a conversion checks rows against.
 *
 * In this order: catalog files named on the command line (a folder of the
 * portal's CSV exports, or single files); else the catalogs `drugflow
 * catalog pull` stored in the workspace's journal; else the configuration's
 * `catalogs:` folder. Offline `convert` needs nothing of the uploader. */
#ifndef DF_WORKSPACE_CATALOGS_H
#define DF_WORKSPACE_CATALOGS_H

#include <stddef.h>
#include "base/error.h"
#include "mapping/catalog.h"
#include "mapping/profile.h"

typedef struct df_catalog_sources {
    const char *csv_dir;        /* --catalogs: DIR/commodities.csv, DIR/partners.csv */
    const char *files[DF_MAX_CATALOGS]; /* --commodities, --partners: by catalog index, or NULL */
    const char *workspace;      /* its pulled catalogs, if any */
    const char *config_dir;     /* the configuration's catalogs: folder */
    df_encoding encoding;       /* of the CSV exports (UTF-8 unless declared) */
} df_catalog_sources;

/* Loads into set (df_catalog_set_init'ed for p) from the first source that
 * has catalogs. 1 loaded (source names where from), 0 none anywhere, -1 error. */
int df_catalogs_load(const df_profile *p, const df_catalog_sources *src, df_catalog_set *set, char *source,
                     size_t n, df_error *err);

/* The index of a catalog for a command-line option name ("commodity" for
 * --commodities), for filling df_catalog_sources.files. */
int df_catalog_sources_set_file(df_catalog_sources *src, const df_profile *p, const char *catalog,
                                const char *path);

#endif
