/* workspace/journal_db.h — the journal's SQLite connection, for the
 * workspace's own files that keep tables of their own in journal.sqlite
 * (sources.c). Not for use outside workspace/: everything else goes
 * through journal.h. */
#ifndef DF_WORKSPACE_JOURNAL_DB_H
#define DF_WORKSPACE_JOURNAL_DB_H

#include <sqlite3.h>
#include "workspace/journal.h"

/* Takes the journal's lock and returns its connection; every call is
 * paired with df_journal_db_unlock. */
sqlite3 *df_journal_db_lock(df_journal *j);
void df_journal_db_unlock(df_journal *j);

#endif
