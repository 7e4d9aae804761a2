/* tests/unit/test_journal.c — the workspace journal: the chunk state machine,
 * one transaction per change, reruns that find the same bytes, catalogs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workspace/journal.h"

static char ws[256];

static df_journal *open_fresh(void)
{
    snprintf(ws, sizeof ws, "/tmp/df-test-journal-XXXXXX");
    cr_assert_not_null(mkdtemp(ws));
    df_journal *j;
    df_error err;
    cr_assert_eq(df_journal_open(&j, ws, &err), 0, "%s", err.msg);
    return j;
}

static void drop(df_journal *j)
{
    df_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", ws);
    cr_assert_eq(system(cmd), 0);
}

static long long add_chunk(df_journal *j, int seq, const char *sha)
{
    df_error err;
    df_batch_info b = {.id = "B1", .doc_type = "SALE", .period = "2026-10", .created_at = "2026-11-01T02:00:00+08:00",
                       .out_dir = "/tmp", .chunk_records = 10, .chunk_bytes = 1 << 20};
    cr_assert_eq(df_journal_batch_put(j, &b, &err), 0, "%s", err.msg);
    df_chunk_row r = {.seq = seq, .records = 10, .bytes = 100, .state = DF_CS_SIGNED};
    snprintf(r.batch, sizeof r.batch, "B1");
    snprintf(r.name, sizeof r.name, "B1_%05d.xml", seq);
    snprintf(r.path, sizeof r.path, "/tmp/B1_%05d.xml", seq);
    snprintf(r.sha256, sizeof r.sha256, "%s", sha);
    cr_assert_eq(df_journal_chunk_put(j, &r, &err), 0, "%s", err.msg);
    return r.id;
}

Test(journal, transitions_table)
{
    cr_assert(df_chunk_transition_ok(DF_CS_WRITTEN, DF_CS_SIGNED));
    cr_assert(df_chunk_transition_ok(DF_CS_SIGNED, DF_CS_UPLOADING));
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADING, DF_CS_UPLOADING)); /* resent after a crash */
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADING, DF_CS_UPLOADED));
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_PASSED));
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_PARTIAL));
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_FAILED));
    cr_assert(df_chunk_transition_ok(DF_CS_REFUSED, DF_CS_UPLOADING));
    cr_assert_not(df_chunk_transition_ok(DF_CS_SIGNED, DF_CS_UPLOADED)); /* never without sending */
    cr_assert_not(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_UPLOADING)); /* never twice */
    cr_assert_not(df_chunk_transition_ok(DF_CS_PASSED, DF_CS_UPLOADING));
    cr_assert_not(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_SIGNED));
    cr_assert_not(df_chunk_transition_ok(DF_CS_SIGNED, DF_CS_PASSED));
    for (int s = 0; s < DF_CS_COUNT; s++) {
        df_chunk_state back;
        cr_assert_eq(df_chunk_state_parse(df_chunk_state_name((df_chunk_state)s), &back), 0);
        cr_assert_eq((int)back, s);
    }
}

