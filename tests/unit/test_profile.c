/* tests/unit/test_profile.c — the profile loader (mapping/profile.c): the
 * shipped profile's tables, and each kind of broken profile (fields, the
 * protocol, the signature) failing with a message that names the file and
 * the line and column (in characters) of the offending node. And the
 * shipped profile and the interface document (docs/INTERFACE.md) describe
 * the same interface: every name the profile holds (addresses, entries,
 * elements, fields, document types, catalog columns, reason codes, and the
 * protocol's requests, answers, codes and states and the signature's
 * algorithms and URIs, of gd-v1 and gd-v1-sm2) stands in the document as a
 * whole word; and gd-v1-sm2 is gd-v1 but for its name and signature. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_errors.h"
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

/* ---- the profile loader: the shipped files, and broken ones ----------- */

#define PF_SAMPLE "../../samples/profile/gd-v1.yaml"
#define PF_SAMPLE_SM2 "../../samples/profile/gd-v1-sm2.yaml"

static df_profile pf_profile; /* the shipped profile */
static df_profile pf_broken;  /* a profile expected to fail */
static char pf_dir[32];

static void pf_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&pf_profile, PF_SAMPLE, &err), 0, "%s", err.msg);
    le_mkdtemp(pf_dir, "profile");
}

static void pf_teardown(void) { le_rmdir(pf_dir); }

TestSuite(profile, .init = pf_setup, .fini = pf_teardown);

