/* simulator/seed.c — drugflow-sim's offline commands that register an
 * enterprise and load its catalogs from the portal's CSV exports (seed:
 * the whole catalog as a new version; catalog-add: merge rows;
 * catalog-delete: remove one entry), recording the change log that the
 * catalog entries' since= answers come from. */
#include "simulator/sim.h"

#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct csv_state {
    const df_catalog_def *def;
    int row;                         /* 0 = header */
    int col;                         /* current column in the row */
    int map[256];                    /* CSV column -> catalog column, or -1 */
    int ncsv;
    sim_catrow cur;
    sim_catrow *rows;
    size_t n, cap;
    int failed;
    char msg[512];
} csv_state;

static void csv_field(void *s, size_t len, void *data)
{
    csv_state *st = data;
    const char *v = s ? s : "";
    if (st->failed)
        return;
    if (st->row == 0) {
        if (st->col == 0 && len >= 3 && memcmp(v, "\xef\xbb\xbf", 3) == 0) {
            v += 3; /* UTF-8 BOM */
            len -= 3;
        }
        if (st->col < 256) {
            st->map[st->col] = -1;
            for (int i = 0; i < st->def->ncolumns; i++)
                if (strlen(st->def->columns[i]) == len && memcmp(st->def->columns[i], v, len) == 0)
                    st->map[st->col] = i;
            st->ncsv = st->col + 1;
        }
    } else if (st->col < st->ncsv && st->map[st->col] >= 0) {
        char *copy = malloc(len + 1);
        if (!copy) {
            st->failed = 1;
            snprintf(st->msg, sizeof st->msg, "out of memory");
            return;
        }
        memcpy(copy, v, len);
        copy[len] = '\0';
        free(st->cur.cols[st->map[st->col]]);
        st->cur.cols[st->map[st->col]] = copy;
    }
    st->col++;
}

static void csv_row(int c, void *data)
{
    (void)c;
    csv_state *st = data;
    if (st->failed)
        return;
    if (st->row == 0) {
        for (int k = 0; k < st->def->nkey; k++) {
            int want = st->def->key_columns[k], found = 0;
            for (int i = 0; i < st->ncsv; i++)
                found |= st->map[i] == want;
            if (!found) {
                st->failed = 1;
                snprintf(st->msg, sizeof st->msg, "header has no column %s (the %s catalog's key)",
                         st->def->columns[want], st->def->name);
                return;
            }
        }
    } else {
        int blank = 1;
        for (int i = 0; i < st->def->ncolumns; i++)
            if (st->cur.cols[i] && st->cur.cols[i][0])
                blank = 0;
        if (!blank) {
            if (st->n == st->cap) {
                size_t nc = st->cap ? st->cap * 2 : 256;
                sim_catrow *p = realloc(st->rows, nc * sizeof *p);
                if (!p) {
                    st->failed = 1;
                    snprintf(st->msg, sizeof st->msg, "out of memory");
                    return;
                }
                st->rows = p;
                st->cap = nc;
            }
            st->rows[st->n++] = st->cur;
        } else {
            for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
                free(st->cur.cols[i]);
        }
        memset(&st->cur, 0, sizeof st->cur);
    }
    st->row++;
    st->col = 0;
}

void sim_free_rows(sim_catrow *rows, size_t n)
{
    for (size_t r = 0; r < n; r++)
        for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
            free(rows[r].cols[i]);
    free(rows);
}

