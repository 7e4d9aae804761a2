/* base/error.h — how every drugflow function that can fail reports why.
 *
 * A function returns 0 on success and -1 on failure, after filling a
 * df_error with one human-readable message that carries its context
 * (file, line, column, what is wrong, what to do). Callers add context by
 * prefixing (df_error_prefix) rather than replacing the message. */
#ifndef DF_BASE_ERROR_H
#define DF_BASE_ERROR_H

#include <stddef.h>

typedef struct df_error {
    char msg[2048];
} df_error;

/* Sets the message (printf-style) and returns -1, so that a failing
 * function can `return df_errorf(err, ...)`. err may be NULL. */
int df_errorf(df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the existing message with more context: "ctx: old". Returns -1. */
int df_error_prefix(df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like df_errorf, appending ": strerror(errno)" for the current errno. */
int df_error_errno(df_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
