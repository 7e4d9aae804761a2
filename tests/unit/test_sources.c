/* tests/unit/test_sources.c — a batch's inputs in the journal and in the
 * provenance file: a workbook's sheet kept with its input, a journal made
 * before the sheet column read and extended in place, and provenance
 * files of either form imported. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workspace/journal_db.h"
#include "workspace/sources.h"

static char dir[] = "/tmp/df-sources-XXXXXX";

static void setup(void)
{
    cr_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect(system(cmd) == 0);
}

static df_batch_sources two_inputs(void)
{
    df_batch_sources s = {.n = 2, .encoding = DF_ENC_GBK, .delimiter = ',', .quote = '"', .header = 1};
    s.inputs = calloc(2, sizeof *s.inputs);
    cr_assert(s.inputs);
    snprintf(s.inputs[0].path, sizeof s.inputs[0].path, "a.csv");
    snprintf(s.inputs[0].abs_path, sizeof s.inputs[0].abs_path, "/x/a.csv");
    snprintf(s.inputs[1].path, sizeof s.inputs[1].path, "b.xlsx");
    snprintf(s.inputs[1].abs_path, sizeof s.inputs[1].abs_path, "/x/b.xlsx");
    s.inputs[1].workbook = 1;
    snprintf(s.inputs[1].sheet, sizeof s.inputs[1].sheet, "销售 明细");
    return s;
}

Test(sources, workbook_sheet_roundtrips_in_the_journal, .init = setup, .fini = teardown)
{
    df_journal *j;
    df_error err;
    cr_assert(df_journal_open(&j, dir, &err) == 0, "%s", err.msg);
    df_batch_sources s = two_inputs(), got;
    int found;
    cr_assert(df_sources_put(j, "B1", &s, &err) == 0, "%s", err.msg);
    cr_assert(df_sources_get(j, "B1", &got, &found, &err) == 0 && found, "%s", err.msg);
    cr_expect_eq(got.n, 2);
    cr_expect_eq(got.inputs[0].workbook, 0);
    cr_expect_str_eq(got.inputs[0].sheet, "");
    cr_expect_eq(got.inputs[1].workbook, 1);
    cr_expect_str_eq(got.inputs[1].sheet, "销售 明细");
    cr_expect_eq(got.encoding, DF_ENC_GBK);
    df_sources_free(&got);
    df_sources_free(&s);
    df_journal_close(j);
}

/* A journal whose batch_inputs table has the first form (no workbook,
 * no sheet): its rows read as CSV inputs, and new batches store sheets. */
Test(sources, old_journal_is_extended, .init = setup, .fini = teardown)
{
    df_journal *j;
    df_error err;
    cr_assert(df_journal_open(&j, dir, &err) == 0, "%s", err.msg);
    sqlite3 *db = df_journal_db_lock(j);
    cr_assert(sqlite3_exec(db,
                           "CREATE TABLE batch_inputs(batch TEXT NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL,"
                           " abs_path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, fingerprint"
                           " TEXT NOT NULL, encoding TEXT NOT NULL, delimiter INTEGER NOT NULL, quote INTEGER NOT"
                           " NULL, header INTEGER NOT NULL, skip_rows INTEGER NOT NULL, PRIMARY KEY(batch, idx));"
                           "INSERT INTO batch_inputs VALUES('OLD',0,'o.csv','/x/o.csv',10,20,'ff','UTF-8',44,34,1,2);",
                           NULL, NULL, NULL) == SQLITE_OK,
              "%s", sqlite3_errmsg(db));
    df_journal_db_unlock(j);
    df_batch_sources got, s = two_inputs();
    int found;
    cr_assert(df_sources_get(j, "OLD", &got, &found, &err) == 0 && found, "%s", err.msg);
    cr_expect_eq(got.n, 1);
    cr_expect_eq(got.inputs[0].workbook, 0);
    cr_expect_str_eq(got.inputs[0].sheet, "");
    cr_expect_eq(got.skip_rows, 2);
    df_sources_free(&got);
    cr_assert(df_sources_put(j, "NEW", &s, &err) == 0, "%s", err.msg);
    cr_assert(df_sources_get(j, "NEW", &got, &found, &err) == 0 && found, "%s", err.msg);
    cr_expect_str_eq(got.inputs[1].sheet, "销售 明细");
    df_sources_free(&got);
    df_sources_free(&s);
    df_journal_close(j);
}

static void import_file(const char *text, df_batch_sources *got)
{
    char path[64], ws[64];
    snprintf(path, sizeof path, "%s/p.provenance", dir);
    snprintf(ws, sizeof ws, "%s/ws", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    df_journal *j;
    df_error err;
    int found;
    cr_assert(df_journal_open(&j, ws, &err) == 0, "%s", err.msg);
    cr_assert(df_sources_import(j, path, &err) == 0, "%s", err.msg);
    cr_assert(df_sources_get(j, "C1", got, &found, &err) == 0 && found, "%s", err.msg);
    df_journal_close(j);
}

/* Saved and imported: the workbook line after its input; a workbook on
 * its first sheet has no sheet field. */
Test(sources, provenance_file_keeps_the_sheet, .init = setup, .fini = teardown)
{
    df_batch_sources s = two_inputs(), got;
    s.inputs[1].sheet[0] = 0;
    df_error err;
    char path[64];
    snprintf(path, sizeof path, "%s/.C1.provenance", dir);
    cr_assert(df_sources_save(path, "C1", &s, 0, NULL, NULL, &err) == 0, "%s", err.msg);
    FILE *f = fopen(path, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    cr_expect(strstr(text, "\nworkbook\t1\n") != NULL, "%s", text);
    cr_expect(strstr(text, "workbook\t0") == NULL, "%s", text);
    import_file(text, &got);
    cr_expect_eq(got.inputs[0].workbook, 0);
    cr_expect_eq(got.inputs[1].workbook, 1);
    cr_expect_str_eq(got.inputs[1].sheet, "");
    df_sources_free(&got);
    df_sources_free(&s);
}

Test(sources, provenance_files_of_either_form_import, .init = setup, .fini = teardown)
{
    df_batch_sources got;
    import_file("drugflow-provenance\t1\tC1\ndialect\tUTF-8\t44\t34\t1\t0\n"
                "input\ta.csv\t/x/a.csv\t1\t2\t-\n"
                "input\tb.xlsx\t/x/b.xlsx\t1\t2\t-\nworkbook\t1\t第二 页\n",
                &got);
    cr_expect_eq(got.n, 2);
    cr_expect_eq(got.inputs[0].workbook, 0);
    cr_expect_eq(got.inputs[1].workbook, 1);
    cr_expect_str_eq(got.inputs[1].sheet, "第二 页");
    df_sources_free(&got);
    /* a file written before workbooks: every input a CSV */
    import_file("drugflow-provenance\t1\tC1\ndialect\tGBK\t59\t34\t1\t3\ninput\ta.csv\t/x/a.csv\t1\t2\tab\n", &got);
    cr_expect_eq(got.n, 1);
    cr_expect_eq(got.inputs[0].workbook, 0);
    cr_expect_eq(got.skip_rows, 3);
    df_sources_free(&got);
}