int sim_load_catalog_csv(const char *path, const df_catalog_def *def, sim_catrow **rows, size_t *n,
                         df_error *err)
{
    *rows = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return df_error_errno(err, "cannot open %s", path);
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return df_errorf(err, "out of memory");
    }
    csv_state st;
    memset(&st, 0, sizeof st);
    st.def = def;
    char buf[65536];
    size_t r;
    int rc = 0;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, r, csv_field, csv_row, &st) != r) {
            rc = df_errorf(err, "%s: row %d: %s", path, st.row + 1, csv_strerror(csv_error(&p)));
            break;
        }
        if (st.failed)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = df_error_errno(err, "cannot read %s", path);
    if (rc == 0 && csv_fini(&p, csv_field, csv_row, &st) != 0)
        rc = df_errorf(err, "%s: %s", path, csv_strerror(csv_error(&p)));
    if (rc == 0 && st.failed)
        rc = df_errorf(err, "%s: %s", path, st.msg);
    if (rc == 0 && st.row == 0)
        rc = df_errorf(err, "%s: empty file (a header with the %s catalog's columns is expected)", path, def->name);
    csv_free(&p);
    fclose(f);
    for (int i = 0; i < DF_MAX_CATALOG_COLUMNS; i++)
        free(st.cur.cols[i]);
    if (rc != 0) {
        sim_free_rows(st.rows, st.n);
        return -1;
    }
    *rows = st.rows;
    *n = st.n;
    return 0;
}

static void seed_usage(FILE *o, int mode)
{
    if (mode)
        fprintf(o, "usage: drugflow-sim seed --data DIR --enterprise CODE [--name NAME]\n"
                   "                        [--commodities FILE.csv] [--partners FILE.csv] [--profile FILE]\n"
                   "Registers enterprise CODE (creates DIR/CODE/) and loads each given catalog from the\n"
                   "portal's CSV export (header = the catalog's column names from the profile) as a new\n"
                   "version: entries new since the last seed are ADD, changed ones UPDATE, missing ones\n"
                   "DELETE in the catalog entries' since= answers. Safe while the server runs.\n"
                   "--profile defaults to samples/profile/gd-v1.yaml (run from the repository root),\n"
                   "else PREFIX/share/drugflow/profile/gd-v1.yaml.\n");
    else
        fprintf(o, "usage: drugflow-sim catalog-add --data DIR --enterprise CODE\n"
                   "                        [--commodities FILE.csv] [--partners FILE.csv] [--profile FILE]\n"
                   "Adds or updates the rows of the CSV files in an existing enterprise's catalogs,\n"
                   "keeping the other entries (one new version per catalog that changed).\n");
    fprintf(o, "Exit status: 0 done, 1 failed, 2 usage error.\n");
}

/* A shipped file: REL from the current directory (a checkout), else the
 * installed copy PREFIX/share/drugflow/SHARE_REL beside the binary. */
const char *sim_default_path(const char *rel, const char *share_rel, char *buf, size_t n)
{
    if (access(rel, R_OK) == 0)
        return rel;
    char exe[1024];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, n, "%s/../share/drugflow/%s", exe, share_rel);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return rel;
}

