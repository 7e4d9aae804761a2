/* tests/unit/test_profile.c — the shipped profile and the interface
 * document (docs/INTERFACE.md) describe the same interface: every name the
 * profile holds (addresses, entries, elements, fields, document types,
 * catalog columns, reason codes) stands in the document as a whole word. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/profile.h"
#include "mapping/rules.h"

static char *pf_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static int word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* 1 if w stands in text with no word character right before or after it. */
static int has_word(const char *text, const char *w)
{
    size_t l = strlen(w);
    for (const char *p = strstr(text, w); p; p = strstr(p + 1, w))
        if ((p == text || !word_char(p[-1])) && !word_char(p[l]))
            return 1;
    return 0;
}

static void pf_expect(const char *doc, const char *what, const char *name)
{
    cr_expect(has_word(doc, name), "docs/INTERFACE.md does not name the profile's %s '%s'", what, name);
}

Test(profile, interface_document_names_every_profile_name)
{
    static df_profile p;
    df_error err;
    cr_assert_eq(df_profile_load(&p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    char *doc = pf_slurp("../../docs/INTERFACE.md");
    pf_expect(doc, "practice endpoint", p.endpoint_practice);
    pf_expect(doc, "production endpoint", p.endpoint_production);
    const char *entries[] = {p.entry_commodities, p.entry_partners, p.entry_upload, p.entry_results};
    for (size_t i = 0; i < 4; i++)
        pf_expect(doc, "entry", entries[i]);
    const char *elems[] = {p.root, p.header, p.records, p.record, p.trailer, p.record_count};
    for (size_t i = 0; i < sizeof elems / sizeof *elems; i++)
        pf_expect(doc, "data file element", elems[i]);
    for (int i = 0; i < p.nheader; i++)
        pf_expect(doc, "header element", p.header_names[i]);
    for (int i = 0; i < p.nfield_defs; i++)
        pf_expect(doc, "field", p.field_defs[i].name);
    for (int i = 0; i < p.ndoctypes; i++) {
        pf_expect(doc, "document type", p.doctypes[i].code);
        pf_expect(doc, "document type title", p.doctypes[i].title);
    }
    for (int i = 0; i < p.ncatalogs; i++) {
        pf_expect(doc, "catalog list element", p.catalogs[i].list);
        pf_expect(doc, "catalog item element", p.catalogs[i].item);
        for (int c = 0; c < p.catalogs[i].ncolumns; c++)
            pf_expect(doc, "catalog column", p.catalogs[i].columns[c]);
        pf_expect(doc, "catalog reason code", df_reason_code((df_reason)p.catalogs[i].reason));
    }
    for (int r = 0; r < DF_R_COUNT; r++)
        pf_expect(doc, "reason code", df_reason_code((df_reason)r));
    free(doc);
}

Test(profile, the_word_check_can_fail)
{
    cr_expect(has_word("a <Records> b", "Records"));
    cr_expect(!has_word("a <Records> b", "Record"), "Record inside Records is not the word Record");
    cr_expect(!has_word("nothing here", "DataFile"));
}
