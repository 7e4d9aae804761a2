/* cli/mapping_cmd.c — `drugflow mapping init`: a draft mapping from an
 * export's header and a sample of its rows (mapping/wizard.h), checked by
 * loading it the way convert will. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/json.h"
#include "cli/cli.h"
#include "converter/sniff.h"
#include "mapping/wizard.h"

typedef struct init_args {
    const char *doc_type, *out, *dictionary, *profile, *config, *sheet;
    long rows;
    int force, json;
} init_args;

/* The draft loads as a mapping and binds to the export's header, as convert will. */
static int check_draft(const char *text, size_t len, const df_profile *p, const df_sample *s, int hdr,
                       const char *export_path, df_error *err)
{
    char tmp[] = "/tmp/drugflow-draft-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0 || df_write_all(fd, text, len) != 0) {
        if (fd >= 0)
            close(fd), unlink(tmp);
        return df_error_errno(err, "cannot check the draft in %s", tmp);
    }
    close(fd);
    static df_mapping m;
    const df_sample_row *h = &s->rows[hdr];
    const char **names = calloc((size_t)h->n + 1, sizeof *names);
    size_t *lens = calloc((size_t)h->n + 1, sizeof *lens);
    int rc = names && lens ? df_mapping_load(&m, p, tmp, err) : df_errorf(err, "out of memory");
    if (rc == 0) {
        for (int i = 0; i < h->n; i++)
            names[i] = h->cells[i], lens[i] = strlen(h->cells[i]);
        rc = df_mapping_bind_header(&m, export_path, h->line, names, lens, h->n, err);
        df_mapping_free(&m);
    }
    free(names);
    free(lens);
    unlink(tmp);
    return rc;
}

static void print_json(const init_args *a, const df_sample *s, const df_doctype *dt, const df_wizard_result *r,
                       const char *export_path, int rc)
{
    printf("{");
    df_json_version(stdout);
    printf("\"doc_type\": \"%s\", \"export\": ", dt->code);
    df_json_str(stdout, export_path);
    printf(", \"encoding\": \"%s\", \"delimiter\": ", df_encoding_name(s->encoding));
    df_json_string(stdout, &s->delimiter, 1);
    printf(", \"skip_rows\": %d, \"fields\": [", r->header_row);
    for (int i = 0, n = 0; i < dt->nfields; i++) {
        const df_wizard_field *f = &r->fields[i];
        printf("%s{\"field\": \"%s\", \"required\": %s, \"column\": %d, \"header\": ", n++ ? ", " : "",
               dt->fields[i]->name, dt->fields[i]->required ? "true" : "false", f->column + 1);
        df_json_str(stdout, f->column >= 0 ? s->rows[r->header_row].cells[f->column] : NULL);
        printf(", \"guess\": %s}", f->partial ? "true" : "false");
    }
    printf("], \"missing_required\": ");
    df_json_str(stdout, r->missing_required);
    printf(", \"unused_columns\": ");
    df_json_str(stdout, r->unused_columns);
    printf(", \"output\": ");
    df_json_str(stdout, a->out);
    printf(", \"exit\": %d}\n", rc);
}

static int write_out(const init_args *a, const char *text, size_t len, df_error *err)
{
    if (!a->out) {
        fwrite(text, 1, len, stdout);
        return fflush(stdout) == 0 ? 0 : df_error_errno(err, "cannot write the draft to stdout");
    }
    return df_atomic_write_file(a->out, text, len, err);
}

