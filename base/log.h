/* base/log.h — what drugflow says on standard error.
 *
 * On a terminal, messages are written as they are ("drugflow: …"), with
 * progress bars. Anywhere else — a log file, journald under systemd, cron's
 * mail — every line of standard error is prefixed with the local time, the
 * program and its pid, and a level, so that a month-end job's log reads
 * well and can be searched:
 *
 *     2026-12-01T02:00:03.517+08:00 drugflow[4242] error: sale.csv: …
 *
 * Lines written with plain fprintf(stderr, …) are "info"; df_log_error and
 * df_log_warn mark theirs; df_log_debug writes only with -v (df_log_verbose).
 * The prefixing stream replaces stderr (a glibc stream of our own over fd
 * 2, line-buffered), so every part of the program gets it. */
#ifndef DF_BASE_LOG_H
#define DF_BASE_LOG_H

#include <stdio.h>

/* -v given (once or more): debug lines, and per-item progress lines even
 * when standard error is not a terminal. Set by base/cmdline.h. */
extern int df_log_verbose;

/* Once, first thing in main(): prefixed lines when stderr is not a terminal. */
void df_log_setup(const char *prog);
/* 1 when standard error is a terminal (messages as they are). */
int df_log_on_terminal(void);

void df_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void df_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void df_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error, already naming the program and command. */
void df_log_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where per-item progress lines go (uploads, results): stderr on a
 * terminal or with -v, else NULL. */
FILE *df_log_progress(void);

#endif
