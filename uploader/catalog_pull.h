/* uploader/catalog_pull.h — `drugflow catalog pull`: the enterprise's
 * catalogs from the server into the workspace journal, incrementally.
 *
 * Each catalog of the profile is asked for with since = the version the
 * journal holds (0 the first time); the answer is parsed as a stream
 * (answer.h) and its ADD/UPDATE/DELETE changes are applied together with
 * the new version in one transaction, so a failure leaves the previous
 * catalog intact. Transient failures are retried with backoff. */
#ifndef DF_UPLOADER_CATALOG_PULL_H
#define DF_UPLOADER_CATALOG_PULL_H

#include "base/backoff.h"
#include "base/error.h"
#include "mapping/profile.h"
struct df_client;
#include "workspace/journal.h"

typedef struct df_pull_result {
    char name[DF_NAME_MAX];
    long long old_version, new_version;
    long long added, updated, deleted;
    long long entries;     /* held after the pull */
} df_pull_result;

/* Returns 0 when every catalog was pulled, 1 when the server could not be
 * asked or refused (err says why; the journal is unchanged for that
 * catalog), -1 on a journal error. */
int df_catalog_pull(struct df_client *c, df_journal *j, const df_profile *p, const df_retry *retry,
                    df_pull_result res[DF_MAX_CATALOGS], int *nres, df_error *err);

/* The entry (profile `entries`) serving a catalog of the profile, or NULL. */
const char *df_catalog_entry(const df_profile *p, const df_catalog_def *def);

#endif
