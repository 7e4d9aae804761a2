/* tests/unit/test_answer.c — the parsers of the server's answers:
 * upload, results and catalog answers; DOCTYPE, entities (billion laughs,
 * external entities), oversized and malformed answers refused. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/profile.h"
#include "uploader/answer.h"
#include "uploader/transfer.h"

static int parse(const char *xml, df_answer *a, df_error *err)
{
    return df_answer_parse(xml, strlen(xml), DF_ANSWER_MAX_SMALL, a, err);
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
    cr_assert(strstr(df_code_advice(2004), "portal"));
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
    cr_assert_neq(df_answer_parse(big, n, DF_ANSWER_MAX_SMALL, &a, &err), 0);
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
    cr_assert_eq(df_answer_parse_results(xml, strlen(xml), DF_ANSWER_MAX_RESULTS, &a, on_file, NULL, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(nfiles, 2);
    cr_assert_str_eq(last.file_id, "f2");
    cr_assert_str_eq(last.status, "PARTIAL");
    cr_assert_eq(last.total, 20);
    cr_assert_eq(last.failed, 2);
    cr_assert_eq(last.nerrors, 2);
    cr_assert_eq(last.errors[0].seq, 17);
    cr_assert_str_eq(last.errors[0].code, "E_PARTNER_UNMATCHED");
    cr_assert(strstr(last.errors[0].message, "广州某公司"));
}

typedef struct seen {
    int n;
    char ops[8][16];
    char first[8][64];
} seen;

static int on_item(void *arg, const char *op, const char *const *cols, const size_t *lens, df_error *err)
{
    (void)lens;
    (void)err;
    seen *s = arg;
    snprintf(s->ops[s->n], 16, "%s", op);
    snprintf(s->first[s->n], 64, "%s", cols[0]);
    s->n++;
    return 0;
}

Test(answer, catalog_stream)
{
    df_profile *p = malloc(sizeof *p);
    df_error err;
    cr_assert_eq(df_profile_load(p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
    const df_catalog_def *def = &p->catalogs[df_profile_catalog_index(p, "partner")];
    const char *xml = "<Response><Code>0</Code><Message>OK</Message><Version>42</Version><Partners>"
                      "<Partner op=\"ADD\"><Name>甲</Name><CreditCode>1</CreditCode><LicenseNo>x</LicenseNo></Partner>"
                      "<Partner op=\"UPDATE\"><Name>乙</Name><CreditCode>2</CreditCode></Partner>"
                      "<Partner op=\"DELETE\"><Name>丙</Name></Partner></Partners></Response>";
    seen s = {0};
    df_answer a;
    cr_assert_eq(df_answer_parse_catalog(xml, strlen(xml), DF_ANSWER_MAX_CATALOG, def, &a, on_item, &s, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(a.version, 42);
    cr_assert_eq(s.n, 3);
    cr_assert_str_eq(s.ops[1], "UPDATE");
    cr_assert_str_eq(s.first[2], "丙");
    free(p);
}

Test(client, endpoints_and_forms)
{
    df_profile *p = malloc(sizeof *p);
    df_error err;
    cr_assert_eq(df_profile_load(p, "../../samples/profile/gd-v1.yaml", &err), 0, "%s", err.msg);
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
