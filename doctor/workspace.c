/* doctor/workspace.c — the workspace for a batch: writable, room for the
 * output, catalogs there and recent, no chunk left unsent or refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "doctor/checks.h"
#include "mapping/catalog.h"

void df_doctor_check_workspace(df_doctor_state *st)
{
    const char *ws = st->cfg.workspace;
    df_error err;
    if (!ws[0]) {
        df_doctor_add(st->r, "workspace", DF_DIAG_FAIL, "set 'workspace:' or DRUGFLOW_WORKSPACE to a folder on a "
                      "local disk", "no workspace");
        return;
    }
    if (df_mkdirs(ws, &err) != 0) {
        df_doctor_add(st->r, "workspace", DF_DIAG_FAIL, "create the folder, or point 'workspace:' elsewhere", "%s",
                      err.msg);
        return;
    }
    char probe[DF_PATH_MAX];
    snprintf(probe, sizeof probe, "%s/.doctor-XXXXXX", ws);
    int fd = mkstemp(probe);
    if (fd < 0) {
        df_doctor_add(st->r, "workspace", DF_DIAG_FAIL, "give the user running drugflow write access to it",
                      "%s is not writable: %s", ws, strerror(errno));
        return;
    }
    close(fd);
    unlink(probe);
    if (df_journal_open(&st->journal, ws, &err) != 0) {
        df_doctor_add(st->r, "workspace", DF_DIAG_FAIL, "move the damaged journal.sqlite aside only if no batch "
                      "is under way (it records what the server holds)", "%s", err.msg);
        return;
    }
    df_doctor_add(st->r, "workspace", DF_DIAG_OK, NULL, "%s (writable, journal readable)", ws);
}

static void human(uint64_t b, char *out, size_t n)
{
    if (b >= (1ull << 30))
        snprintf(out, n, "%.1f GiB", (double)b / (1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(out, n, "%.1f MiB", (double)b / (1ull << 20));
    else
        snprintf(out, n, "%.0f KiB", (double)b / 1024 + 0.5);
}

typedef struct batch_sizes {
    char batch[128];
    uint64_t bytes, largest;
    long not_sent, refused, waiting;
    char refused_msg[600], first_batch[128];
} batch_sizes;

static int on_chunk(void *arg, const df_chunk_row *c)
{
    batch_sizes *b = arg;
    if (strcmp(b->batch, c->batch)) {
        snprintf(b->batch, sizeof b->batch, "%s", c->batch);
        b->bytes = 0;
    }
    b->bytes += (uint64_t)c->bytes;
    if (b->bytes > b->largest)
        b->largest = b->bytes;
    int unsent = c->state == DF_CS_WRITTEN || c->state == DF_CS_SIGNED || c->state == DF_CS_UPLOADING;
    if ((unsent || c->state == DF_CS_REFUSED) && !b->first_batch[0])
        snprintf(b->first_batch, sizeof b->first_batch, "%s", c->batch);
    b->not_sent += unsent;
    b->waiting += c->state == DF_CS_UPLOADED;
    if (c->state == DF_CS_REFUSED && !b->refused++)
        snprintf(b->refused_msg, sizeof b->refused_msg, "%s: Code %d %s", c->name, c->code, c->message);
    return 0;
}

/* Room for the output: this month's exports × the XML ratio, else the largest batch so far. */
static void check_disk(df_doctor_state *st, const batch_sizes *b)
{
    const df_doctor_options *o = st->o;
    uint64_t expect = o->expect_bytes, inputs = 0;
    for (int i = 0; i < o->ninputs; i++) {
        struct stat s;
        errno = 0;
        if (stat(o->inputs[i], &s) != 0 || !S_ISREG(s.st_mode))
            df_doctor_add(st->r, "input", DF_DIAG_FAIL, "give the exports of this month's batch", "%s: %s",
                          o->inputs[i], errno ? strerror(errno) : "not a regular file");
        else
            inputs += (uint64_t)s.st_size;
    }
    const char *basis = "the size given";
    if (!expect && inputs)
        expect = inputs * DF_DOCTOR_OUTPUT_RATIO, basis = "the exports given";
    if (!expect && b->largest)
        expect = b->largest, basis = "the largest batch in the journal";
    struct statvfs v;
    if (statvfs(st->cfg.workspace, &v) != 0) {
        df_doctor_add(st->r, "disk", DF_DIAG_FAIL, NULL, "cannot see the free space of %s: %s", st->cfg.workspace,
                      strerror(errno));
        return;
    }
    uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
    char a[32], e[32];
    human(avail, a, sizeof a);
    human(expect, e, sizeof e);
    if (!expect)
        df_doctor_add(st->r, "disk", DF_DIAG_OK, NULL, "%s free in %s (give this month's exports to check room "
                      "for them)", a, st->cfg.workspace);
    else if (avail < expect + expect / 5)
        df_doctor_add(st->r, "disk", DF_DIAG_FAIL, "free space in the workspace, or move it to a larger disk",
                      "%s free in %s, a batch needs about %s (from %s) and some room to spare", a,
                      st->cfg.workspace, e, basis);
    else
        df_doctor_add(st->r, "disk", DF_DIAG_OK, NULL, "%s free in %s; a batch needs about %s (from %s)", a,
                      st->cfg.workspace, e, basis);
}

