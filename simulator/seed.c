/* simulator/seed.c — drugflow-sim's offline commands that register an
 * enterprise and load its catalogs from the portal's CSV exports (seed:
 * the whole catalog as a new version; catalog-add: merge rows;
 * catalog-delete: remove one entry), recording the change log that the
 * catalog entries' since= answers come from. */
#include "simulator/sim.h"

#include "base/cmdline.h"
#include "base/path.h"
#include "mapping/catalog_csv.h"
#include "mapping/encoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sim_free_rows(sim_catrow *rows, size_t n)
{
    for (size_t r = 0; r < n; r++)
        for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
            free(rows[r].cols[i]);
    free(rows);
}

typedef struct rows_ctx {
    const df_catalog_def *def;
    sim_catrow *rows;
    size_t n, cap;
} rows_ctx;

static int keep_row(void *arg, long row, const char *const *cols, const size_t *lens, df_error *err)
{
    (void)row;
    rows_ctx *c = arg;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        sim_catrow *p = realloc(c->rows, nc * sizeof *p);
        if (!p)
            return df_errorf(err, "out of memory");
        c->rows = p;
        c->cap = nc;
    }
    sim_catrow *r = &c->rows[c->n];
    memset(r, 0, sizeof *r);
    for (int i = 0; i < c->def->ncolumns; i++)
        if (!(r->cols[i] = strndup(cols[i], lens[i]))) {
            for (int j = 0; j < i; j++)
                free(r->cols[j]);
            return df_errorf(err, "out of memory");
        }
    c->n++;
    return 0;
}

int sim_load_catalog_csv(const char *path, const df_catalog_def *def, df_encoding enc, sim_catrow **rows,
                         size_t *n, df_error *err)
{
    rows_ctx c = {.def = def};
    *rows = NULL;
    *n = 0;
    if (df_catalog_csv_read_enc(path, def, enc, keep_row, &c, NULL, err) != 0) {
        sim_free_rows(c.rows, c.n);
        return -1;
    }
    *rows = c.rows;
    *n = c.n;
    return 0;
}

