/* tests/unit/test_answer.c — the parsers of the server's answers:
 * upload, results and catalog answers; DOCTYPE, entities (billion laughs,
 * external entities), oversized and malformed answers refused; every name
 * comes from the profile (a renamed profile reads renamed answers and
 * refuses gd-v1's). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping/profile.h"
#include "uploader/answer.h"
#include "uploader/transfer.h"

static df_profile an_gd, an_renamed; /* gd-v1, and gd-v1 with the protocol's names changed */

/* gd-v1 with each `from` replaced by `to`, written to path. */
static void an_rewrite(const char *path, const char *const *from_to)
{
    FILE *f = fopen("../../samples/profile/gd-v1.yaml", "rb");
    cr_assert_not_null(f);
    static char buf[1 << 16], out[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    for (const char *const *p = from_to; *p; p += 2) {
        char *at = strstr(buf, p[0]);
        cr_assert_not_null(at, "'%s' not in gd-v1.yaml", p[0]);
        snprintf(out, sizeof out, "%.*s%s%s", (int)(at - buf), buf, p[1], at + strlen(p[0]));
        memcpy(buf, out, strlen(out) + 1);
    }
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(buf, f);
    fclose(f);
}

static void an_setup(void)
{
    df_error err;
    cr_assert_eq(df_profile_load(&an_gd, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    static const char *const renames[] = {
        "root: Response", "root: Antwort", "code: Code ", "code: Kode ", "message: Message", "message: Nachricht",
        "file_id: FileId", "file_id: Datei-Nr", "duplicate: Duplicate", "duplicate: Doppelt",
        "duplicate_true: \"true\"", "duplicate_true: \"ja\"", "duplicate_false: \"false\"", "duplicate_false: \"nein\"",
        "version: Version ", "version: Stand ", "op_attribute: op", "op_attribute: aenderung",
        "op_add: ADD", "op_add: neu", "op_delete: DELETE", "op_delete: weg", "files: Files", "files: Dateien",
        "file: File", "file: Datei", "status: Status", "status: Zustand", "total: Total", "total: Gesamt",
        "error: Error", "error: Fehler", "error_seq: seq", "error_seq: nr", "passed: PASSED", "passed: 通过",
        "    0:    {class: ok", "    7:    {class: ok", NULL};
    char path[256]; /* one per test process: the tests of the suite run in parallel */
    snprintf(path, sizeof path, "%s/drugflow-test-answer-%ld.yaml", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid());
    an_rewrite(path, renames);
    cr_assert_eq(df_profile_load(&an_renamed, path, &err), 0, "%s", err.msg);
    unlink(path);
}

TestSuite(answer, .init = an_setup);

static int parse(const char *xml, df_answer *a, df_error *err)
{
    return df_answer_parse(&an_gd.protocol, xml, strlen(xml), DF_ANSWER_MAX_SMALL, a, err);
}

Test(answer, upload_ok_and_duplicate)
{
    df_answer a;
    df_error err;
    cr_assert_eq(parse("<?xml version=\"1.0\"?>\n<Response><Code>0</Code><Message>OK</Message>"
                       "<FileId>abc123</FileId><Duplicate>true</Duplicate></Response>\n", &a, &err), 0, "%s", err.msg);
    cr_assert_eq(a.code, 0);
    cr_assert_str_eq(a.file_id, "abc123");
    cr_assert_eq(a.duplicate, 1);
    cr_assert_eq(parse("<Response><Code>2004</Code><Message>period archived &amp; closed</Message></Response>", &a,
                       &err), 0);
    cr_assert_eq(a.code, 2004);
    cr_assert_str_eq(a.message, "period archived & closed");
    cr_assert(strstr(df_protocol_advice(&an_gd.protocol, 2004), "portal"));
    cr_assert_eq(df_protocol_class(&an_gd.protocol, 2004), DF_CODE_ARCHIVED);
    cr_assert_eq(df_protocol_class(&an_gd.protocol, 5000), DF_CODE_TRANSIENT);
    cr_assert_eq(df_protocol_class(&an_gd.protocol, 0), DF_CODE_OK);
    cr_assert_eq(df_protocol_class(&an_gd.protocol, 4711), DF_CODE_PERMANENT, "an unknown code is permanent");
    cr_assert(df_protocol_code(&an_gd.protocol, 1001)->stop);
    /* The duplicate flag takes the profile's two values only. */
    cr_assert_neq(parse("<Response><Code>0</Code><FileId>x</FileId><Duplicate>1</Duplicate></Response>", &a, &err), 0);
    cr_assert(strstr(err.msg, "neither true nor false"), "%s", err.msg);
}

Test(answer, refused_shapes)
{
    df_answer a;
    df_error err;
    cr_assert_neq(parse("<Other><Code>0</Code></Other>", &a, &err), 0);
    cr_assert_neq(parse("<Response><Message>no code</Message></Response>", &a, &err), 0);
    cr_assert_neq(parse("<Response><Code>zero</Code></Response>", &a, &err), 0);
    cr_assert_neq(parse("<Response><Code>0</Code>", &a, &err), 0);
    cr_assert(strstr(err.msg, "well-formed"), "%s", err.msg);
    cr_assert_neq(parse("", &a, &err), 0);
    cr_assert_neq(parse("<Response><a><b><c><d><e><f><g><h><i>1</i></h></g></f></e></d></c></b></a>"
                        "<Code>0</Code></Response>", &a, &err), 0);
}

Test(answer, billion_laughs_refused)
{
    const char *xml =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [\n<!ENTITY a \"aaaaaaaaaa\">\n"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n]>\n"
        "<Response><Code>0</Code><Message>&i;</Message></Response>";
    df_answer a;
    df_error err;
    cr_assert_neq(parse(xml, &a, &err), 0);
    cr_assert(strstr(err.msg, "DOCTYPE") || strstr(err.msg, "entity"), "%s", err.msg);
}

Test(answer, external_entity_refused)
{
    const char *xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE Response [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                      "<Response><Code>0</Code><Message>&x;</Message></Response>";
    df_answer a;
    df_error err;
    cr_assert_neq(parse(xml, &a, &err), 0);
    cr_assert_null(strstr(a.message, "root:"));
    const char *dtd = "<!DOCTYPE Response SYSTEM \"http://127.0.0.1:1/x.dtd\"><Response><Code>0</Code></Response>";
    cr_assert_neq(parse(dtd, &a, &err), 0);
}

Test(answer, oversized_refused)
{
    size_t n = DF_ANSWER_MAX_SMALL + 100;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "<Response><Code>0</Code><Message>", 33);
    memcpy(big + n - 22, "</Message></Response>\n", 22);
    big[n] = 0;
    df_answer a;
    df_error err;
    cr_assert_neq(df_answer_parse(&an_gd.protocol, big, n, DF_ANSWER_MAX_SMALL, &a, &err), 0);
    cr_assert(strstr(err.msg, "refused"), "%s", err.msg);
    free(big);
}

static int nfiles;
static df_file_result last;
static int on_file(void *arg, const df_file_result *f)
{
    (void)arg;
    nfiles++;
    last = *f;
    return 0;
}

Test(answer, results)
{
    const char *xml = "<Response><Code>0</Code><Message>OK</Message><Files>"
                      "<File><FileId>f1</FileId><FileName>B_00001.xml</FileName><ReceivedAt>t</ReceivedAt>"
                      "<Status>PENDING</Status></File>"
                      "<File><FileId>f2</FileId><FileName>B_00002.xml</FileName><ReceivedAt>t</ReceivedAt>"
                      "<Status>PARTIAL</Status><Total>20</Total><Passed>18</Passed><Failed>2</Failed><Errors>"
                      "<Error seq=\"17\" code=\"E_PARTNER_UNMATCHED\">广州某公司 not in the catalog</Error>"
                      "<Error seq=\"19\" code=\"E_NEGATIVE_QTY\">-1</Error></Errors></File></Files></Response>";
    df_answer a;
    df_error err;
    nfiles = 0;
    cr_assert_eq(df_answer_parse_results(&an_gd.protocol, xml, strlen(xml), DF_ANSWER_MAX_RESULTS, &a, on_file, NULL,
                                         &err), 0, "%s", err.msg);
    cr_assert_eq(nfiles, 2);
    cr_assert_str_eq(last.file_id, "f2");
    cr_assert_eq(last.state, DF_STATE_PARTIAL);
    cr_assert_eq(last.total, 20);
    cr_assert_eq(last.failed, 2);
    cr_assert_eq(last.nerrors, 2);
    cr_assert_eq(last.errors[0].seq, 17);
    cr_assert_str_eq(last.errors[0].code, "E_PARTNER_UNMATCHED");
    cr_assert(strstr(last.errors[0].message, "广州某公司"));
}

typedef struct seen {
    int n;
    df_catalog_op ops[8];
    char first[8][64];
} seen;

static int on_item(void *arg, df_catalog_op op, const char *const *cols, const size_t *lens, df_error *err)
{
    (void)lens;
    (void)err;
    seen *s = arg;
    s->ops[s->n] = op;
    snprintf(s->first[s->n], 64, "%s", cols[0]);
    s->n++;
    return 0;
}

Test(answer, catalog_stream)
{
    df_profile *p = &an_gd;
    df_error err;
    const df_catalog_def *def = &p->catalogs[df_profile_catalog_index(p, "partner")];
    const char *xml = "<Response><Code>0</Code><Message>OK</Message><Version>42</Version><Partners>"
                      "<Partner op=\"ADD\"><Name>甲</Name><CreditCode>1</CreditCode><LicenseNo>x</LicenseNo></Partner>"
                      "<Partner op=\"UPDATE\"><Name>乙</Name><CreditCode>2</CreditCode></Partner>"
                      "<Partner op=\"DELETE\"><Name>丙</Name></Partner></Partners></Response>";
    seen s = {0};
    df_answer a;
    cr_assert_eq(df_answer_parse_catalog(&p->protocol, xml, strlen(xml), DF_ANSWER_MAX_CATALOG, def, &a, on_item, &s,
                                         &err), 0, "%s", err.msg);
    cr_assert_eq(a.version, 42);
    cr_assert_eq(s.n, 3);
    cr_assert_eq(s.ops[0], DF_CATOP_ADD);
    cr_assert_eq(s.ops[1], DF_CATOP_UPDATE);
    cr_assert_eq(s.ops[2], DF_CATOP_DELETE);
    cr_assert_str_eq(s.first[2], "丙");
    /* An op the profile does not name is an error, not an addition. */
    const char *bad = "<Response><Code>0</Code><Version>1</Version><Partners><Partner op=\"MERGE\"><Name>甲</Name>"
                      "</Partner></Partners></Response>";
    cr_assert_neq(df_answer_parse_catalog(&p->protocol, bad, strlen(bad), DF_ANSWER_MAX_CATALOG, def, &a, on_item, &s,
                                          &err), 0);
    cr_assert(strstr(err.msg, "MERGE"), "%s", err.msg);
}

/* The same answers in the renamed profile's names parse the same; gd-v1's
 * names mean nothing to it. */
Test(answer, renamed_protocol)
{
    const df_protocol *pr = &an_renamed.protocol;
    df_answer a;
    df_error err;
    const char *up = "<Antwort><Kode>7</Kode><Nachricht>gut</Nachricht><Datei-Nr>abc</Datei-Nr><Doppelt>ja</Doppelt>"
                     "</Antwort>";
    cr_assert_eq(df_answer_parse(pr, up, strlen(up), DF_ANSWER_MAX_SMALL, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(a.code, 7);
    cr_assert_eq(df_protocol_class(pr, 7), DF_CODE_OK);
    cr_assert_eq(df_protocol_class(pr, 0), DF_CODE_PERMANENT, "0 is no code of the renamed profile");
    cr_assert_str_eq(a.file_id, "abc");
    cr_assert_eq(a.duplicate, 1);
    const char *gd = "<Response><Code>0</Code><Message>OK</Message><FileId>abc</FileId></Response>";
    cr_assert_neq(df_answer_parse(pr, gd, strlen(gd), DF_ANSWER_MAX_SMALL, &a, &err), 0);
    cr_assert(strstr(err.msg, "not a <Antwort>"), "%s", err.msg);
    const char *res = "<Antwort><Kode>7</Kode><Dateien><Datei><Datei-Nr>f</Datei-Nr><Zustand>通过</Zustand>"
                      "<Gesamt>3</Gesamt><Errors><Fehler nr=\"2\" code=\"E_FORMAT\">x</Fehler></Errors></Datei></Dateien>"
                      "</Antwort>";
    nfiles = 0;
    cr_assert_eq(df_answer_parse_results(pr, res, strlen(res), DF_ANSWER_MAX_RESULTS, &a, on_file, NULL, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(nfiles, 1);
    cr_assert_eq(last.state, DF_STATE_PASSED);
    cr_assert_eq(last.total, 3);
    cr_assert_eq(last.nerrors, 1);
    cr_assert_eq(last.errors[0].seq, 2);
    const char *gd_state = "<Antwort><Kode>7</Kode><Dateien><Datei><Datei-Nr>f</Datei-Nr><Zustand>PASSED</Zustand>"
                           "</Datei></Dateien></Antwort>";
    cr_assert_neq(df_answer_parse_results(pr, gd_state, strlen(gd_state), DF_ANSWER_MAX_RESULTS, &a, on_file, NULL,
                                          &err), 0, "gd-v1's state name is no state of the renamed profile");
    const df_catalog_def *def = &an_renamed.catalogs[df_profile_catalog_index(&an_renamed, "partner")];
    const char *cat = "<Antwort><Kode>7</Kode><Stand>5</Stand><Partners><Partner aenderung=\"weg\"><Name>丙</Name>"
                      "</Partner><Partner><Name>丁</Name></Partner></Partners></Antwort>";
    seen s = {0};
    cr_assert_eq(df_answer_parse_catalog(pr, cat, strlen(cat), DF_ANSWER_MAX_CATALOG, def, &a, on_item, &s, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(a.version, 5);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(s.ops[0], DF_CATOP_DELETE);
    cr_assert_eq(s.ops[1], DF_CATOP_ADD, "an item without the op attribute is an addition");
}

Test(client, endpoints_and_forms)
{
    df_profile *p = malloc(sizeof *p);
    df_error err;
    cr_assert_eq(df_profile_load(p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    char cm[900];
    df_answer_code_message(&p->protocol, 2004, "archived", cm, sizeof cm);
    cr_assert(strstr(cm, "Code 2004 archived — ") && strstr(cm, "portal"), "%s", cm);
    char b[1100];
    cr_assert_eq(df_endpoint_resolve(p, "practice", b, sizeof b, &err), 0);
    cr_assert_str_eq(b, "https://lx.gdfda.gov.cn:20830/data/clientAccept/");
    cr_assert_eq(df_endpoint_resolve(p, "production", b, sizeof b, &err), 0);
    cr_assert_str_eq(b, "https://qy.gdfda.gov.cn:8445/data/clientAccept/");
    cr_assert_eq(df_endpoint_resolve(p, "https://127.0.0.1:1/data/clientAccept", b, sizeof b, &err), 0);
    cr_assert_str_eq(b, "https://127.0.0.1:1/data/clientAccept/");
    cr_assert_neq(df_endpoint_resolve(p, "http://insecure/", b, sizeof b, &err), 0);
    char *f = NULL;
    size_t l = 0;
    cr_assert_eq(df_form_add(&f, &l, "fileId", "a b&c"), 0);
    cr_assert_eq(df_form_add(&f, &l, "fileId", "d"), 0);
    cr_assert_str_eq(f, "fileId=a%20b%26c&fileId=d");
    free(f);
    free(p);
}
