#!/usr/bin/env bash
# tests/e2e/t_sign_algorithms.sh — the signature algorithms a profile may
# choose (issue 13): RSA-SHA1 and RSA-SHA512 (with SHA-1/SHA-512 digests) and
# the other canonicalizations, each signed by the streaming and the reference
# signer to the same digest and verified by stock xmlsec1 and drugflow
# verify; KeyInfo with the certificate only or the chain (PKCS#12 and PEM);
# SM2-with-SM3 (DER or raw r||s values, the distinguishing ID) signed with a
# PKCS#12 or PEM SM2 key and verified by drugflow verify only; keys that do
# not fit the profile's algorithm refused at load.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
export DRUGFLOW_PASSPHRASE=$PASS
GD=$ROOT/samples/profile/gd-v1.yaml
SM2=$ROOT/samples/profile/gd-v1-sm2.yaml

# variant FILE SRC 'key: value' ... — SRC with signature: lines replaced.
variant() {
    local out=$1 src=$2
    shift 2
    cp "$src" "$out"
    local kv
    for kv in "$@"; do
        sed -i "s|^  ${kv%%:*}: .*|  $kv|" "$out"
        grep -qF "  $kv" "$out" || fail "variant $out: '$kv' not set"
    done
}
# sign PROFILE MODE OUT KEYARGS... — convert the SALE sample, signed.
sign() {
    local prof=$1 mode=$2 out=$3
    shift 3
    local rc=0
    "$DF" convert -q -c "$ROOT/samples/drugflow.yaml" --profile "$prof" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 \
        -o "$out" --no-catalogs --sign "$mode" --chunk-records 4 --created-at 2026-11-01T02:00:00+08:00 "$@" \
        "$ROOT/samples/exports/sale.csv" </dev/null >"$T/convert.out" 2>&1 || rc=$?
    [ "$rc" -le 1 ] || { cat "$T/convert.out"; fail "convert --profile $prof --sign $mode: exit $rc"; }
    ls "$out"/*_0*.xml >/dev/null 2>&1 || fail "no chunk in $out"
}
stock_ok() { xmlsec1 --verify --trusted-pem "${2:-$PKI/ca.pem}" "$1" >"$T/x.log" 2>&1 || { cat "$T/x.log"; fail "xmlsec1 rejects $1"; }; }
stock_fails() { ! xmlsec1 --verify --trusted-pem "${2:-$PKI/ca.pem}" "$1" >/dev/null 2>&1 || fail "xmlsec1 accepts $1"; }
digest_of() { tr -d '\n' <"$1" | sed -n 's|.*<DigestValue>\([^<]*\)</DigestValue>.*|\1|p'; }
algo_of() { tr -d '\n' <"$1" | sed -n 's|.*<SignatureMethod Algorithm="\([^"]*\)".*|\1|p'; }

# 1. RSA variants: streaming and reference agree, both verify with the stock tool.
W=http://www.w3.org
n=0
for v in "sha1|rsa-sha1|sha1|$W/2000/09/xmldsig#rsa-sha1|$W/2000/09/xmldsig#sha1|$W/TR/2001/REC-xml-c14n-20010315" \
         "sha512|rsa-sha512|sha512|$W/2001/04/xmldsig-more#rsa-sha512|$W/2001/04/xmlenc#sha512|$W/2006/12/xml-c14n11" \
         "mixed|rsa-sha256|sha512|$W/2001/04/xmldsig-more#rsa-sha256|$W/2001/04/xmlenc#sha512|$W/2001/10/xml-exc-c14n#"; do
    IFS='|' read -r name alg dig method digest c14n <<<"$v"
    variant "$T/$name.yaml" "$GD" "algorithm: $alg" "digest: $dig" "signature_method: $method" \
        "digest_method: $digest" "canonicalization: $c14n"
    sign "$T/$name.yaml" streaming "$T/$name-s" --key "$PKI/ent-a.p12"
    sign "$T/$name.yaml" reference "$T/$name-r" --key "$PKI/ent-a.p12"
    for f in "$T/$name-s"/*_0*.xml; do
        g=$T/$name-r/$(basename "$f")
        assert_eq "$(algo_of "$f")" "$method" "$name: SignatureMethod"
        stock_ok "$f"
        stock_ok "$g"
        assert_eq "$(digest_of "$f")" "$(digest_of "$g")" "$name: streaming and reference digests of $(basename "$f")"
        n=$((n + 1))
    done
    expect_status 0 "$DF" verify --profile "$T/$name.yaml" --ca "$PKI/ca.pem" "$T/$name-s"/*_0*.xml "$T/$name-r"/*_0*.xml
    # gd-v1's verifier refuses another algorithm: the profile decides.
    expect_status 1 "$DF" verify --ca "$PKI/ca.pem" "$(ls "$T/$name-s"/*_0*.xml | head -n 1)"
done
echo "RSA variants: $n chunks, each signed both ways, verified by xmlsec1 and drugflow verify"

# 2. KeyInfo: the certificate only, or the chain (A from an intermediate CA).
variant "$T/chain.yaml" "$GD" "key_info: chain"
sign "$T/chain.yaml" streaming "$T/chain-s" --key "$PKI/ent-a-chain.p12"
sign "$T/chain.yaml" reference "$T/chain-r" --key "$PKI/ent-a-chain.p12"
sign "$T/chain.yaml" streaming "$T/chain-pem" --key "$PKI/ent-a-chain.key" --cert "$PKI/ent-a-chain.pem"
sign "$GD" streaming "$T/cert-only" --key "$PKI/ent-a-chain.p12"
for d in chain-s chain-r chain-pem; do
    f=$(ls "$T/$d"/*_0*.xml | head -n 1)
    assert_eq "$(grep -o '<X509Certificate>' "$f" | wc -l)" 3 "$d: A, the sub-CA and the CA in KeyInfo"
    stock_ok "$f"
    expect_status 0 "$DF" verify --profile "$T/chain.yaml" --ca "$PKI/ca.pem" "$f"
    expect_status 0 "$DF" verify --ca "$PKI/ca.pem" "$f" # another tool's chain is accepted too
done
f=$(ls "$T/cert-only"/*_0*.xml | head -n 1)
assert_eq "$(grep -o '<X509Certificate>' "$f" | wc -l)" 1 "key_info certificate: the signer's only"
stock_fails "$f"
expect_status 1 "$DF" verify --ca "$PKI/ca.pem" "$f"
"$DF" verify --ca "$PKI/ca.pem" "$f" >"$T/v.out" || true
assert_contains "$T/v.out" "unable to get local issuer certificate"
cat "$PKI/ca.pem" "$PKI/sub-ca.pem" >"$T/with-sub.pem"
expect_status 0 "$DF" verify --ca "$T/with-sub.pem" "$f" # the issuer known to the verifier: fine

# 3. SM2 with SM3: PKCS#12 and PEM keys, DER and raw values, the ID.
sign "$SM2" streaming "$T/sm2" --key "$PKI/ent-a-sm2.p12"
sign "$SM2" streaming "$T/sm2-pem" --key "$PKI/ent-a-sm2.key" --cert "$PKI/ent-a-sm2.pem"
variant "$T/sm2-raw.yaml" "$SM2" "sm2_value: raw"
sign "$T/sm2-raw.yaml" streaming "$T/sm2-raw" --key "$PKI/ent-a-sm2.p12"
variant "$T/sm2-id.yaml" "$SM2" 'sm2_id: "91440101MA59TEST0A"'
f=$(ls "$T/sm2"/*_0*.xml | head -n 1)
raw=$(ls "$T/sm2-raw"/*_0*.xml | head -n 1)
assert_eq "$(algo_of "$f")" urn:drugflow:xmldsig:sm2-sm3 "SM2 SignatureMethod"
expect_status 0 "$DF" verify --profile "$SM2" --ca "$PKI/sm2-ca.pem" "$T/sm2"/*_0*.xml "$T/sm2-pem"/*_0*.xml
expect_status 0 "$DF" verify --profile "$T/sm2-raw.yaml" --ca "$PKI/sm2-ca.pem" "$T/sm2-raw"/*_0*.xml
sv() { tr -d '\n' <"$1" | sed -n 's|.*<SignatureValue>\([^<]*\)</SignatureValue>.*|\1|p' | base64 -d | wc -c; }
assert_eq "$(sv "$raw")" 64 "raw r||s is 64 bytes"
[ "$(sv "$f")" -ge 70 ] || fail "a DER SM2 value is 70 to 72 bytes, not $(sv "$f")"
expect_status 1 "$DF" verify --profile "$SM2" --ca "$PKI/sm2-ca.pem" "$raw"       # raw read as DER
expect_status 1 "$DF" verify --profile "$T/sm2-id.yaml" --ca "$PKI/sm2-ca.pem" "$f" # another ID
expect_status 1 "$DF" verify --profile "$SM2" --ca "$PKI/ca.pem" "$f"               # not the SM2 CA
expect_status 1 "$DF" verify --ca "$PKI/sm2-ca.pem" "$f"                            # gd-v1 is RSA
stock_fails "$f" "$PKI/sm2-ca.pem"
sed 's|<Quantity>1200</Quantity>|<Quantity>1201</Quantity>|' "$f" >"$T/sm2-changed.xml"
cmp -s "$f" "$T/sm2-changed.xml" && fail "no record changed in the SM2 file"
"$DF" verify --profile "$SM2" --ca "$PKI/sm2-ca.pem" "$T/sm2-changed.xml" >"$T/v.out" || true
assert_contains "$T/v.out" "digest does not match"

# 4. Keys that do not fit the profile, and the reference signer without SM2.
key_refused() {
    local want=$1
    shift
    local rc=0
    "$DF" convert -q -c "$ROOT/samples/drugflow.yaml" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 -o "$T/kr" \
        --no-catalogs "$@" "$ROOT/samples/exports/sale.csv" </dev/null >"$T/kr.out" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || { cat "$T/kr.out"; fail "convert $*: exit $rc, expected 2"; }
    assert_contains "$T/kr.out" "$want"
}
key_refused "an SM2 key (curve SM2) is needed" --profile "$SM2" --key "$PKI/ent-a.p12"
key_refused "an RSA key is needed" --key "$PKI/ent-a-sm2.p12"
key_refused "does not allow signing" --key "$PKI/ent-a-nosign.p12"
rc=0
"$DF" convert -q -c "$ROOT/samples/drugflow.yaml" --profile "$SM2" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 \
    -o "$T/ref-sm2" --no-catalogs --sign reference --key "$PKI/ent-a-sm2.p12" "$ROOT/samples/exports/sale.csv" \
    </dev/null >"$T/ref.out" 2>&1 || rc=$?
[ "$rc" -ge 2 ] || fail "the reference signer signed with SM2 (exit $rc)"
assert_contains "$T/ref.out" "libxmlsec1, which has no sm2-sm3"
echo "sign algorithms: ok"
