/* tests/unit/test_status.c — server-errors.csv holds what the server sent,
 * which may be hostile: opened in Excel no cell runs and no code loses
 * digits; the raw format keeps every value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv_write.h"
#include "report/server_errors.h"
#include "uploader/status.h"

static char st_ws[64];

static void st_read(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    size_t l = fread(buf, 1, n - 1, f);
    buf[l] = 0;
    fclose(f);
}

Test(status, server_errors_csv_is_safe_in_excel_and_raw_on_request)
{
    snprintf(st_ws, sizeof st_ws, "/tmp/df-test-status-XXXXXX");
    cr_assert_not_null(mkdtemp(st_ws));
    df_journal *j;
    df_error err;
    cr_assert_eq(df_journal_open(&j, st_ws, &err), 0, "%s", err.msg);
    df_batch_info b = {.id = "B1", .doc_type = "SALE", .period = "2026-10", .created_at = "2026-11-01T02:00:00+08:00",
                       .chunk_records = 10, .chunk_bytes = 1 << 20};
    snprintf(b.out_dir, sizeof b.out_dir, "%s", st_ws);
    cr_assert_eq(df_journal_batch_put(j, &b, &err), 0, "%s", err.msg);
    df_chunk_row r = {.seq = 1, .records = 2, .bytes = 100, .state = DF_CS_SIGNED};
    snprintf(r.batch, sizeof r.batch, "B1");
    snprintf(r.name, sizeof r.name, "B1_00001.xml");
    snprintf(r.path, sizeof r.path, "%s/B1_00001.xml", st_ws);
    snprintf(r.sha256, sizeof r.sha256, "aa");
    cr_assert_eq(df_journal_chunk_put(j, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_state(j, r.id, DF_CS_UPLOADING, &err), 0, "%s", err.msg);
    cr_assert_eq(df_journal_set_uploaded(j, r.id, "F1", 0, &err), 0, "%s", err.msg);
    df_record_error e[2] = {{.seq = 1}, {.seq = 2}};
    snprintf(e[0].code, sizeof e[0].code, "@E_X");
    snprintf(e[0].message, sizeof e[0].message, "=HYPERLINK(\"http://x\",\"y\")");
    snprintf(e[1].code, sizeof e[1].code, "86900000000028");
    snprintf(e[1].message, sizeof e[1].message, "a code of digits");
    cr_assert_eq(df_journal_set_result(j, r.id, DF_CS_PARTIAL, 2, 0, 2, e, 2, &err), 0, "%s", err.msg);
    char path[128], buf[4096];
    snprintf(path, sizeof path, "%s/server-errors.csv", st_ws);
    df_server_errors se;
    cr_assert_eq(df_server_errors_load(j, "B1", &se, &err), 0, "%s", err.msg);
    cr_expect_eq(se.n, 2);
    cr_assert_eq(df_server_errors_write(&se, path, DF_CSV_EXCEL, &err), 0, "%s", err.msg);
    st_read(path, buf, sizeof buf);
    cr_expect(strstr(buf, ",'@E_X,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")") != NULL, "%s", buf);
    cr_expect(strstr(buf, ",\"=\"\"86900000000028\"\"\",") != NULL, "%s", buf);
    cr_assert_eq(df_server_errors_write(&se, path, DF_CSV_RAW, &err), 0, "%s", err.msg);
    df_server_errors_free(&se);
    st_read(path, buf, sizeof buf);
    cr_expect(strstr(buf, ",@E_X,\"=HYPERLINK(") != NULL, "%s", buf);
    cr_expect(strstr(buf, ",86900000000028,") != NULL, "%s", buf);
    df_journal_close(j);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", st_ws);
    cr_expect_eq(system(cmd), 0);
}
