/* tests/fuzz/fuzz_sig_policy.c — libFuzzer harness for the verifier's
 * signature policy (issue 10 point 2, writer/sig_policy.h): arbitrary bytes
 * as a data file, its Signature checked against gd-v1's shape (RSA-SHA256)
 * and gd-v1-sm2's (SM2-with-SM3), then verified all the way as each
 * profile says (libxmlsec1 for RSA, OpenSSL directly for SM2). The seeds
 * (corpus/fuzz_sig_policy/) are signed files and hostile variants of them
 * (XPath transforms, one costing minutes if evaluated, two References,
 * another canonicalization, a KeyValue, an Object, a fragment URI, a
 * 3-certificate chain, an SM2 file), signed by keys whose CA certificates
 * are tests/fuzz/sig_policy_ca.pem, so that the whole verification runs.
 * Every input must get a verdict with a reason, and a shape that passes
 * must hand back its parts; libFuzzer's -timeout catches a verification
 * that is not linear. */
#include "tests/fuzz/fuzz_common.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mapping/profile.h"
#include "writer/sig_policy.h"
#include "writer/verify.h"

static df_profile rsa, sm2;
static char ca[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    df_error err;
    if (df_profile_load(&rsa, fz_path("samples/profile/gd-v1.yaml"), &err) != 0 ||
        df_profile_load(&sm2, fz_path("samples/profile/gd-v1-sm2.yaml"), &err) != 0) {
        fprintf(stderr, "fuzz_sig_policy: %s\n", err.msg);
        abort();
    }
    snprintf(ca, sizeof ca, "%s", fz_path("tests/fuzz/sig_policy_ca.pem"));
    return 0;
}

/* The policy alone, on the root's last Signature-named child. */
static void policy(const uint8_t *data, size_t size, const df_signature_def *s)
{
    xmlDocPtr doc = xmlReadMemory((const char *)data, (int)size, "fuzz.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return;
    xmlNodePtr root = xmlDocGetRootElement(doc), sig = NULL;
    for (xmlNodePtr c = root && !doc->intSubset ? root->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)"Signature"))
            sig = c;
    if (sig) {
        df_sig_shape shape;
        char why[512];
        if (df_sig_policy_check(s, sig, &shape, why, sizeof why) == 0) {
            if (!shape.signed_info || !shape.signature_value || !shape.digest_value || shape.ncerts < 1 ||
                shape.ncerts > DF_MAX_KEYINFO_CERTS)
                abort(); /* a shape that passes hands back every part */
        } else if (!why[0]) {
            abort(); /* a refusal says why */
        }
    }
    xmlFreeDoc(doc);
}

static void verify(const uint8_t *data, size_t size, const df_signature_def *s)
{
    df_verify_result r;
    df_error err = {{0}};
    if (df_verify_memory_sig(data, size, ca, s, &r, &err) != 0) {
        fprintf(stderr, "verification could not run: %s\n", err.msg);
        abort(); /* the CA is fine: any input must give a verdict */
    }
    if (!r.valid && !r.reason[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0x7fffffff)
        return 0;
    policy(data, size, &rsa.signature);
    policy(data, size, &sm2.signature);
    verify(data, size, &rsa.signature);
    verify(data, size, &sm2.signature);
    return 0;
}
