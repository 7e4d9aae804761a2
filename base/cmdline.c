/* base/cmdline.c — option tables to getopt_long and --help; see cmdline.h. */
#include "base/cmdline.h"

#include "base/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTS 128

typedef struct flat {
    const df_opt *o[MAX_OPTS];
    int n;
} flat;

static void flatten(const df_opt *t, flat *f)
{
    for (; t && t->type != DF_ARG_END; t++) {
        if (t->type == DF_ARG_GROUP)
            flatten(t->group, f);
        else if (f->n < MAX_OPTS)
            f->o[f->n++] = t;
    }
}

static int takes_arg(const df_opt *o)
{
    return o->type != DF_ARG_FLAG;
}

int df_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -1;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ULL * 1024 * 1024, end++;
    if (mul > 1 && *end == 'i')
        end++;
    if (*end == 'B')
        end++;
    if (*end || (mul > 1 && v > UINT64_MAX / mul))
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

int df_parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max || s[0] == ' ')
        return -1;
    *out = v;
    return 0;
}

int df_cmdline_usage_error(const df_command_spec *spec, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    df_log_usage("%s %s: %s\nTry '%s %s --help'.", spec->prog, spec->name, msg, spec->prog, spec->name);
    return DF_CMDLINE_USAGE;
}

static int in_choices(const char *choices, const char *v)
{
    size_t l = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == l && !strncmp(p, v, n))
            return 1;
        p += n + (bar != NULL);
    }
    return 0;
}

static void range_text(const df_opt *o, char *buf, size_t n)
{
    if (o->type == DF_ARG_SIZE)
        snprintf(buf, n, "a size from %lld to %lld bytes (K, M, G suffixes)", o->min, o->max);
    else
        snprintf(buf, n, "%lld to %lld", o->min, o->max);
}

/* Stores the value of one option; a usage error on a bad value. */
static int store(const df_command_spec *spec, const df_opt *o, const char *arg)
{
    char why[256];
    switch (o->type) {
    case DF_ARG_FLAG: *(int *)o->dest = o->value ? o->value : 1; return 0;
    case DF_ARG_STRING:
        if (o->check && o->check(arg, why, sizeof why) != 0)
            return df_cmdline_usage_error(spec, "--%s '%s' %s", o->name, arg, why);
        *(const char **)o->dest = arg;
        return 0;
    case DF_ARG_INT: {
        long long v;
        if (df_parse_long(arg, o->min, o->max, &v) != 0) {
            range_text(o, why, sizeof why);
            return df_cmdline_usage_error(spec, "--%s takes %s, not '%s'", o->name, why, arg);
        }
        *(long *)o->dest = (long)v;
        return 0;
    }
    case DF_ARG_SIZE: {
        uint64_t v;
        if (df_parse_size(arg, &v) != 0 || v < (uint64_t)o->min || v > (uint64_t)o->max) {
            range_text(o, why, sizeof why);
            return df_cmdline_usage_error(spec, "--%s takes %s, not '%s'", o->name, why, arg);
        }
        *(uint64_t *)o->dest = v;
        return 0;
    }
    case DF_ARG_DOUBLE: {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (end == arg || *end || errno || v < (double)o->min || v > (double)o->max)
            return df_cmdline_usage_error(spec, "--%s takes a number from %lld to %lld, not '%s'", o->name, o->min,
                                          o->max, arg);
        *(double *)o->dest = v;
        return 0;
    }
    case DF_ARG_CHOICE:
        if (!in_choices(o->choices, arg))
            return df_cmdline_usage_error(spec, "--%s takes one of %s, not '%s'", o->name, o->choices, arg);
        *(const char **)o->dest = arg;
        return 0;
    case DF_ARG_LIST: {
        df_arg_list *l = o->dest;
        if (l->n >= DF_ARG_LIST_MAX)
            return df_cmdline_usage_error(spec, "--%s is given more than %d times", o->name, DF_ARG_LIST_MAX);
        l->v[l->n++] = arg;
        return 0;
    }
    default: return df_cmdline_usage_error(spec, "internal error: option --%s has no type", o->name);
    }
}

