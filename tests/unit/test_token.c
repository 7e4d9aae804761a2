/* tests/unit/test_token.c — keys on USB tokens, the checks before any
 * module is touched (issue 11): which values are PKCS#11 URIs, and URIs or
 * settings refused with their own message (a PIN in the URI, no module, a
 * module that is not there, an object that is no private key). The token
 * itself is tested end to end with SoftHSM2 (tests/e2e/t_key_token.sh). */
#include <criterion/criterion.h>
#include <string.h>

#include "writer/key.h"
#include "writer/token.h"

static int tk_no_pin(void *ctx, char *pin, size_t cap, size_t *len, df_error *err)
{
    (void)ctx, (void)pin, (void)cap, (void)len;
    return df_errorf(err, "no PIN in this test");
}

Test(token, which_keys_are_on_tokens)
{
    cr_expect(df_token_is_uri("pkcs11:token=A;object=B"));
    cr_expect(df_token_is_uri("PKCS11:token=A"));
    cr_expect_not(df_token_is_uri("ent.p12"));
    cr_expect_not(df_token_is_uri("./pkcs11:token=A"));
    cr_expect_not(df_token_is_uri(NULL));
}

Test(token, refused_before_the_module_is_loaded)
{
    static const struct {
        const char *uri, *module, *msg;
    } cases[] = {
        {"pkcs11:token=A;object=B;pin-value=1234", "/usr/lib/x.so", "holds the PIN (pin-value or pin-source)"},
        {"pkcs11:token=A;object=B?pin-source=file:/tmp/pin", "/usr/lib/x.so", "holds the PIN"},
        {"pkcs11:token=A;object=B;type=cert", "/usr/lib/x.so", "not a private key: use type=private"},
        {"pkcs11:token=A;object=B", NULL, "no PKCS#11 module is named: set certificate.pkcs11_module"},
        {"pkcs11:token=A;object=B", "/nonexistent/module.so", "the PKCS#11 module /nonexistent/module.so cannot be read"},
        {"pkcs11:token=A;object=B?module-path=/nonexistent/m.so", NULL, "/nonexistent/m.so cannot be read"},
        {"pkcs11:token=A;;=", "/usr/lib/x.so", "is not a PKCS#11 URI"},
        {"pkcs11:token=A?module-name=opensc", NULL, "names a module by name only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        df_token_options o = {cases[i].uri, cases[i].module, 0, tk_no_pin, NULL};
        df_token_info info;
        df_error err = {{0}};
        cr_expect_neq(df_token_check(&o, &info, &err), 0, "%s accepted", cases[i].uri);
        cr_expect(strstr(err.msg, cases[i].msg), "%s: want '%s', got: %s", cases[i].uri, cases[i].msg, err.msg);
        cr_expect(!strstr(err.msg, "1234"), "the PIN shows in: %s", err.msg);
    }
}

Test(token, a_token_key_through_df_key_load)
{
    df_key_options o = {.key_path = "pkcs11:token=A;object=B", .pkcs11_module = "/nonexistent/module.so"};
    df_key *k = NULL;
    df_error err = {{0}};
    cr_expect_neq(df_key_load(&k, &o, &err), 0);
    cr_expect_null(k);
    cr_expect(strstr(err.msg, "cannot be read") && !strstr(err.msg, "key file"), "%s", err.msg);
}
