/* mapping/row_filter.c — matching rows against skip_if filters; see row_filter.h. */
#include "mapping/row_filter.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mapping/transform.h"

/* glibc's regex reads multibyte characters by the thread's LC_CTYPE: a
 * UTF-8 locale object, set around regcomp and regexec with uselocale (a
 * per-thread switch), makes "[合小]计" and "." mean characters. */
static locale_t utf8_locale = (locale_t)0;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void open_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!utf8_locale)
        utf8_locale = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
}

static locale_t enter_utf8(void)
{
    pthread_once(&utf8_once, open_utf8_locale);
    return utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
}

static void leave_utf8(locale_t old)
{
    if (old)
        uselocale(old);
}

int df_row_filter_compile(df_row_filter *f, const char *pattern, char *why, size_t cap)
{
    df_row_filter_free(f);
    snprintf(f->pattern, sizeof f->pattern, "%s", pattern);
    locale_t old = enter_utf8();
    int rc = 0;
    for (int i = 0; i < DF_ROW_FILTER_COPIES && rc == 0; i++) {
        int e = regcomp(&f->re[i], pattern, REG_EXTENDED | REG_NOSUB);
        if (e != 0) {
            regerror(e, &f->re[i], why, cap);
            while (--i >= 0)
                regfree(&f->re[i]);
            rc = -1;
        }
    }
    leave_utf8(old);
    f->compiled = rc == 0;
    return rc;
}

void df_row_filter_free(df_row_filter *f)
{
    if (f->compiled)
        for (int i = 0; i < DF_ROW_FILTER_COPIES; i++)
            regfree(&f->re[i]);
    f->compiled = 0;
}

/* Which copy of each regex this thread uses: threads take them in turn. */
static int thread_copy(void)
{
    static unsigned next;
    static _Thread_local int mine = -1;
    if (mine < 0)
        mine = (int)(__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % DF_ROW_FILTER_COPIES);
    return mine;
}

static int blank(const char *s, size_t len)
{
    df_trim(&s, &len);
    return len == 0;
}

static int holds(const df_row_filter *f, const char *const *fields, const size_t *lens, int nfields)
{
    if (f->kind == DF_RF_EMPTY_ROW) {
        for (int i = 0; i < nfields; i++)
            if (!blank(fields[i], lens[i]))
                return 0;
        return 1;
    }
    const char *s = f->column >= 0 && f->column < nfields ? fields[f->column] : "";
    size_t len = f->column >= 0 && f->column < nfields ? lens[f->column] : 0;
    df_trim(&s, &len);
    if (f->kind == DF_RF_EMPTY_COLUMN)
        return len == 0;
    /* REG_STARTEND: the field's bounds come in pm[0], no NUL needed, no copy. */
    regmatch_t pm[1] = {{.rm_so = 0, .rm_eo = (regoff_t)len}};
    locale_t old = enter_utf8();
    int r = regexec(&f->re[thread_copy()], len ? s : "", 1, pm, REG_STARTEND);
    leave_utf8(old);
    return r == 0;
}

int df_row_filter_skip(const df_mapping *m, const char *const *fields, const size_t *lens, int nfields,
                       int *which)
{
    for (int i = 0; i < m->nfilters; i++)
        if (holds(&m->filters[i], fields, lens, nfields)) {
            if (which)
                *which = i;
            return 1;
        }
    return 0;
}

void df_row_filter_describe(const df_mapping *m, int which, char *out, size_t cap)
{
    if (which < 0 || which >= m->nfilters) {
        snprintf(out, cap, "skip_if");
        return;
    }
    const df_row_filter *f = &m->filters[which];
    if (f->kind == DF_RF_EMPTY_ROW)
        snprintf(out, cap, "skip_if at %s:%d:%d (an empty row)", m->path, f->line, f->col);
    else if (f->kind == DF_RF_EMPTY_COLUMN)
        snprintf(out, cap, "skip_if at %s:%d:%d (%s empty)", m->path, f->line, f->col, f->column_name);
    else
        snprintf(out, cap, "skip_if at %s:%d:%d (%s matches %s)", m->path, f->line, f->col, f->column_name,
                 f->pattern);
}
