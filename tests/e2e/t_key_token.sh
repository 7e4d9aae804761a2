#!/usr/bin/env bash
# Enterprise keys on USB tokens (issue 11), with a SoftHSM2 token made here:
# certificate.key "pkcs11:token=…;object=…" signs chunks (streaming, several
# threads at once, and the reference signer), verified by stock xmlsec1;
# a whole `run` against drugflow-sim authenticates TLS with the token's
# key; the certificate comes from the token or a file; wrong PIN, missing
# token, locked token, a PIN in the URI, no module, no such key: each its
# own clear message, exit 2, nothing written; the PIN never in any output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"
. "$(dirname "$0")/sim-common.sh" # FIX is now sim-fixtures.sh
gen_sale() { LC_ALL=C awk -v rows="$1" -v bad_every="$2" -f "$ROOT/tests/fixtures/convert/gen_sale.awk" >"$3"; }

MOD=$("$ROOT/tests/e2e/make-token.sh" --module)
PIN=246813
"$ROOT/tests/e2e/make-token.sh" "$T/hsm" ent-a "$PKI/ent-a.key" "$PKI/ent-a.pem" "$PIN" "$PKI/passphrase"
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
printf '%s\n' "$PIN" >"$T/pin"
printf '000000\n' >"$T/badpin"
chmod 600 "$T/pin" "$T/badpin"
KEY='pkcs11:token=ent-a;object=ent-a'

tconvert() { # OUT ARGS... — convert SALE with the token key; status in $rc
    local out=$1
    shift
    rc=0
    "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SAMPLES/mappings/sale.yaml" -p 2026-10 -o "$out" \
        --no-catalogs -q --created-at "$CREATED" "$@" "$T/sale.csv" >"$out.out" 2>"$out.err" || rc=$?
}
verify_all() {
    local f n=0
    for f in $(chunks "$1"); do
        xmlsec1 --verify --trusted-pem "$PKI/ca.pem" "$f" >"$T/xmlsec.out" 2>&1 ||
            { cat "$T/xmlsec.out"; fail "xmlsec1 does not verify $f"; }
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || fail "no chunks in $1"
    echo "$n"
}
gen_sale 3000 0 "$T/sale.csv"

# Streaming signing with the token's key, 4 writer threads at once; the
# certificate read from the token; the module from the environment.
DRUGFLOW_PKCS11_MODULE=$MOD tconvert "$T/stream" --key "$KEY" --passphrase-file "$T/pin" --threads 4 \
    --chunk-records 100
assert_eq "$rc" 0 "token signing: $(cat "$T/stream.err")"
assert_eq "$(verify_all "$T/stream")" 30 "chunks signed on the token and verified by xmlsec1"
# The same bytes as with the PKCS#12 of the same key (RSA PKCS#1 v1.5 is deterministic).
tconvert "$T/p12" --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase" --chunk-records 100
cmp "$(chunks "$T/stream" | sed -n 1p)" "$(chunks "$T/p12" | sed -n 1p)" || fail "token and file signatures differ"
# The certificate from a file; the module in the URI; the PIN from the
# environment variable. The reference signer (libxmlsec1) cannot use a token
# key: refused up front.
DRUGFLOW_PASSPHRASE=$PIN tconvert "$T/file" --key "$KEY?module-path=$MOD" --cert "$PKI/ent-a.pem" \
    --chunk-records 1000
assert_eq "$rc" 0 "certificate from a file: $(cat "$T/file.err")"
assert_eq "$(verify_all "$T/file")" 3 "chunks"
DRUGFLOW_PASSPHRASE=$PIN tconvert "$T/ref" --sign reference --key "$KEY?module-path=$MOD"
assert_eq "$rc" 2 "reference signer with a token key"
assert_contains "$T/ref.err" "--sign reference (libxmlsec1) cannot sign with a key on a token: use --sign streaming"

# A whole run against drugflow-sim: TLS authenticated by the token's key.
seed "$T/data" "$A"
sim_start "$T/data"
sim_config "$T/df.yaml" "certificate: {key: \"$KEY\", pkcs11_module: $MOD, passphrase_file: $T/pin}" \
    "upload: {parallel: 4, attempts: 3, retry_base_ms: 20, status_timeout: 60}"
rc=0
"$DF" run -c "$T/df.yaml" -q -m "$SAMPLES/mappings/sale.yaml" -p 2026-10 --chunk-records 500 --no-catalogs \
    --json "$T/sale.csv" >"$T/run.json" 2>"$T/run.err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/run.err"; fail "run with the token key exited $rc"; }
assert_contains "$T/run.json" '"uploaded": 6'
n_passed=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where state in ('PASSED','PARTIAL')")
assert_eq "$n_passed" 6 "chunks the server verified and processed"
grep -q "91440101MA59TEST0A" "$T/sim.log" || fail "the server did not see enterprise A's certificate"
"$DF" status -c "$T/df.yaml" --json >"$T/st.json" 2>"$T/st.err" || true
assert_contains "$T/st.json" '"chunks": 6'
# The doctor: the token reachable and the PIN accepted, TLS with the token's key.
"$DF" doctor -c "$T/df.yaml" >"$T/doc.out" 2>&1 || true
grep -qE "^token +ok +token 'ent-a' \(SoftHSM project SoftHSM v2, serial [0-9a-f]+\) in $MOD: PIN accepted, key found" \
    "$T/doc.out" || { cat "$T/doc.out"; fail "doctor: token line"; }
