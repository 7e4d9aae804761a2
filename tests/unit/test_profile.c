/* tests/unit/test_profile.c — the shipped profile and the interface
 * document (docs/INTERFACE.md) describe the same interface: every name the
 * profile holds (addresses, entries, elements, fields, document types,
 * catalog columns, reason codes, and the protocol's requests, answers,
 * codes and states and the signature's algorithms and URIs, of gd-v1 and
 * gd-v1-sm2) stands in the document as a whole word; and gd-v1-sm2 is
 * gd-v1 but for its name and signature. */
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

static void pf_expect_signature(const char *doc, const df_signature_def *s)
{
    pf_expect(doc, "signature algorithm", df_sig_alg_name(s->algorithm));
    pf_expect(doc, "digest algorithm", df_digest_alg_name(s->digest));
    const char *uris[] = {s->ns, s->c14n_uri, s->enveloped_uri, s->method_uri, s->digest_uri};
    for (size_t i = 0; i < sizeof uris / sizeof *uris; i++)
        pf_expect(doc, "signature URI", uris[i]);
    if (s->algorithm == DF_SIG_SM2_SM3)
        pf_expect(doc, "SM2 distinguishing ID", s->sm2_id);
}

static void pf_expect_protocol(const char *doc, const df_profile *p)
{
    const df_protocol *pr = &p->protocol;
    const char *req[] = {pr->catalog_version, pr->results_file_id, pr->results_since, pr->upload_part,
                         pr->upload_content_type, pr->duplicate_true, pr->duplicate_false};
    for (size_t i = 0; i < sizeof req / sizeof *req; i++)
        pf_expect(doc, "request name or value", req[i]);
    for (int i = 0; i < DF_AN_COUNT; i++)
        pf_expect(doc, "answer element or attribute", pr->names[i]);
    for (int i = 0; i < DF_CATOP_COUNT; i++)
        pf_expect(doc, "catalog op", pr->ops[i]);
    for (int i = 0; i < DF_STATE_COUNT; i++)
        pf_expect(doc, "file state", pr->states[i]);
    for (int i = 0; i < pr->ncodes; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", pr->codes[i].code);
        pf_expect(doc, "answer code", num);
    }
    pf_expect_signature(doc, &p->signature);
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
    pf_expect_protocol(doc, &p);
    static df_profile sm2;
    cr_assert_eq(df_profile_load(&sm2, "../../samples/profile/gd-v1-sm2.yaml", &err), 0, "%s", err.msg);
    pf_expect_signature(doc, &sm2.signature);
    free(doc);
}

/* gd-v1-sm2.yaml is gd-v1.yaml word for word, but for its header comment,
 * its name and its signature: section. */
Test(profile, sm2_profile_is_gd_v1_but_its_signature)
{
    char *a = pf_slurp("../../samples/profile/gd-v1.yaml"), *b = pf_slurp("../../samples/profile/gd-v1-sm2.yaml");
    const char *from = "\nprofile: ", *sig = "\n# The signature (";
    char *a1 = strstr(a, from), *b1 = strstr(b, from);
    cr_assert(a1 && b1);
    a1 = strchr(a1 + 1, '\n');
    b1 = strchr(b1 + 1, '\n');
    char *a2 = strstr(a1, sig), *b2 = strstr(b1, sig);
    cr_assert(a2 && b2, "no signature section");
    cr_expect(a2 - a1 == b2 - b1 && !memcmp(a1, b1, (size_t)(a2 - a1)),
              "gd-v1-sm2.yaml differs from gd-v1.yaml outside its signature section");
    free(a);
    free(b);
}

Test(profile, the_word_check_can_fail)
{
    cr_expect(has_word("a <Records> b", "Records"));
    cr_expect(!has_word("a <Records> b", "Record"), "Record inside Records is not the word Record");
    cr_expect(!has_word("nothing here", "DataFile"));
}
