/* base/log.c — standard error as a log; see log.h. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int df_log_verbose;

static const char *g_prog = "drugflow";
static int g_prefixing;            /* stderr is our prefixing stream */
static int g_at_line_start = 1;
static const char *g_level = "info";

static void write_fd(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(2, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void write_prefix(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char when[40], zone[8], line[160];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm); /* +0800 */
    int n = snprintf(line, sizeof line, "%s.%03ld%.3s:%.2s %s[%ld] %s: ", when, (long)(tv.tv_usec / 1000), zone,
                     zone + 3, g_prog, (long)getpid(), g_level);
    if (n > 0)
        write_fd(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The stream's write: the prefix before every line. Called by stdio with
 * the stream locked, so a line and its prefix are never split by another
 * thread's output. */
static ssize_t prefixing_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    size_t i = 0;
    while (i < size) {
        if (g_at_line_start)
            write_prefix();
        const char *nl = memchr(buf + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : size - i;
        write_fd(buf + i, n);
        g_at_line_start = nl != NULL;
        i += n;
    }
    return (ssize_t)size;
}

int df_log_on_terminal(void)
{
    return !g_prefixing && isatty(2);
}

void df_log_setup(const char *prog)
{
    g_prog = prog;
    if (isatty(2) || g_prefixing)
        return;
    cookie_io_functions_t io = {.write = prefixing_write};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f)
        return; /* messages go out unprefixed: better than none */
    setvbuf(f, NULL, _IOLBF, 8192);
    stderr = f;
    g_prefixing = 1;
}

static void say(const char *level, int name_it, const char *fmt, va_list ap)
{
    flockfile(stderr);
    fflush(stderr);
    if (g_prefixing)
        g_level = level;
    else if (name_it)
        fprintf(stderr, "%s: %s", g_prog, strcmp(level, "error") ? "warning: " : "");
    vfprintf(stderr, fmt, ap);
    size_t l = strlen(fmt);
    if (!l || fmt[l - 1] != '\n')
        fputc('\n', stderr);
    fflush(stderr);
    g_level = "info";
    funlockfile(stderr);
}

void df_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("error", 1, fmt, ap);
    va_end(ap);
}

void df_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("warning", 1, fmt, ap);
    va_end(ap);
}

void df_log_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("error", 0, fmt, ap);
    va_end(ap);
}

void df_log_debug(const char *fmt, ...)
{
    if (!df_log_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    say("debug", 0, fmt, ap);
    va_end(ap);
}

FILE *df_log_progress(void)
{
    return df_log_on_terminal() || df_log_verbose ? stderr : NULL;
}