int sim_cmd_seed(int argc, char **argv, int mode)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},        {"enterprise", required_argument, 0, 'e'},
        {"name", required_argument, 0, 'n'},        {"commodities", required_argument, 0, 'c'},
        {"partners", required_argument, 0, 'p'},    {"profile", required_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    const char *data = NULL, *code = NULL, *name = NULL, *files[2] = {NULL, NULL};
    const char *profile_path = NULL;
    char prof_buf[1100];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'e': code = optarg; break;
        case 'n': name = optarg; break;
        case 'c': files[0] = optarg; break;
        case 'p': files[1] = optarg; break;
        case 'P': profile_path = optarg; break;
        case 'h': seed_usage(stdout, mode); return 0;
        default: seed_usage(stderr, mode); return 2;
        }
    }
    if (!data || !code || optind != argc) {
        seed_usage(stderr, mode);
        return 2;
    }
    if (!profile_path)
        profile_path = sim_default_path("samples/profile/gd-v1.yaml", "profile/gd-v1.yaml", prof_buf,
                                        sizeof prof_buf);
    static df_profile prof;
    df_error err = {{0}};
    if (df_profile_load(&prof, profile_path, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    sim_ent *e = NULL;
    int rc = sim_ent_open(data, code, mode, &e, &err);
    if (rc == 1) {
        fprintf(stderr, "drugflow-sim: enterprise %s is not registered in %s (use seed first)\n", code, data);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    if (name) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(e->db, "INSERT OR REPLACE INTO meta(k,v) VALUES('name',?1)", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
    }
    static const char *const catnames[2] = {"commodity", "partner"};
    int status = 0;
    for (int i = 0; i < 2 && status == 0; i++) {
        if (!files[i])
            continue;
        int ci = df_profile_catalog_index(&prof, catnames[i]);
        if (ci < 0) {
            fprintf(stderr, "drugflow-sim: profile %s has no %s catalog\n", profile_path, catnames[i]);
            status = 1;
            break;
        }
        const df_catalog_def *def = &prof.catalogs[ci];
        sim_catrow *rows = NULL;
        size_t n = 0;
        long changes;
        if (sim_load_catalog_csv(files[i], def, &rows, &n, &err) != 0 ||
            sim_catalog_apply(e, def, rows, n, mode, &changes, &err) != 0) {
            fprintf(stderr, "drugflow-sim: %s\n", err.msg);
            status = 1;
        } else {
            printf("%s %s: %zu rows, %ld changes, version %lld\n", code, def->name, n, changes,
                   sim_catalog_version(e, def));
        }
        sim_free_rows(rows, n);
    }
    sim_ent_close(e);
    return status;
}

static void delete_usage(FILE *o)
{
    fprintf(o, "usage: drugflow-sim catalog-delete --data DIR --enterprise CODE --catalog NAME --key PART\n"
               "                        [--key PART ...] [--profile FILE]\n"
               "Deletes one entry of a catalog (commodity: --key DRUGCODE --key PACKSPEC; partner:\n"
               "--key NAME) as a new version, so that since= answers report it as DELETE.\n"
               "Exit status: 0 deleted, 1 failed or no such entry, 2 usage error.\n");
}

int sim_cmd_catalog_delete(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},    {"enterprise", required_argument, 0, 'e'},
        {"catalog", required_argument, 0, 'c'}, {"key", required_argument, 0, 'k'},
        {"profile", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data = NULL, *code = NULL, *cat = NULL, *keys[DF_MAX_KEY];
    const char *profile_path = NULL;
    char prof_buf[1100];
    int nkeys = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'e': code = optarg; break;
        case 'c': cat = optarg; break;
        case 'k':
            if (nkeys == DF_MAX_KEY) {
                delete_usage(stderr);
                return 2;
            }
            keys[nkeys++] = optarg;
            break;
        case 'P': profile_path = optarg; break;
        case 'h': delete_usage(stdout); return 0;
        default: delete_usage(stderr); return 2;
        }
    }
    if (!data || !code || !cat || !nkeys || optind != argc) {
        delete_usage(stderr);
        return 2;
    }
    if (!profile_path)
        profile_path = sim_default_path("samples/profile/gd-v1.yaml", "profile/gd-v1.yaml", prof_buf,
                                        sizeof prof_buf);
    static df_profile prof;
    df_error err = {{0}};
    if (df_profile_load(&prof, profile_path, &err) != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", err.msg);
        return 1;
    }
    int ci = df_profile_catalog_index(&prof, cat);
    if (ci < 0) {
        fprintf(stderr, "drugflow-sim: no catalog '%s' in the profile\n", cat);
        return 2;
    }
    if (nkeys != prof.catalogs[ci].nkey) {
        fprintf(stderr, "drugflow-sim: the %s catalog's key has %d parts, %d --key given\n", cat,
                prof.catalogs[ci].nkey, nkeys);
        return 2;
    }
    sim_ent *e = NULL;
    int rc = sim_ent_open(data, code, 0, &e, &err);
    if (rc != 0) {
        fprintf(stderr, "drugflow-sim: %s\n", rc == 1 ? "enterprise not registered (use seed first)" : err.msg);
        return 1;
    }
    int found = 0;
    int status = 0;
    if (sim_catalog_delete(e, &prof.catalogs[ci], keys, &found, &err) != 0) {
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
