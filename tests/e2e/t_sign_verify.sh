#!/usr/bin/env bash
# tests/e2e/t_sign_verify.sh — issue 3 end to end: every chunk `drugflow
# convert` makes from the samples, signed by the streaming and by the
# reference signer, verifies with the stock tool (xmlsec1 --verify
# --trusted-pem ca.pem FILE) and with `drugflow verify`; both signers give
# each chunk the same DigestValue; a changed byte, two swapped records or a
# removed Signature make both verifiers fail; records with & < > " ' and
# 4-byte characters sign and verify.
. "$(dirname "$0")/lib.sh"

# The test PKI, shared by the scripts of one build (made under a lock).
PKI=$BUILD/e2e-pki
(
    flock 9
    [ -f "$PKI/done" ] && [ -f "$PKI/sm2-ca.pem" ] ||
        { "$ROOT/samples/pki/make-pki.sh" --force --sm2 "$PKI" >/dev/null && touch "$PKI/done"; }
) 9>"$BUILD/e2e-pki.lock"
export DRUGFLOW_PASSPHRASE
DRUGFLOW_PASSPHRASE=$(cat "$PKI/passphrase")
CFG=$ROOT/samples/drugflow.yaml

# convert MODE OUT MAPPING EXPORT [options] — signed chunks; exit 0 or 1 (rejects).
convert() {
    local mode=$1 out=$2 mapping=$3 export=$4
    shift 4
    local rc=0
    "$DF" convert -q -c "$CFG" -m "$mapping" -p 2026-10 -o "$out" --sign "$mode" \
        --key "$PKI/ent-a.p12" --chunk-records 4 --created-at 2026-11-01T02:00:00+08:00 \
        "$@" "$export" </dev/null 2>"$T/convert.err" || rc=$?
    [ "$rc" -le 1 ] || { cat "$T/convert.err" >&2; fail "convert --sign $mode $export: exit $rc"; }
}
stock_ok() { xmlsec1 --verify --trusted-pem "$PKI/ca.pem" "$1" >"$T/x.log" 2>&1 || { cat "$T/x.log" >&2; fail "xmlsec1 rejects $1"; }; }
stock_fails() { ! xmlsec1 --verify --trusted-pem "$PKI/ca.pem" "$1" >/dev/null 2>&1 || fail "xmlsec1 accepts $1"; }
digest_of() { tr -d '\n' <"$1" | sed -n 's|.*<DigestValue>\([^<]*\)</DigestValue>.*|\1|p'; }

