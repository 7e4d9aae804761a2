/* report/fixlist.h — fixlist.csv: every input row the user must fix, from
 * both sides, in one list sorted by input file and line: the rows drugflow
 * rejected before sending (rejects.csv, streamed: it may hold millions)
 * and the records the server failed (server_errors.h, traced to their
 * rows). Columns: file, line, source (drugflow | server), reasons,
 * message, suggestion, chunk, record, FileId, then the row's original
 * fields. Chunks that failed as a whole are not rows to fix and stay in
 * server-errors.csv. UTF-8 with BOM, written atomically. */
#ifndef DF_REPORT_FIXLIST_H
#define DF_REPORT_FIXLIST_H

#include "base/error.h"
#include "base/path.h"
#include "report/server_errors.h"

typedef struct df_fixlist_counts {
    long long from_drugflow, from_server;
} df_fixlist_counts;

/* rejects_path may name a file that does not exist (no rows rejected yet). */
int df_fixlist_write(const df_server_errors *se, const char *rejects_path, const char *path, int format,
                     df_fixlist_counts *n,
                     df_error *err);

/* Both files of a batch's folder at once: DIR/server-errors.csv from the
 * journal, then DIR/fixlist.csv with DIR/rejects.csv. */
typedef struct df_fix_files {
    long long server_errors;      /* entries of server-errors.csv */
    long long unlisted;           /* failed records the server did not list */
    int whole_files;              /* chunks that failed as a whole */
    df_fixlist_counts fix;
    char server_errors_path[DF_PATH_MAX], fixlist_path[DF_PATH_MAX];
} df_fix_files;
int df_fix_files_write(df_journal *j, const char *batch, const char *dir, int format, df_fix_files *f, df_error *err);

/* Calls fn with each row of a fix list (or of rejects.csv, server-errors.csv):
 * the header row first (row 0), then the rows; cols/lens are the row's
 * fields. fn returning non-zero stops. For the report's first rows. */
typedef int (*df_fixlist_row_fn)(void *arg, long row, const char *const *cols, const size_t *lens, int n);
int df_fixlist_read(const char *path, df_fixlist_row_fn fn, void *arg, df_error *err);

#endif