int df_cmdline_parse(const df_command_spec *spec, int argc, char **argv, int *first_operand)
{
    flat f = {.n = 0};
    flatten(spec->opts, &f);
    struct option lo[MAX_OPTS + 3];
    char shorts[3 * MAX_OPTS + 4] = "";
    size_t sl = 0;
    for (int i = 0; i < f.n; i++) {
        lo[i] = (struct option){f.o[i]->name, takes_arg(f.o[i]) ? required_argument : no_argument, NULL, 256 + i};
        if (f.o[i]->short_name) {
            shorts[sl++] = f.o[i]->short_name;
            if (takes_arg(f.o[i]))
                shorts[sl++] = ':';
        }
    }
    int nlo = f.n;
    lo[nlo++] = (struct option){"help", no_argument, NULL, 'h'};
    shorts[sl++] = 'h';
    if (!spec->no_verbose) {
        lo[nlo++] = (struct option){"verbose", no_argument, NULL, 'v'};
        shorts[sl++] = 'v';
    }
    lo[nlo] = (struct option){0, 0, 0, 0};
    shorts[sl] = 0;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const df_opt *o = NULL;
        if (c == 'h') {
            df_cmdline_help(spec, stdout);
            return DF_CMDLINE_HELP;
        }
        if (c == 'v' && !spec->no_verbose) {
            df_log_verbose++;
            continue;
        }
        if (c >= 256 && c < 256 + f.n)
            o = f.o[c - 256];
        for (int i = 0; !o && c != '?' && c != ':' && i < f.n; i++)
            if (f.o[i]->short_name == c)
                o = f.o[i];
        if (!o) {
            const char *bad = argv[optind - 1];
            if (optopt && optopt < 256)
                return df_cmdline_usage_error(spec, "unknown option or missing argument: -%c", optopt);
            return df_cmdline_usage_error(spec, "unknown option or missing argument: %s", bad);
        }
        if (store(spec, o, optarg) != 0)
            return DF_CMDLINE_USAGE;
    }
    int nops = argc - optind;
    if (nops < spec->min_operands)
        return df_cmdline_usage_error(spec, "%s", spec->operands_missing ? spec->operands_missing
                                                                          : "an argument is missing");
    if (spec->max_operands >= 0 && nops > spec->max_operands)
        return df_cmdline_usage_error(spec, "unexpected argument '%s'", argv[optind + spec->max_operands]);
    *first_operand = optind;
    return DF_CMDLINE_OK;
}

static void help_line(FILE *f, const df_opt *o)
{
    char left[96];
    int l = o->short_name ? snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name)
                          : snprintf(left, sizeof left, "      --%s", o->name);
    if (takes_arg(o) && l > 0 && (size_t)l < sizeof left)
        snprintf(left + l, sizeof left - (size_t)l, " %s",
                 o->arg ? o->arg : o->type == DF_ARG_INT || o->type == DF_ARG_SIZE ? "N" : "VALUE");
    const char *h = o->help ? o->help : "";
    if (strlen(left) > 27)
        fprintf(f, "%s\n%-28s", left, "");
    else
        fprintf(f, "%-28s", left);
    for (; *h; h++) {
        fputc(*h, f);
        if (*h == '\n' && h[1])
            fprintf(f, "%-28s", "");
    }
    fputc('\n', f);
}

static void help_table(FILE *f, const df_opt *t)
{
    for (; t && t->type != DF_ARG_END; t++) {
        if (t->section)
            fprintf(f, "%s\n", t->section);
        if (t->type == DF_ARG_GROUP)
            help_table(f, t->group);
        else
            help_line(f, t);
    }
}

void df_cmdline_help(const df_command_spec *spec, FILE *f)
{
    fprintf(f, "usage: %s %s %s\n", spec->prog, spec->name, spec->usage ? spec->usage : "[OPTIONS]");
    if (spec->about)
        fprintf(f, "\n%s", spec->about);
    fputc('\n', f);
    help_table(f, spec->opts);
    if (!spec->no_verbose)
        fprintf(f, "  -v, --verbose             more on standard error: what is read and where, every upload\n"
                   "                            and result, even when standard error is not a terminal\n");
    fprintf(f, "  -h, --help                this text\n");
    if (spec->epilog)
        fprintf(f, "\n%s", spec->epilog);
}