Test(journal, lifecycle_and_refusals)
{
    df_journal *j = open_fresh();
    df_error err;
    long long id = add_chunk(j, 1, "aa");
    cr_assert_neq(df_journal_set_uploaded(j, id, "F1", 0, &err), 0, "signed → uploaded must be refused");
    cr_assert(strstr(err.msg, "not allowed"));
    cr_assert_eq(df_journal_set_state(j, id, DF_CS_UPLOADING, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_attempt(j, id, "upload", "transient", 503, -1, "HTTP 503", &err), 0);
    cr_assert_eq(df_journal_set_uploaded(j, id, "F1", 0, &err), 0, "%s", err.msg);
    cr_assert_neq(df_journal_set_state(j, id, DF_CS_UPLOADING, &err), 0, "uploaded → uploading must be refused");
    df_record_error e[2] = {{17, "E_PARTNER_UNMATCHED", "x"}, {18, "E_NEGATIVE_QTY", "y"}};
    cr_assert_eq(df_journal_set_result(j, id, DF_CS_PARTIAL, 10, 8, 2, e, 2, &err), 0, "%s", err.msg);
    df_chunk_row r;
    int found;
    cr_assert_eq(df_journal_chunk_get(j, "B1", 1, &r, &found, &err), 0);
    cr_assert(found);
    cr_assert_eq(r.state, DF_CS_PARTIAL);
    cr_assert_str_eq(r.file_id, "F1");
    cr_assert_eq(r.failed, 2);
    cr_assert_eq(r.attempts, 1);

    long long id2 = add_chunk(j, 2, "bb");
    cr_assert_eq(df_journal_set_state(j, id2, DF_CS_UPLOADING, &err), 0);
    cr_assert_eq(df_journal_set_refused(j, id2, 2004, "archived", &err), 0, "%s", err.msg);
    /* a refused chunk has no FileId: a rerun sends it again */
    cr_assert_eq(df_journal_chunk_get(j, "B1", 2, &r, &found, &err), 0);
    cr_assert_eq(r.state, DF_CS_REFUSED);
    cr_assert_eq(r.code, 2004);
    drop(j);
}

static int count_cb(void *a, const df_chunk_row *r)
{
    (void)r;
    (*(int *)a)++;
    return 0;
}

Test(journal, rerun_same_bytes_keeps_fileid_other_bytes_refused)
{
    df_journal *j = open_fresh();
    df_error err;
    long long id = add_chunk(j, 1, "aa");
    cr_assert_eq(df_journal_set_state(j, id, DF_CS_UPLOADING, &err), 0);
    cr_assert_eq(df_journal_set_uploaded(j, id, "F1", 0, &err), 0);
    /* the same chunk written again by a rerun: nothing changes */
    df_chunk_row r = {.seq = 1, .state = DF_CS_SIGNED};
    snprintf(r.batch, sizeof r.batch, "B1");
    snprintf(r.name, sizeof r.name, "B1_00001.xml");
    snprintf(r.sha256, sizeof r.sha256, "aa");
    cr_assert_eq(df_journal_chunk_put(j, &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.file_id, "F1");
    cr_assert_eq(r.state, DF_CS_UPLOADED);
    /* other bytes for a confirmed chunk: refused */
    snprintf(r.sha256, sizeof r.sha256, "cc");
    r.state = DF_CS_SIGNED;
    cr_assert_neq(df_journal_chunk_put(j, &r, &err), 0);
    cr_assert(strstr(err.msg, "new"));
    /* an unconfirmed chunk may be rewritten */
    long long id2 = add_chunk(j, 2, "dd");
    cr_assert_eq(df_journal_set_state(j, id2, DF_CS_UPLOADING, &err), 0);
    long long id2b = add_chunk(j, 2, "dd");
    cr_assert_eq(id2, id2b);
    int n = 0;
    cr_assert_eq(df_journal_chunks(j, "B1", DF_JSEL_TO_UPLOAD, count_cb, &n, &err), 0);
    cr_assert_eq(n, 1);
    n = 0;
    cr_assert_eq(df_journal_chunks(j, NULL, DF_JSEL_TO_POLL, count_cb, &n, &err), 0);
    cr_assert_eq(n, 1);
    drop(j);
}

Test(journal, durable_across_reopen_and_batch_kept)
{
    df_journal *j = open_fresh();
    df_error err;
    add_chunk(j, 1, "aa");
    df_batch_info b2 = {.id = "B1", .doc_type = "SALE", .period = "2026-10", .created_at = "OTHER", .out_dir = "/x"};
    cr_assert_eq(df_journal_batch_put(j, &b2, &err), 0);
    df_journal_close(j);
    cr_assert_eq(df_journal_open(&j, ws, &err), 0, "%s", err.msg);
    df_batch_info b;
    int found;
    cr_assert_eq(df_journal_batch_get(j, "B1", &b, &found, &err), 0);
    cr_assert(found);
    cr_assert_str_eq(b.created_at, "2026-11-01T02:00:00+08:00", "a batch's CreatedAt never changes");
    drop(j);
}

Test(journal, catalogs_apply_in_one_transaction)
{
    df_journal *j = open_fresh();
    df_error err;
    df_profile *p = malloc(sizeof *p);
    cr_assert_eq(df_profile_load(p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    int pi = df_profile_catalog_index(p, "partner");
    const df_catalog_def *def = &p->catalogs[pi];
    const char *c1[] = {"甲公司", "CC1", "L1"}, *c2[] = {"乙公司", "CC2", "L2"};
    size_t l1[] = {strlen(c1[0]), 3, 2}, l2[] = {strlen(c2[0]), 3, 2};
    cr_assert_eq(df_journal_begin(j, &err), 0);
    cr_assert_eq(df_journal_catalog_apply(j, def, DF_CATOP_ADD, c1, l1, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_catalog_apply(j, def, DF_CATOP_ADD, c2, l2, &err), 0);
    cr_assert_eq(df_journal_catalog_set_version(j, "partner", 5, &err), 0);
    cr_assert_eq(df_journal_commit(j, &err), 0);
    /* a failed pull leaves everything as it was */
    cr_assert_eq(df_journal_begin(j, &err), 0);
    cr_assert_eq(df_journal_catalog_apply(j, def, DF_CATOP_DELETE, c1, l1, &err), 0);
    cr_assert_neq(df_journal_catalog_apply(j, def, (df_catalog_op)DF_CATOP_COUNT, c1, l1, &err), 0);
    df_journal_rollback(j);
    long long v, n;
    cr_assert_eq(df_journal_catalog_version(j, "partner", &v, &err), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(df_journal_catalog_count(j, "partner", &n, &err), 0);
    cr_assert_eq(n, 2);
    df_catalog_set set;
    df_catalog_set_init(&set, p);
    int loaded;
    cr_assert_eq(df_journal_load_catalogs(j, p, &set, &loaded, &err), 0, "%s", err.msg);
    cr_assert_eq(loaded, 1);
    const char *k[] = {"甲公司"};
    size_t kl[] = {strlen(k[0])};
    cr_assert(df_catalog_contains(&set.cat[pi], k, kl));
    cr_assert_not(set.cat[df_profile_catalog_index(p, "commodity")].loaded);
    df_catalog_set_free(&set);
    free(p);
    drop(j);
}

/* The same final result stored twice (a second poller, a repeated answer)
 * is accepted; a different result for a chunk already final is not. */
Test(journal, same_final_result_twice)
{
    df_journal *j = open_fresh();
    df_error err;
    long long id = add_chunk(j, 1, "aa");
    cr_assert_eq(df_journal_set_state(j, id, DF_CS_UPLOADING, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_uploaded(j, id, "F1", 0, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_result(j, id, DF_CS_PASSED, 10, 10, 0, NULL, 0, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_result(j, id, DF_CS_PASSED, 10, 10, 0, NULL, 0, &err), 0, "%s", err.msg);
    cr_assert_neq(df_journal_set_result(j, id, DF_CS_FAILED, 10, 0, 10, NULL, 0, &err), 0,
                  "PASSED → FAILED must be refused");
    drop(j);
}

/* A chunk the server already holds is adopted: uploaded with the server's
 * FileId without an upload, an attempt "reconcile/adopted" on record; never
 * a chunk that has a FileId already. */
Test(journal, adopt_what_the_server_holds)
{
    df_journal *j = open_fresh();
    df_error err;
    long long id = add_chunk(j, 1, "aa");
    cr_assert_eq(df_journal_adopt(j, id, "SRV1", &err), 0, "%s", err.msg);
    df_chunk_row r;
    int found;
    cr_assert_eq(df_journal_chunk_get(j, "B1", 1, &r, &found, &err), 0, "%s", err.msg);
    cr_expect_eq(r.state, DF_CS_UPLOADED);
    cr_expect_str_eq(r.file_id, "SRV1");
    cr_expect_eq(r.attempts, 1, "the adoption is on record");
    cr_expect_neq(df_journal_adopt(j, id, "SRV2", &err), 0, "adopted twice");
    long long id2 = add_chunk(j, 2, "bb");
    cr_assert_eq(df_journal_set_state(j, id2, DF_CS_UPLOADING, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_adopt(j, id2, "SRV2", &err), 0, "an upload whose answer was lost: %s", err.msg);
    drop(j);
}

/* A result that cannot be true is an ANOMALY, final, never PASSED; it can
 * also replace a final result when a second chunk turns up with its FileId. */
Test(journal, anomaly_is_final_and_never_passed)
{
    cr_assert(df_chunk_transition_ok(DF_CS_UPLOADED, DF_CS_ANOMALY));
    cr_assert(df_chunk_transition_ok(DF_CS_PASSED, DF_CS_ANOMALY));
    cr_assert(df_chunk_transition_ok(DF_CS_ANOMALY, DF_CS_ANOMALY));
    cr_assert_not(df_chunk_transition_ok(DF_CS_ANOMALY, DF_CS_PASSED));
    cr_assert_not(df_chunk_transition_ok(DF_CS_SIGNED, DF_CS_ANOMALY));
    cr_assert(df_chunk_state_final(DF_CS_ANOMALY));
    df_journal *j = open_fresh();
    df_error err;
    long long id = add_chunk(j, 1, "aa");
    cr_assert_eq(df_journal_set_state(j, id, DF_CS_UPLOADING, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_uploaded(j, id, "F1", 0, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_anomaly(j, id, 10, 11, -1, "negative counts", &err), 0, "%s", err.msg);
    cr_expect_neq(df_journal_set_result(j, id, DF_CS_PASSED, 10, 10, 0, NULL, 0, &err), 0, "ANOMALY → PASSED");
    df_chunk_row r;
    int found;
    cr_assert_eq(df_journal_chunk_get(j, "B1", 1, &r, &found, &err), 0, "%s", err.msg);
    cr_expect_eq(r.state, DF_CS_ANOMALY);
    cr_expect_str_eq(r.message, "negative counts");
    cr_expect_eq(r.failed, -1, "the server's claim is kept");
    drop(j);
}
