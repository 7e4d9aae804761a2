/* base/cmdline.h — command lines from a declarative option table.
 *
 * A command lists its options once, each with its name, short letter,
 * type, range or choices, destination and one help line; the same table
 * drives getopt_long parsing, the range checks with their messages, and
 * the --help text, so that the help can never forget an option. Shared
 * option sets (the network options, the key options) are tables of their
 * own, included with DF_ARG_GROUP. -h/--help is added to every command.
 *
 * Usage errors print "PROG CMD: what is wrong" and "Try 'PROG CMD --help'."
 * on stderr. Both drugflow and drugflow-sim parse their command lines here. */
#ifndef DF_BASE_CMDLINE_H
#define DF_BASE_CMDLINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    DF_ARG_END = 0,
    DF_ARG_FLAG,     /* int *: set to .value (1 when .value is 0) */
    DF_ARG_STRING,   /* const char **: the argument as given; .check may refuse it */
    DF_ARG_INT,      /* long *: a whole number in [min, max] */
    DF_ARG_SIZE,     /* uint64_t *: a size with K/M/G suffix, in [min, max] */
    DF_ARG_DOUBLE,   /* double *: a number in [min, max] */
    DF_ARG_CHOICE,   /* const char **: one of .choices ("a|b|c") */
    DF_ARG_LIST,     /* df_arg_list *: repeatable, every value kept */
    DF_ARG_GROUP,    /* .group: another table, inlined here */
} df_arg_type;

#define DF_ARG_LIST_MAX 64
typedef struct df_arg_list {
    int n;
    const char *v[DF_ARG_LIST_MAX];
} df_arg_list;

typedef struct df_opt {
    const char *name;       /* long name, without -- */
    char short_name;        /* 0: none */
    df_arg_type type;
    void *dest;
    const char *arg;        /* what the help calls the argument: FILE, N */
    const char *help;       /* one line; "\n" continues it on the next */
    long long min, max;     /* INT, SIZE, DOUBLE */
    const char *choices;    /* CHOICE */
    int value;              /* FLAG */
    /* STRING: 0 if acceptable, else -1 with why filled ("is not YYYY-MM"). */
    int (*check)(const char *value, char *why, size_t n);
    const struct df_opt *group;
    const char *section;    /* a heading printed before this option in --help */
} df_opt;

typedef struct df_command_spec {
    const char *prog;       /* "drugflow" */
    const char *name;       /* "convert", "catalog pull" */
    const char *usage;      /* what follows "usage: PROG NAME " */
    const char *about;      /* the paragraphs after the usage line */
    const df_opt *opts;     /* ends with an entry of type DF_ARG_END */
    const char *epilog;     /* after the options (exit status) */
    int min_operands, max_operands; /* -1: no limit */
    const char *operands_missing;   /* message when too few operands */
    int no_verbose;                 /* no -v/--verbose (which every command has otherwise) */
} df_command_spec;

enum { DF_CMDLINE_OK = 0, DF_CMDLINE_HELP = 1, DF_CMDLINE_USAGE = 2 };

/* Parses argv (argv[0] is the command's name). DF_CMDLINE_OK with
 * *first_operand set; DF_CMDLINE_HELP after printing --help on stdout;
 * DF_CMDLINE_USAGE after printing the error on stderr. */
int df_cmdline_parse(const df_command_spec *spec, int argc, char **argv, int *first_operand);
/* Writes the --help text. */
void df_cmdline_help(const df_command_spec *spec, FILE *f);
/* Prints a usage error in the command's style; returns DF_CMDLINE_USAGE. */
int df_cmdline_usage_error(const df_command_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The number parsers the table uses, for other callers. */
int df_parse_size(const char *s, uint64_t *out);
int df_parse_long(const char *s, long long min, long long max, long long *out);

#endif
