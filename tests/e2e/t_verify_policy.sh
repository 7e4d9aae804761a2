#!/usr/bin/env bash
# tests/e2e/t_verify_policy.sh — issue 10 point 2: the signature's shape is
# the profile's, checked before anything of it runs, by `drugflow verify`
# and drugflow-sim alike. Each hostile file is signed by stock xmlsec1 (a
# real generator, so its signature is valid as XML-DSig) and refused with
# its reason: an XPath transform that leaves the records out (then changed:
# on main the file verified and was PASSED), an XPath expression that costs
# minutes (main evaluated it before the SignatureValue; here it is refused at
# once, and the server stops at once after it), a second Reference, another
# canonicalization or signature method, a KeyValue, an Object; a signer
# certificate without digitalSignature/nonRepudiation, or a CA's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

XPATH=http://www.w3.org/TR/1999/REC-xpath-19991116
ENV='<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
"$FIX" datafile "$T/base.xml" "$A" 2026-10 60

# tmpl NAME SED-EXPR — a template: the base file with its Signature changed.
tmpl() { sed "$2" "$T/base.xml" >"$T/$1.tmpl.xml"; }
# signed NAME KEYARGS... — signs NAME's template with stock xmlsec1.
sign_stock() {
    local n=$1
    shift
    xmlsec1 --sign "$@" --output "$T/$n.xml" "$T/$n.tmpl.xml" >"$T/$n.sign.log" 2>&1 ||
        { cat "$T/$n.sign.log"; fail "xmlsec1 could not sign $n"; }
}
P12=(--pkcs12 "$PKI/ent-a.p12" --pwd "$PASS")
# refused FILE WANT — drugflow verify says FAIL with WANT, within 20 s.
refused() {
    local rc=0
    timeout 20 "$DF" verify --ca "$PKI/ca.pem" "$1" >"$T/v.out" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || { cat "$T/v.out"; fail "verify $1: exit $rc, expected 1 (refused, promptly)"; }
    assert_contains "$T/v.out" "$2"
}

# 0. The plain file verifies: what follows is the shape, not the key.
tmpl good ''
sign_stock good "${P12[@]}"
expect_status 0 "$DF" verify --ca "$PKI/ca.pem" "$T/good.xml"

# 1. An XPath transform that leaves the records out; then a record changed.
tmpl xpath "s|$ENV|$ENV<Transform Algorithm=\"$XPATH\"><XPath>not(ancestor-or-self::Records)</XPath></Transform>|"
sign_stock xpath "${P12[@]}"
sed 's|<Quantity>2</Quantity>|<Quantity>9999</Quantity>|' "$T/xpath.xml" >"$T/xpath-changed.xml"
cmp -s "$T/xpath.xml" "$T/xpath-changed.xml" && fail "no record changed"
xmlsec1 --verify --trusted-pem "$PKI/ca.pem" "$T/xpath-changed.xml" >/dev/null 2>&1 ||
    fail "stock xmlsec1 should accept the changed file (that is the attack)"
refused "$T/xpath-changed.xml" "transform $XPATH not allowed"

# 2. An expression that costs minutes (cubic in the nodes) — the signature
#    does not even match any more, and still nothing may evaluate it.
sed 's|not(ancestor-or-self::Records)|count(//node()[count(//node()[count(//node()) \&gt; 0]) \&gt; 0]) \&gt;= 0|' \
    "$T/xpath.xml" >"$T/expensive.xml"
start=$(date +%s)
refused "$T/expensive.xml" "not allowed"
[ $(($(date +%s) - start)) -le 5 ] || fail "refusing the expensive XPath took more than 5 s"

# 3. A second Reference (also URI="").
tmpl tworefs 's|</Reference>|</Reference><Reference URI=""><Transforms>'"$ENV"'</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>|'
sign_stock tworefs "${P12[@]}"
refused "$T/tworefs.xml" "a second Reference not allowed"

# 4. Another canonicalization, another signature method (valid XML-DSig both).
tmpl excl 's|http://www.w3.org/TR/2001/REC-xml-c14n-20010315|http://www.w3.org/2001/10/xml-exc-c14n#|'
sign_stock excl "${P12[@]}"
refused "$T/excl.xml" "canonicalization http://www.w3.org/2001/10/xml-exc-c14n# not allowed"
tmpl sha512 's|xmldsig-more#rsa-sha256|xmldsig-more#rsa-sha512|'
sign_stock sha512 "${P12[@]}"
refused "$T/sha512.xml" "signature method http://www.w3.org/2001/04/xmldsig-more#rsa-sha512 not allowed"

# 5. KeyInfo with a KeyValue; an Object in the Signature.
tmpl keyvalue 's|<KeyInfo><X509Data/></KeyInfo>|<KeyInfo><KeyValue/><X509Data/></KeyInfo>|'
sign_stock keyvalue "${P12[@]}"
refused "$T/keyvalue.xml" "KeyInfo holds KeyValue"
tmpl object 's|</KeyInfo></Signature>|</KeyInfo><Object>x</Object></Signature>|'
sign_stock object "${P12[@]}"
refused "$T/object.xml" "Signature holds Object"

# 6. Signers whose certificates may not sign: keyUsage keyEncipherment only; a CA.
tmpl nosign ''
sign_stock nosign --pkcs12 "$PKI/ent-a-nosign.p12" --pwd "$PASS"
refused "$T/nosign.xml" "does not allow signing"
tmpl byca ''
sign_stock byca --privkey-pem "$PKI/ca.key,$PKI/ca.pem"
refused "$T/byca.xml" "is a CA certificate"

# 7. drugflow-sim refuses the same files the same way: FAILED E_SIGNATURE,
#    and the expensive one does not hold a worker (nor the shutdown).
seed "$T/data" "$A"
sim_start "$T/data" --workers 1
for n in xpath-changed expensive tworefs nosign; do
    id=$(upload a "$T/$n.xml")
    r=$(result a "$id")
    assert_eq "$(xval "$r" Status)" FAILED "sim: $n"
    printf '%s' "$r" | grep -q 'code="E_SIGNATURE"' || fail "sim: $n is not E_SIGNATURE: $r"
done
r=$(result a "$(upload a "$T/xpath-changed.xml")")
printf '%s' "$r" | grep -q "transform $XPATH not allowed" || fail "sim: no reason for the XPath: $r"
id=$(upload a "$T/expensive.xml")
sleep 0.2
start=$(date +%s)
sim_stop
[ $(($(date +%s) - start)) -le 5 ] || fail "drugflow-sim took more than 5 s to stop after the expensive file"
echo "signature policy: 11 hostile shapes refused by drugflow verify and drugflow-sim"