grep -qE "^tls +ok  " "$T/doc.out" || { cat "$T/doc.out"; fail "doctor: TLS with the token's key"; }
grep -qE "^server +ok  " "$T/doc.out" || { cat "$T/doc.out"; fail "doctor: server with the token's key"; }
sed "s#passphrase_file: $T/pin#passphrase_file: $T/badpin#" "$T/df.yaml" >"$T/df-bad.yaml"
"$DF" doctor -c "$T/df-bad.yaml" >"$T/docbad.out" 2>&1 && fail "doctor passes with a wrong PIN"
grep -qE "^token +FAIL  wrong PIN for token 'ent-a'" "$T/docbad.out" || { cat "$T/docbad.out"; fail "doctor: wrong PIN"; }
grep -A1 -E "^token +FAIL" "$T/docbad.out" | grep -q "→ plug in the USB key" || fail "doctor: no fix for the token"
sim_stop

# Failures: each with its own message, exit 2, nothing written.
fails() { # NAME MESSAGE ARGS...
    local name=$1 msg=$2
    shift 2
    tconvert "$T/$name" "$@"
    assert_eq "$rc" 2 "$name: $(cat "$T/$name.err")"
    assert_contains "$T/$name.err" "$msg"
    no_chunks "$T/$name"
}
export DRUGFLOW_PKCS11_MODULE=$MOD
fails badpin "wrong PIN for token 'ent-a'" --key "$KEY" --passphrase-file "$T/badpin"
fails notoken "no token matching pkcs11:token=ent-b;object=ent-a in $MOD: is the USB key plugged in? Tokens present: 'ent-a'" \
    --key "pkcs11:token=ent-b;object=ent-a" --passphrase-file "$T/pin"
fails nokey "holds no private key matching pkcs11:token=ent-a;object=ent-b (its private keys: 'ent-a' (id 01))" \
    --key "pkcs11:token=ent-a;object=ent-b" --passphrase-file "$T/pin"
fails pinvalue "holds the PIN (pin-value or pin-source)" --key "$KEY;pin-value=$PIN"
fails nopin "needs a PIN" --key "$KEY" --passphrase-env DF_NO_SUCH_VAR
fails badurl "is not a PKCS#11 URI" --key "pkcs11:token=ent-a;objec"
DRUGFLOW_PKCS11_MODULE= fails nomodule "no PKCS#11 module is named: set certificate.pkcs11_module" --key "$KEY" \
    --passphrase-file "$T/pin"
DRUGFLOW_PKCS11_MODULE=$T/none.so fails missingmodule "the PKCS#11 module $T/none.so cannot be read" \
    --key "$KEY" --passphrase-file "$T/pin"
DRUGFLOW_PKCS11_MODULE=$PKI/ca.pem fails notamodule "does not load" --key "$KEY" --passphrase-file "$T/pin"
# A locked token: SoftHSM2 never locks by itself, so the token's flags are
# set as a real token sets them after too many wrong PINs (CKF_USER_PIN_LOCKED).
cp -a "$T/hsm" "$T/locked"
sed "s#$T/hsm/tokens#$T/locked/tokens#" "$T/hsm/softhsm2.conf" >"$T/locked/softhsm2.conf"
for f in "$T"/locked/tokens/*/token.object; do
    perl -0777 -i -pe 's/(\x00\x00\x00\x00\x80\x00\x53\x4b.{8})(.{8})/$1 . pack("Q>", unpack("Q>", $2) | 0x40000)/se' "$f"
done
SOFTHSM2_CONF=$T/locked/softhsm2.conf fails locked "the PIN of token 'ent-a' is locked (too many wrong PINs): unlock it" \
    --key "$KEY" --passphrase-file "$T/pin"
# One attempt left (CKF_USER_PIN_FINAL_TRY): drugflow does not risk locking the token.
cp -a "$T/hsm" "$T/final"
sed "s#$T/hsm/tokens#$T/final/tokens#" "$T/hsm/softhsm2.conf" >"$T/final/softhsm2.conf"
for f in "$T"/final/tokens/*/token.object; do
    perl -0777 -i -pe 's/(\x00\x00\x00\x00\x80\x00\x53\x4b.{8})(.{8})/$1 . pack("Q>", unpack("Q>", $2) | 0x20000)/se' "$f"
done
SOFTHSM2_CONF=$T/final/softhsm2.conf fails finaltry "allows one more PIN attempt before it locks: drugflow will not risk it" \
    --key "$KEY" --passphrase-file "$T/pin"

# The PIN is in no output, no log, no file drugflow wrote.
! grep -rqa -- "$PIN" "$T"/*.err "$T"/*.out "$T"/*.json "$T/sim.log" "$T/ws" 2>/dev/null ||
    fail "the PIN shows in an output: $(grep -rla -- "$PIN" "$T"/*.err "$T"/*.out "$T"/*.json "$T/ws")"
echo "token keys sign, authenticate TLS and fail clearly"