/* Age in days of an ISO time "YYYY-MM-DDTHH:MM:SSZ"; -1 if unreadable. */
static long age_days(const char *iso)
{
    struct tm tm = {0};
    if (!strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return -1;
    return (long)((time(NULL) - timegm(&tm)) / 86400);
}

static void check_catalogs(df_doctor_state *st)
{
    long max_age = st->o->catalog_max_age_days > 0 ? st->o->catalog_max_age_days : DF_DOCTOR_CATALOG_AGE_DAYS;
    for (int c = 0; st->profile && c < st->profile->ncatalogs; c++) {
        const df_catalog_def *def = &st->profile->catalogs[c];
        char when[64] = "", file[DF_PATH_MAX] = "";
        long long count = 0;
        df_error err;
        long age = -1;
        if (st->journal && df_journal_catalog_pulled(st->journal, def->name, when, sizeof when, &err) == 0 && when[0]) {
            df_journal_catalog_count(st->journal, def->name, &count, &err);
            age = age_days(when);
        } else if (st->cfg.catalogs[0]) {
            struct stat s;
            df_catalog_export_path(def, st->cfg.catalogs, file, sizeof file);
            if (stat(file, &s) == 0)
                age = (long)((time(NULL) - s.st_mtime) / 86400);
        }
        char name[80];
        snprintf(name, sizeof name, "catalog %s", def->name);
        if (age < 0)
            df_doctor_add(st->r, "catalogs", DF_DIAG_FAIL, "run 'drugflow catalog pull' (or put the portal's CSV "
                          "exports in the 'catalogs:' folder)", "the %s catalog is not in the workspace%s%s",
                          def->name, file[0] ? " nor at " : "", file);
        else if (age > max_age)
            df_doctor_add(st->r, "catalogs", DF_DIAG_WARN, "run 'drugflow catalog pull' to match rows against what "
                          "the province holds now", "the %s catalog is %ld days old (%s)", def->name, age,
                          when[0] ? when : file);
        else
            df_doctor_add(st->r, "catalogs", DF_DIAG_OK, NULL, "%s: %s%lld entries, %ld day%s old", name,
                          when[0] ? "" : "from the portal's export, ", count, age, age == 1 ? "" : "s");
    }
}

void df_doctor_check_batch(df_doctor_state *st)
{
    batch_sizes b = {0};
    df_error err;
    if (st->journal && df_journal_chunks(st->journal, NULL, DF_JSEL_ALL, on_chunk, &b, &err) != 0)
        df_doctor_add(st->r, "journal", DF_DIAG_FAIL, NULL, "%s", err.msg);
    if (st->cfg.workspace[0])
        check_disk(st, &b);
    check_catalogs(st);
    if (!st->journal)
        return;
    if (b.not_sent)
        df_doctor_add(st->r, "journal", DF_DIAG_FAIL, "run the same 'drugflow run' again, or 'drugflow upload'",
                      "%ld chunk(s) written but not on the server yet (first in batch %s)", b.not_sent,
                      b.first_batch);
    if (b.refused)
        df_doctor_add(st->r, "journal", DF_DIAG_FAIL, "correct what the Code says, then send again (a new batch id "
                      "for changed data)", "%ld chunk(s) refused by the server; first: %s", b.refused,
                      b.refused_msg);
    if (b.waiting)
        df_doctor_add(st->r, "journal", DF_DIAG_WARN, "run 'drugflow status' later",
                      "%ld chunk(s) uploaded and waiting for the server's results", b.waiting);
    if (!b.not_sent && !b.refused && !b.waiting)
        df_doctor_add(st->r, "journal", DF_DIAG_OK, NULL, "no chunk waiting to be sent or refused");
}
