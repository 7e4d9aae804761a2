/* cli/main.c — drugflow's entry point: dispatches to one file per subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "writer/chunk.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"convert", cmd_convert, "ERP CSV exports to validated, chunked (signed) XML data files"},
    {"verify", cmd_verify, "verify the signatures of data files against a trusted CA"},
    {"run", cmd_run, "convert, sign, upload and wait for the results, pipelined"},
    {"upload", cmd_upload, "send the workspace's chunks not yet on the server, exactly once each"},
    {"status", cmd_status, "the server's results per chunk; server-errors.csv"},
    {"catalog", cmd_catalog, "catalog pull: the enterprise's catalogs into the workspace"},
    {"config", cmd_config, "config check: what is wrong before a batch starts"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: drugflow COMMAND [OPTIONS] [ARGS]\n\n"
               "Reports drug-distribution data to the Guangdong supervision system's enterprise data\n"
               "collection interface.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'drugflow COMMAND --help' describes each command.\n\n" DF_EXIT_CODES_HELP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return DF_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return DF_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("drugflow 0.1\n");
        return DF_EXIT_OK;
    }
    /* Past a file-size limit (ulimit -f), write() fails with EFBIG and the
     * error is reported and cleaned up like a full disk, instead of SIGXFSZ
     * killing the process with temporary files left behind. */
    signal(SIGXFSZ, SIG_IGN);
    df_xml_init();
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            int rc = commands[i].run(argc - 1, argv + 1);
            df_xml_cleanup();
            return rc;
        }
    }
    fprintf(stderr, "drugflow: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return DF_EXIT_USAGE;
}