/* Writes the profile `source` with the first `from` replaced by `to`. */
static void pf_mutated_profile(const char *source, const char *path, const char *from, const char *to)
{
    char *src = le_slurp(source);
    char *at = strstr(src, from);
    cr_assert_not_null(at, "'%s' not in %s", from, source);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(src, 1, (size_t)(at - src), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

/* A broken profile: `source` with `from` replaced by `to`; the complaint
 * points at `at` (searched in the new file) and holds `what`. */
typedef struct {
    const char *name, *from, *to, *at, *what;
} pf_broken_case;

static void pf_broken_cases(const char *source, const pf_broken_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.yaml", pf_dir, cases[i].name);
        pf_mutated_profile(source, path, cases[i].from, cases[i].to);
        df_error err = {{0}};
        int line, col;
        le_position(le_slurp(path), cases[i].at, &line, &col);
        cr_expect_neq(df_profile_load(&pf_broken, path, &err), 0, "%s: a broken profile loaded", cases[i].name);
        le_expect_at(cases[i].name, &err, path, line, col, cases[i].what);
    }
}

Test(profile, shipped_profile_tables)
{
    cr_expect_str_eq(pf_profile.name, "gd-v1");
    cr_expect_eq(pf_profile.ndoctypes, 7);
    cr_expect_eq(pf_profile.ncatalogs, 2);
    cr_expect_str_eq(pf_profile.root, "DataFile");
    cr_expect_eq(pf_profile.nheader, 7);
    const df_doctype *sale = df_profile_doctype(&pf_profile, "SALE");
    cr_assert_not_null(sale);
    cr_expect_eq(sale->nfields, 17);
    cr_expect_str_eq(sale->fields[0]->name, "BillNo");
    cr_expect_str_eq(sale->fields[3]->name, "DrugCode"); /* "@drug" expanded in place */
    cr_expect_str_eq(sale->fields[16]->name, "Amount");
    const df_doctype *inv = df_profile_doctype(&pf_profile, "INVENTORY");
    cr_assert_not_null(inv);
    cr_expect_eq(inv->nfields, 14);
    cr_expect_null(df_profile_doctype(&pf_profile, "sale"), "codes are case-sensitive");
}

/* Each kind of broken profile fails with a message that names the file
 * and the line and column (in characters) of the offending node. */
Test(profile, broken_profiles_name_line_and_column)
{
    static const pf_broken_case cases[] = {
        /* "root DataFile" is a plain scalar; the next "key: value" line is then
         * a mapping value where none is allowed: libyaml notices on that line. */
        {"yaml_syntax_error", "  root: DataFile\n", "  root DataFile\n", ": \"1.0\"", "YAML syntax error"},
        {"unknown_key_in_a_field", "nonnegative: true}", "nonnegativ: true}", "nonnegativ:",
         "unknown key 'nonnegativ'"},
        {"unknown_top_level_key", "\ngroups:\n", "\ngroup:\n", "group:", "unknown key 'group'"},
        {"unknown_data_file_key", "  record_count: RecordCount\n", "  record_count: RecordCount\n  recordcount: x\n",
         "recordcount:", "unknown key 'recordcount'"},
        {"repeated_key", "  record: Record\n", "  record: Record\n  record: Rec\n", "record: Rec\n",
         "key 'record' appears twice"},
        {"unknown_field_in_doc_type", "UnitPrice, Amount]}", "UnitPrice, Amout]}", "Amout",
         "names field 'Amout', which 'fields' does not define"},
        {"unknown_group", "\"@drug\"", "\"@drugs\"", "\"@drugs\"", "group 'drugs' is not defined"},
        {"unknown_type", "UnitPrice:      {type: decimal}", "UnitPrice:      {type: money}", "money",
         "unknown type 'money'"},
        {"unknown_reason_code", "error: E_PARTNER_UNMATCHED", "error: E_PARTNER", "E_PARTNER\n", "needs 'error'"},
        {"unknown_header_value", "CreatedAt: created_at", "CreatedAt: creation_time", "creation_time",
         "unknown header value 'creation_time'"},
        {"bad_element_name", "  record: Record\n", "  record: \"Rec ord\"\n", "\"Rec ord\"",
         "not a valid XML element name"},
        {"code_without_length", "{type: code, length: 14, required: true}", "{type: code, required: true}",
         "{type: code, required: true}", "needs 'length'"},
        {"doc_type_defined_twice", "  DAMAGE:          {title: 毁损", "  SALE:            {title: 毁损",
         "SALE:            {title: 毁损", "defined twice"},
        {"bad_number", "max_length: 64, required: true}", "max_length: lots, required: true}", "lots",
         "expected a whole number"},
    };
    pf_broken_cases(PF_SAMPLE, cases, sizeof cases / sizeof *cases);
}

Test(profile, missing_file)
{
    df_error err = {{0}};
    cr_expect_neq(df_profile_load(&pf_broken, "/nonexistent/p.yaml", &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/p.yaml") != NULL, "%s", err.msg);
}

/* ---- the protocol: and signature: sections (issue 13) ------------------ */

/* Each mistake in the wire protocol or the signature is found when the
 * profile is loaded, at its file, line and column. */
Test(profile, protocol_and_signature_mistakes)
{
    static const pf_broken_case cases[] = {
        {"pp_xml", "    root: Response\n", "    root: \"Res ponse\"\n", "\"Res ponse\"", "which is not an XML name"},
        {"pp_colon", "    error_seq: seq ", "    error_seq: x:seq ", "x:seq", "which is not an XML name"},
        {"pp_verattr", "  version_attribute: version\n", "  version_attribute: 1v\n", "1v\n",
         "not a valid XML element name"},
        {"pp_form", "    catalog_version: since ", "    catalog_version: \"since=\" ", "\"since=\"",
         "not a form field name"},
        {"pp_type", "    upload_content_type: application/xml", "    upload_content_type: xml", "xml   #",
         "not a content type"},
        {"pp_ids", "    results_max_ids: 100 ", "    results_max_ids: 5000 ", "5000", "out of range"},
        {"pp_missing", "    received_at: ReceivedAt\n", "", "content_type: \"application", "needs 'received_at'"},
        {"pp_noclass", "2001: {class: permanent, means: bad_request", "2001: {means: bad_request", "{means: bad_request",
         "code 2001 needs a 'class'"},
        {"pp_class", "{class: transient, means: busy", "{class: retry, means: busy", "retry", "needs a 'class'"},
        {"pp_means2", "means: too_large", "means: bad_request", "bad_request,   advice: \"file too large",
         "already means bad_request"},
        {"pp_meansclass", "{class: transient, means: busy", "{class: permanent, means: busy",
         "permanent, means: busy", "a code that means busy has class transient"},
        {"pp_nomeans", "{class: archived,  means: archived,", "{class: archived,", "0:    {class: ok",
         "no code means archived"},
        {"pp_codename", "    5000: {class:", "    busy: {class:", "busy: {class", "expected a whole number"},
        {"pp_states", "    partial: PARTIAL", "    partial: PASSED", "pending: PENDING", "two states are both 'PASSED'"},
        {"pp_dupval", "    duplicate_false: \"false\"", "    duplicate_false: \"true\"", "content_type: \"application",
         "duplicate_true and duplicate_false are both"},
        {"ps_method", "  algorithm: rsa-sha256\n", "  algorithm: rsa-sha512\n", "http://www.w3.org/2001/04/xmldsig-more#",
         "libxmlsec1 (and stock xmlsec1 --verify) knows it as 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512'"},
        {"ps_digest", "xmlenc#sha256", "xmlenc#sha257", "http://www.w3.org/2001/04/xmlenc#sha257",
         "is not the URI of sha256"},
        {"ps_c14n", "REC-xml-c14n-20010315", "REC-xml-c14n-2001031", "http://www.w3.org/TR/2001/REC-xml-c14n-2001031",
         "none of the canonicalizations"},
        {"ps_ns", "  namespace: http://www.w3.org/2000/09/xmldsig#\n", "  namespace: urn:example:dsig\n",
         "urn:example:dsig", "XML-DSig namespace"},
        {"ps_alg", "  algorithm: rsa-sha256\n", "  algorithm: dsa-sha1\n", "dsa-sha1", "'algorithm' is rsa-sha256"},
        {"ps_sm3", "  digest: sha256\n", "  digest: sm3\n", "sm3\n  namespace", "goes with algorithm sm2-sm3 only"},
        {"ps_keyinfo", "  key_info: certificate", "  key_info: zzall", "zzall", "'key_info' is certificate"},
        {"ps_sm2opt", "  key_info: certificate", "  key_info: certificate\n  sm2_id: \"1\"", "\"1\"",
         "apply to algorithm sm2-sm3 only"},
        {"ps_sm2uri", "  algorithm: rsa-sha256\n  digest: sha256\n",
         "  algorithm: sm2-sm3\n  digest: sm3\n  sm2_id: \"1234567812345678\"\n  sm2_value: der\n",
         "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "is libxmlsec1's URI of"},
        {"ps_uri", "  enveloped_transform: http://www.w3.org/2000/09/xmldsig#enveloped-signature",
         "  enveloped_transform: \"enveloped signature\"", "\"enveloped signature\"", "not an absolute URI"},
    };
    pf_broken_cases(PF_SAMPLE, cases, sizeof cases / sizeof *cases);
    /* From the SM2 profile: its own options and URIs. */
    static const pf_broken_case sm2[] = {
        {"ps_sm2val", "  sm2_value: der", "  sm2_value: hex", "hex", "'sm2_value': der"},
        {"ps_sm2id", "  sm2_id: \"1234567812345678\"\n", "", "algorithm: sm2-sm3", "needs 'sm2_id'"},
        {"ps_sm2digest", "urn:drugflow:xmldsig:sm3", "http://www.w3.org/2001/04/xmlenc#sha256",
         "http://www.w3.org/2001/04/xmlenc#sha256", "is libxmlsec1's URI of"},
    };
    pf_broken_cases(PF_SAMPLE_SM2, sm2, sizeof sm2 / sizeof *sm2);
}

/* The shipped profile's protocol and signature, as INTERFACE.md describes them. */
Test(profile, shipped_protocol_tables)
{
    const df_protocol *pr = &pf_profile.protocol;
    cr_expect_str_eq(df_an(pr, DF_AN_ROOT), "Response");
    cr_expect_str_eq(pr->results_file_id, "fileId");
    cr_expect_eq(pr->results_max_ids, 100);
    cr_expect_eq(pr->ncodes, 7);
    cr_expect_eq(df_protocol_means(pr, DF_MEANS_BUSY), 5000);
    cr_expect_eq(df_protocol_means(pr, DF_MEANS_ARCHIVED), 2004);
    cr_expect_eq(df_protocol_state(pr, "PROCESSING"), DF_STATE_PROCESSING);
    cr_expect_eq(df_protocol_op(pr, "DELETE"), DF_CATOP_DELETE);
    const df_signature_def *s = &pf_profile.signature;
    cr_expect_eq(s->algorithm, DF_SIG_RSA_SHA256);
    cr_expect_eq(s->digest, DF_DIGEST_SHA256);
    cr_expect_eq(s->c14n, DF_C14N_10);
    cr_expect_eq(s->key_info, DF_KEYINFO_CERTIFICATE);
    static df_profile sm2;
    df_error err;
    cr_assert_eq(df_profile_load(&sm2, PF_SAMPLE_SM2, &err), 0, "%s", err.msg);
    cr_expect_eq(sm2.signature.algorithm, DF_SIG_SM2_SM3);
    cr_expect_eq(sm2.signature.digest, DF_DIGEST_SM3);
    cr_expect_str_eq(sm2.signature.sm2_id, "1234567812345678");
}