# 1. Every sample, both signers: all chunks verify, digests agree.
n=0
for m in "$ROOT"/samples/mappings/*.yaml; do
    name=$(basename "$m" .yaml)
    convert streaming "$T/s/$name" "$m" "$ROOT/samples/exports/$name.csv"
    convert reference "$T/r/$name" "$m" "$ROOT/samples/exports/$name.csv"
    for f in "$T/s/$name"/*.xml; do
        g=$T/r/$name/$(basename "$f")
        assert_file "$g"
        stock_ok "$f"
        stock_ok "$g"
        [ -n "$(digest_of "$f")" ] || fail "no DigestValue in $f"
        assert_eq "$(digest_of "$f")" "$(digest_of "$g")" "digest of $(basename "$f") ($name)"
        n=$((n + 1))
    done
    expect_status 0 "$DF" verify --ca "$PKI/ca.pem" "$T/s/$name"/*.xml "$T/r/$name"/*.xml
done
[ "$n" -ge 8 ] || fail "only $n chunks made from the samples"
echo "samples: $n chunks, each signed both ways, verified by xmlsec1 and drugflow verify"

# 2. Tampering: one byte, two records swapped, Signature removed.
for mode in s r; do
    f=$(ls "$T/$mode/sale"/*.xml | head -n 1)
    grep -q '<BillNo>XS2026100001</BillNo>' "$f" || fail "$f: expected first record not found"
    sed 's|<BillNo>XS2026100001</BillNo>|<BillNo>XS2026100009</BillNo>|' "$f" >"$T/byte.xml"
    awk '/^<Record>/ { n++; if (n == 1) { held = $0; next } if (n == 2) { print; print held; next } } { print }' \
        "$f" >"$T/swap.xml"
    cmp -s "$f" "$T/swap.xml" && fail "swap changed nothing"
    tr '\n' '\001' <"$f" | sed 's|<Signature xmlns=.*</Signature>||' |
        tr '\001' '\n' >"$T/nosig.xml"
    assert_not_contains "$T/nosig.xml" '<Signature'
    for t in byte swap nosig; do
        stock_fails "$T/$t.xml"
        expect_status 1 "$DF" verify --ca "$PKI/ca.pem" "$T/$t.xml"
    done
done

# 3. Awkward characters in free-text fields.
{
    head -n 1 "$ROOT/samples/exports/sale.csv"
    sed -n 2p "$ROOT/samples/exports/sale.csv" |
        sed 's|,氨氯地平片,|,"氨氯地平片 A\&B <c> ""q"" '"'"'a'"'"' 𠀀𠀁",|'
} >"$T/awkward.csv"
convert streaming "$T/aw-s" "$ROOT/samples/mappings/sale.yaml" "$T/awkward.csv"
convert reference "$T/aw-r" "$ROOT/samples/mappings/sale.yaml" "$T/awkward.csv"
f=$T/aw-s/2026-10-SALE-01_00001.xml
assert_file "$f"
assert_contains "$f" "A&amp;B &lt;c&gt; \"q\" 'a' 𠀀𠀁"
stock_ok "$f"
stock_ok "$T/aw-r/2026-10-SALE-01_00001.xml"
assert_eq "$(digest_of "$f")" "$(digest_of "$T/aw-r/2026-10-SALE-01_00001.xml")" "awkward digest"

# 4. Keys: PEM key + certificate with a passphrase file; each problem has its
#    own message, none shows the passphrase.
convert streaming "$T/pem" "$ROOT/samples/mappings/sale.yaml" "$ROOT/samples/exports/sale.csv" \
    --key "$PKI/ent-a.key" --cert "$PKI/ent-a.pem" --passphrase-file "$PKI/passphrase"
for f in "$T/pem"/*.xml; do stock_ok "$f"; done
# key_fails WANT [convert options...] — convert must fail with WANT on stderr.
key_fails() {
    local want=$1
    shift
    local rc=0
    "$DF" convert -q -c "$CFG" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 -o "$T/kf" \
        "$@" "$ROOT/samples/exports/sale.csv" </dev/null >"$T/kf.out" 2>"$T/kf.err" || rc=$?
    [ "$rc" -gt 1 ] || fail "convert $* should fail (exit $rc)"
    assert_contains "$T/kf.err" "$want"
    assert_not_contains "$T/kf.err" "$DRUGFLOW_PASSPHRASE"
    assert_not_contains "$T/kf.err" "not-the-passphrase"
    [ ! -e "$T/kf" ] || [ -z "$(ls "$T/kf"/*.xml 2>/dev/null)" ] || fail "chunks written despite the key error"
}
DRUGFLOW_PASSPHRASE=not-the-passphrase key_fails "wrong passphrase" --key "$PKI/ent-a.p12"
key_fails "expired on" --key "$PKI/expired.p12"
key_fails "does not match the certificate" --key "$PKI/ent-a.key" --cert "$PKI/ent-b.pem"
cp "$PKI/ent-a.p12" "$T/open.p12"
chmod 644 "$T/open.p12"
key_fails "chmod 600 $T/open.p12" --key "$T/open.p12"
convert streaming "$T/open" "$ROOT/samples/mappings/sale.yaml" "$ROOT/samples/exports/sale.csv" \
    --key "$T/open.p12" --allow-open-key-permissions
stock_ok "$T/open/2026-10-SALE-01_00001.xml"
echo "sign/verify e2e: ok"