/* The profile: --profile, else the shipped one. */
static int load_profile(const char *explicit_path, df_profile *prof)
{
    char buf[DF_PATH_MAX];
    df_error err = {{0}};
    const char *path = explicit_path;
    if (!path && df_find_shipped("profile/gd-v1.yaml", buf, sizeof buf) == 0)
        path = buf;
    if (!path) {
        fprintf(stderr, "drugflow-sim: no shipped profile found: give --profile FILE\n");
        return -1;
    }
    if (df_profile_load(prof, path, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void set_name(sim_ent *e, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO meta(k,v) VALUES('name',?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
}

/* Loads one catalog file into the enterprise: a new version (replace) or merged rows. */
static int seed_catalog(sim_ent *e, const df_profile *prof, const char *catalog, const char *file, int replace,
                        df_encoding enc)
{
    df_error err = {{0}};
    int ci = df_profile_catalog_index(prof, catalog);
    if (ci < 0) {
        fprintf(stderr, "drugflow-sim: profile %s has no %s catalog\n", prof->path, catalog);
        return 1;
    }
    const df_catalog_def *def = &prof->catalogs[ci];
    sim_catrow *rows = NULL;
    size_t n = 0;
    long changes;
    int status = 0;
    if (sim_load_catalog_csv(file, def, enc, &rows, &n, &err) != 0 ||
        sim_catalog_apply(e, def, rows, n, replace, &changes, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        status = 1;
    } else {
        printf("%s %s: %zu rows, %ld changes, version %lld\n", e->code, def->name, n, changes,
               sim_catalog_version(e, def));
    }
    sim_free_rows(rows, n);
    return status;
}

int sim_cmd_seed(int argc, char **argv, int mode)
{
    const char *data = NULL, *code = NULL, *name = NULL, *commodities = NULL, *partners = NULL, *profile = NULL,
               *encoding = NULL;
    const df_opt opts[] = {
        {.name = "data", .type = DF_ARG_STRING, .dest = &data, .arg = "DIR", .help = "the server's data folder"},
        {.name = "enterprise", .type = DF_ARG_STRING, .dest = &code, .arg = "CODE",
         .help = "the enterprise's credit code (its certificate's CN)"},
        {.name = "name", .type = DF_ARG_STRING, .dest = &name, .arg = "NAME", .help = "the enterprise's name"},
        {.name = "commodities", .type = DF_ARG_STRING, .dest = &commodities, .arg = "FILE.csv",
         .help = "the commodity catalog, as the portal exports it"},
        {.name = "partners", .type = DF_ARG_STRING, .dest = &partners, .arg = "FILE.csv",
         .help = "the partner catalog, as the portal exports it"},
        {.name = "encoding", .type = DF_ARG_CHOICE, .dest = &encoding, .arg = "ENC", .choices = "UTF-8|GBK|GB18030",
         .help = "the CSV files' encoding (default UTF-8; a UTF-8 BOM is UTF-8)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &profile, .arg = "FILE",
         .help = "interface profile (default: the shipped profile/gd-v1.yaml)"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow-sim", .no_verbose = 1, .name = mode ? "seed" : "catalog-add", .opts = opts, .max_operands = 0,
        .usage = "--data DIR --enterprise CODE [--name NAME] [--commodities FILE.csv] [--partners FILE.csv]",
        .about = mode ? "Registers enterprise CODE (creates DIR/CODE/) and loads each given catalog from the\n"
                        "portal's CSV export (header = the catalog's column names from the profile) as a new\n"
                        "version: entries new since the last seed are additions, changed ones updates, missing\n"
                        "ones deletions in the catalog answers to a version held. Safe while the server runs.\n"
                      : "Adds or updates the rows of the CSV files in an existing enterprise's catalogs,\n"
                        "keeping the other entries (one new version per catalog that changed).\n",
        .epilog = "Exit status: 0 done, 1 failed, 2 usage error.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? 0 : 2;
    if (!data || !code)
        return df_cmdline_usage_error(&spec, "--data and --enterprise are required");
    static df_profile prof;
    if (load_profile(profile, &prof) != 0)
        return 1;
    sim_ent *e = NULL;
    df_error err = {{0}};
    int rc = sim_ent_open(data, code, mode, &e, &err);
    if (rc != 0) {
        if (rc == 1)
            fprintf(stderr, "drugflow-sim: enterprise %s is not registered in %s (use seed first)\n", code, data);
        else
            fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    if (name)
        set_name(e, name);
    int status = 0;
    df_encoding enc = DF_ENC_UTF8;
    if (encoding)
        df_encoding_parse(encoding, &enc);
    if (commodities)
        status = seed_catalog(e, &prof, "commodity", commodities, mode, enc);
    if (partners && status == 0)
        status = seed_catalog(e, &prof, "partner", partners, mode, enc);
    sim_ent_close(e);
    return status;
}

int sim_cmd_catalog_delete(int argc, char **argv)
{
    const char *data = NULL, *code = NULL, *cat = NULL, *profile = NULL;
    df_arg_list keys = {0};
    const df_opt opts[] = {
        {.name = "data", .type = DF_ARG_STRING, .dest = &data, .arg = "DIR", .help = "the server's data folder"},
        {.name = "enterprise", .type = DF_ARG_STRING, .dest = &code, .arg = "CODE", .help = "the enterprise"},
        {.name = "catalog", .type = DF_ARG_STRING, .dest = &cat, .arg = "NAME", .help = "commodity or partner"},
        {.name = "key", .type = DF_ARG_LIST, .dest = &keys, .arg = "PART",
         .help = "a part of the entry's key, in order (repeatable)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &profile, .arg = "FILE",
         .help = "interface profile (default: the shipped profile/gd-v1.yaml)"},
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow-sim", .no_verbose = 1, .name = "catalog-delete", .opts = opts, .max_operands = 0,
        .usage = "--data DIR --enterprise CODE --catalog NAME --key PART [--key PART ...]",
        .about = "Deletes one entry of a catalog (commodity: --key DRUGCODE --key PACKSPEC; partner:\n"
                 "--key NAME) as a new version, so that answers to a version held report its deletion.\n",
        .epilog = "Exit status: 0 deleted, 1 failed or no such entry, 2 usage error.\n",
    };
    int first, k = df_cmdline_parse(&spec, argc, argv, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? 0 : 2;
    if (!data || !code || !cat || !keys.n)
        return df_cmdline_usage_error(&spec, "--data, --enterprise, --catalog and --key are required");
    static df_profile prof;
    if (load_profile(profile, &prof) != 0)
        return 1;
    int ci = df_profile_catalog_index(&prof, cat);
    if (ci < 0) {
        fprintf(stderr, "drugflow-sim: no catalog '%s' in the profile\n", cat);
        return 2;
    }
    if (keys.n != prof.catalogs[ci].nkey) {
        fprintf(stderr, "drugflow-sim: the %s catalog's key has %d parts, %d --key given\n", cat,
                prof.catalogs[ci].nkey, keys.n);
        return 2;
    }
    sim_ent *e = NULL;
    df_error err = {{0}};
    int rc = sim_ent_open(data, code, 0, &e, &err);
    if (rc != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", rc == 1 ? "enterprise not registered (use seed first)" : err.msg);
        return 1;
    }
    int found = 0, status = 0;
    if (sim_catalog_delete(e, &prof.catalogs[ci], keys.v, &found, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        status = 1;
    } else if (!found) {
        fprintf(stderr, "drugflow-sim: no such entry in the %s catalog\n", cat);
        status = 1;
    } else {
        printf("%s %s: deleted, version %lld\n", code, cat, sim_catalog_version(e, &prof.catalogs[ci]));
    }
    sim_ent_close(e);
    return status;
}