static int run_init(const init_args *a, const char *export_path)
{
    static df_config cfg;
    static df_profile prof;
    static df_sample s;
    df_wizard_dict dict;
    df_error err;
    char profile[DF_PATH_MAX], dpath[DF_PATH_MAX];
    if (a->out && !a->force && access(a->out, F_OK) == 0) {
        fprintf(stderr, "drugflow mapping init: %s exists: choose another --out, or --force to replace it\n", a->out);
        return DF_EXIT_USAGE;
    }
    if (df_config_load(&cfg, a->config, &err) != 0 ||
        df_config_profile_path(&cfg, a->profile, profile, sizeof profile, &err) != 0 ||
        df_profile_load(&prof, profile, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    const df_doctype *dt = df_profile_doctype(&prof, a->doc_type);
    if (!dt) {
        char list[512] = "";
        for (int i = 0; i < prof.ndoctypes; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", prof.doctypes[i].code);
        fprintf(stderr, "drugflow mapping init: unknown document type '%s' (the profile has: %s)\n", a->doc_type, list);
        return DF_EXIT_USAGE;
    }
    if (a->dictionary)
        snprintf(dpath, sizeof dpath, "%s", a->dictionary);
    else if (df_find_shipped("wizard/erp-headers.yaml", dpath, sizeof dpath) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &(df_error){.msg = "the shipped header dictionary "
                                                               "wizard/erp-headers.yaml is missing: give --dictionary FILE"});
    if (df_wizard_dict_load(&dict, &prof, dpath, &err) != 0)
        return df_cli_fail(DF_EXIT_USAGE, &err);
    int rc = DF_EXIT_USAGE;
    char *text = NULL;
    size_t len = 0;
    df_wizard_result r;
    FILE *mem = open_memstream(&text, &len);
    if (!mem || df_sniff_export(export_path, a->sheet, (int)a->rows + 30, &s, &err) != 0) {
        df_cli_fail(DF_EXIT_USAGE, mem ? &err : &(df_error){.msg = "out of memory"});
    } else if (df_wizard_draft(&s, &dict, dt, export_path, mem, &r, &err) != 0 || fflush(mem) != 0) {
        df_cli_fail(DF_EXIT_USAGE, &err);
    } else if (!r.required_missing && check_draft(text, len, &prof, &s, r.header_row, export_path, &err) != 0) {
        fprintf(stderr, "drugflow mapping init: internal error: the draft does not load: %s\n", err.msg);
        rc = DF_EXIT_FATAL;
    } else if (write_out(a, text, len, &err) != 0) {
        rc = df_cli_fail(DF_EXIT_FATAL, &err);
    } else {
        rc = r.required_missing ? DF_EXIT_REJECTED : DF_EXIT_OK;
        fprintf(stderr, "drugflow mapping init: %s: %d of %d fields matched to columns%s%s%s; draft %s%s\n",
                dt->code, r.matched, dt->nfields, r.required_missing ? "; REQUIRED without a column: " : "",
                r.missing_required, r.unused_columns[0] ? "; some columns unused (see the draft's end)" : "",
                a->out ? "written to " : "on stdout", a->out ? a->out : "");
        fprintf(stderr, "check every guess in it, then: drugflow convert --mapping %s --dry-run --limit 20 %s\n",
                a->out ? a->out : "DRAFT.yaml", export_path);
        if (a->json)
            print_json(a, &s, dt, &r, export_path, rc);
    }
    if (mem)
        fclose(mem);
    free(text);
    df_sample_free(&s);
    df_wizard_dict_free(&dict);
    return rc;
}

int cmd_mapping(int argc, char **argv)
{
    init_args a = {.rows = 200};
    const df_opt opts[] = {
        {.name = "doc-type", .short_name = 'd', .type = DF_ARG_STRING, .dest = &a.doc_type, .arg = "TYPE",
         .help = "the export's document type: PURCHASE, PURCHASE_RETURN, SALE,\nSALE_RETURN, INVENTORY, "
                 "UNQUALIFIED or DAMAGE"},
        {.name = "out", .short_name = 'o', .type = DF_ARG_STRING, .dest = &a.out, .arg = "FILE",
         .help = "write the draft here (default: stdout); an existing file is kept"},
        {.name = "force", .type = DF_ARG_FLAG, .dest = &a.force, .help = "replace an existing --out file"},
        {.name = "rows", .type = DF_ARG_INT, .dest = &a.rows, .arg = "N", .min = 1, .max = DF_SAMPLE_MAX_ROWS - 30,
         .help = "sample rows read to guess date and decimal formats (default 200)"},
        {.name = "sheet", .type = DF_ARG_STRING, .dest = &a.sheet, .arg = "NAME",
         .help = "an .xlsx export: the sheet to read (default: the first)"},
        {.name = "dictionary", .type = DF_ARG_STRING, .dest = &a.dictionary, .arg = "FILE",
         .help = "header names per field (default: the shipped\nwizard/erp-headers.yaml)"},
        {.name = "profile", .type = DF_ARG_STRING, .dest = &a.profile, .arg = "FILE",
         .help = "interface profile (default: configuration, then the shipped gd-v1)"},
        DF_CLI_CONFIG_OPT(a.config),
        DF_CLI_JSON_OPT(a.json, "what was matched, as JSON on stdout (needs --out)"),
        {.type = DF_ARG_END},
    };
    const df_command_spec spec = {
        .prog = "drugflow", .name = "mapping init", .opts = opts, .min_operands = 1, .max_operands = 1,
        .operands_missing = "give the ERP export to draft a mapping for",
        .usage = "--doc-type TYPE [-o FILE] [--sheet NAME] EXPORT.csv|EXPORT.xlsx",
        .epilog = "Exit status: 0 draft written, every required field has a column; 1 draft written, but\n"
                  "required fields have no column (listed at its top); 2 usage or input error; 3 the draft\n"
                  "could not be written.\n",
        .about = "Reads the export's header and a sample of its rows and writes a draft mapping: columns\n"
                 "matched to the document type's fields through a dictionary of the header names Chinese\n"
                 "ERPs use (单据编号/单据号/单号, 本位码/药品本位码, 通用名/品名, 生产厂家/生产企业, …),\n"
                 "the header row found among the first rows (title rows above it become skip_rows), the\n"
                 "encoding (UTF-8, GBK, GB18030) and delimiter detected, date formats and decimals guessed\n"
                 "from the sample. Every guess is a comment in the draft; required fields no column matched\n"
                 "are listed at its top. Preview the result with 'drugflow convert --dry-run'.\n",
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        df_cmdline_help(&spec, argc < 2 ? stderr : stdout);
        return argc < 2 ? DF_EXIT_USAGE : DF_EXIT_OK;
    }
    if (strcmp(argv[1], "init") != 0) {
        fprintf(stderr, "drugflow mapping: unknown subcommand '%s' (init)\nTry 'drugflow mapping --help'.\n", argv[1]);
        return DF_EXIT_USAGE;
    }
    int first, k = df_cmdline_parse(&spec, argc - 1, argv + 1, &first);
    if (k != DF_CMDLINE_OK)
        return k == DF_CMDLINE_HELP ? DF_EXIT_OK : DF_EXIT_USAGE;
    if (!a.doc_type)
        return df_cmdline_usage_error(&spec, "--doc-type TYPE is required (e.g. SALE)");
    if (a.json && !a.out)
        return df_cmdline_usage_error(&spec, "--json needs --out FILE (the draft would share stdout)");
    return run_init(&a, argv[first + 1]);
}
