/* workspace/lock.h — one drugflow process at a time in a workspace.
 *
 * `run`, `upload`, `status` and `catalog pull` hold an exclusive flock on
 * WORKSPACE/drugflow.lock for as long as they work, so that two of them can
 * never send the same chunk or interleave their journal changes. The file
 * holds the holder's pid and command for the message a second process
 * gets; the kernel releases the lock when the holder exits, however it
 * ends (even killed), so a stale file never blocks anyone. */
#ifndef DF_WORKSPACE_LOCK_H
#define DF_WORKSPACE_LOCK_H

#include "base/error.h"

typedef struct df_workspace_lock {
    int fd;   /* -1: not held */
} df_workspace_lock;

/* Takes the lock, waiting up to wait_s seconds (0: not at all) for the
 * holder to finish. -1 with err "workspace W is locked by pid N (drugflow
 * run)" when it is still held. what names this process ("run"). */
int df_workspace_lock_take(df_workspace_lock *l, const char *workspace, const char *what, long wait_s,
                           df_error *err);
void df_workspace_lock_release(df_workspace_lock *l);

#endif
