/* uploader/catalog_pull.c — incremental catalog pull into the journal; see catalog_pull.h. */
#include "uploader/catalog_pull.h"

#include "uploader/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uploader/answer.h"

const char *df_catalog_entry(const df_profile *p, const df_catalog_def *def)
{
    /* The profile names the catalogs "commodity" and "partner" and their
     * entries "commodities" and "partners". */
    if (!strcmp(def->name, "commodity"))
        return p->entry_commodities;
    if (!strcmp(def->name, "partner"))
        return p->entry_partners;
    return NULL;
}

typedef struct apply_ctx {
    df_journal *j;
    const df_catalog_def *def;
    df_pull_result *r;
} apply_ctx;

static int apply(void *arg, df_catalog_op op, const char *const *cols, const size_t *lens, df_error *err)
{
    apply_ctx *c = arg;
    if (df_journal_catalog_apply(c->j, c->def, op, cols, lens, err) != 0)
        return -1;
    if (op == DF_CATOP_DELETE)
        c->r->deleted++;
    else if (op == DF_CATOP_UPDATE)
        c->r->updated++;
    else
        c->r->added++;
    return 0;
}

/* One catalog: 0, 1 (network or refused), -1 (journal). */
static int pull_one(df_client *c, df_journal *j, const df_profile *p, const df_catalog_def *def, const df_retry *retry,
                    df_pull_result *r, df_error *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", def->name);
    const char *entry = df_catalog_entry(p, def);
    if (!entry)
        return df_errorf(err, "the profile has no entry for catalog %s", def->name);
    if (df_journal_catalog_version(j, def->name, &r->old_version, err) != 0)
        return -1;
    char since[32];
    snprintf(since, sizeof since, "%lld", r->old_version);
    const df_protocol *pr = &p->protocol;
    char *form = NULL;
    size_t flen = 0;
    if (df_form_add(&form, &flen, pr->catalog_version, since) != 0)
        return df_errorf(err, "out of memory");
    df_backoff backoff;
    df_backoff_init(&backoff, retry);
    for (int attempt = 1;; attempt++) {
        df_transfer t;
        if (df_transfer_form(c, &t, entry, form, DF_ANSWER_MAX_CATALOG, err) != 0) {
            free(form);
            return -1;
        }
        long http;
        char msg[1200];
        df_tx_class k = df_client_perform(c, &t, &http, msg, sizeof msg);
        if (k == DF_TX_OK) {
            df_answer a;
            apply_ctx ac = {j, def, r};
            if (df_journal_begin(j, err) != 0) {
                df_transfer_cleanup(&t);
                free(form);
                return -1;
            }
            df_error perr;
            int rc = df_answer_parse_catalog(pr, t.body, t.len, DF_ANSWER_MAX_CATALOG, def, &a, apply, &ac, &perr);
            df_code_class cls = rc == 0 ? df_protocol_class(pr, a.code) : DF_CODE_PERMANENT;
            if (rc == 0 && cls == DF_CODE_OK && a.version < 0)
                rc = df_errorf(&perr, "the answer has no <%s>", df_an(pr, DF_AN_VERSION));
            if (rc == 0 && cls == DF_CODE_OK && df_journal_catalog_set_version(j, def->name, a.version, &perr) != 0)
                rc = -1;
            if (rc == 0 && cls == DF_CODE_OK) {
                df_transfer_cleanup(&t);
                free(form);
                if (df_journal_commit(j, err) != 0)
                    return -1;
                r->new_version = a.version;
                return df_journal_catalog_count(j, def->name, &r->entries, err);
            }
            df_journal_rollback(j);
            r->added = r->updated = r->deleted = 0;
            if (rc != 0) {
                df_errorf(err, "%s: %s", t.url, perr.msg);
                df_transfer_cleanup(&t);
                free(form);
                return 1;
            }
            char cm[900];
            df_answer_code_message(pr, a.code, a.message, cm, sizeof cm);
            if (cls != DF_CODE_TRANSIENT) {
                df_errorf(err, "%s: %s", t.url, cm);
                df_transfer_cleanup(&t);
                free(form);
                return 1;
            }
            snprintf(msg, sizeof msg, "%s: %s", t.url, cm);
            k = DF_TX_TRANSIENT;
        }
        df_transfer_cleanup(&t);
        if (k == DF_TX_REFUSED || !df_backoff_again(&backoff, attempt)) {
            df_errorf(err, "%s%s", msg, k == DF_TX_REFUSED ? "" : " (gave up after all attempts)");
            free(form);
            return 1;
        }
        usleep((useconds_t)df_backoff_delay_ms(&backoff, attempt) * 1000);
    }
}

int df_catalog_pull(df_client *c, df_journal *j, const df_profile *p, const df_retry *retry,
                    df_pull_result res[DF_MAX_CATALOGS], int *nres, df_error *err)
{
    *nres = 0;
    for (int i = 0; i < p->ncatalogs; i++) {
        int rc = pull_one(c, j, p, &p->catalogs[i], retry, &res[i], err);
        if (rc != 0)
            return df_error_prefix(err, "catalog %s", p->catalogs[i].name) == -1 ? rc : rc;
        (*nres)++;
    }
    return 0;
}
