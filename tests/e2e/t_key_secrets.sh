#!/usr/bin/env bash
# tests/e2e/t_key_secrets.sh — no passphrase or key material in what a
# full run leaves behind (issue 7): convert with streaming and reference
# signing (passphrase from the environment and from a file), a wrong
# passphrase, --json, verify, uploads to drugflow-sim and its results — and,
# once the uploader is on main, `drugflow run` and its journal. Every
# stdout, stderr, rejects file, the simulator's log and store are searched
# for the passphrase and for pieces of the private key (PEM as stored,
# decrypted PEM, PKCS#12 base64). Also: the passphrase cannot be given on
# the command line, and a process holding the key cannot dump core.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

L=$T/logs
mkdir -p "$L"
cat >"$T/cfg.yaml" <<YAML
enterprise:
  code: $A
  name: 测试医药有限公司
YAML
"$FIX" catalogs "$T/cat"
"$GEN" --rows 300 --bad-share 0.1 --catalogs "$T/gcat" --commodities 500 --partners 100 --out "$T/in.csv" \
    >/dev/null 2>&1
cp "$PKI/passphrase" "$T/passfile"
chmod 600 "$T/passfile"
conv() { # NAME [options]: one convert, outputs kept in $L/NAME.*
    local name=$1
    shift
    local rc=0
    "$DF" convert -c "$T/cfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" --catalogs "$T/gcat" --period 2026-10 \
        --out "$T/out-$name" --key "$PKI/ent-a.p12" "$@" "$T/in.csv" >"$L/$name.out" 2>"$L/$name.err" || rc=$?
    echo "$rc" >"$L/$name.rc"
    cp "$T/out-$name/rejects.csv" "$L/$name.rejects.csv" 2>/dev/null || true
}

DRUGFLOW_PASSPHRASE=$PASS conv env --sign streaming --json
DRUGFLOW_PASSPHRASE=$PASS conv ref --sign reference --progress
conv file --passphrase-file "$T/passfile" --json
MY_PASS=$PASS conv myenv --passphrase-env MY_PASS
DRUGFLOW_PASSPHRASE=not-the-passphrase conv wrong
DRUGFLOW_PASSPHRASE=$PASS conv pem --key "$PKI/ent-a.key" --cert "$PKI/ent-a.pem"
for n in env ref file myenv pem; do
    rc=$(cat "$L/$n.rc")
    [ "$rc" -le 1 ] || fail "convert $n: exit $rc: $(cat "$L/$n.err")"
done
assert_eq "$(cat "$L/wrong.rc")" 2 "wrong passphrase"
grep -qi passphrase "$L/wrong.err" || fail "wrong passphrase: message should say so: $(cat "$L/wrong.err")"
assert_not_contains "$L/wrong.err" "not-the-passphrase"
"$DF" verify --ca "$PKI/ca.pem" "$T"/out-env/*.xml >"$L/verify.out" 2>"$L/verify.err"
"$DF" verify --json --ca "$PKI/ca.pem" "$T"/out-file/*.xml >"$L/verifyj.out" 2>"$L/verifyj.err"

# The passphrase is never an option.
expect_status 2 "$DF" convert --passphrase "$PASS" -m x --out "$T/x" --period 2026-10 "$T/in.csv" 2>/dev/null

# Uploads and results through drugflow-sim, its log and store searched too.
seed "$T/data" "$A"
sim_start "$T/data"
for f in "$T"/out-env/*.xml; do
    id=$(upload a "$f")
    result a "$id" >>"$L/results.out"
done
if "$DF" run --help >/dev/null 2>&1; then
    # The uploader is on main: a whole run against the simulator too.
    cat "$T/cfg.yaml" - >"$T/runcfg.yaml" <<YAML
tls:
  ca: $PKI/ca.pem
certificate:
  key: $PKI/ent-a.p12
  passphrase_env: DRUGFLOW_PASSPHRASE
workspace: $T/ws
YAML
    rc=0
    DRUGFLOW_PASSPHRASE=$PASS "$DF" run -c "$T/runcfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" \
        --catalogs "$T/gcat" --period 2026-11 --endpoint "$URL/" --json "$T/in.csv" >"$L/run.out" \
        2>"$L/run.err" || rc=$?
    [ "$rc" -le 1 ] || fail "drugflow run: exit $rc: $(cat "$L/run.err")"
    DRUGFLOW_PASSPHRASE=wrong "$DF" run -c "$T/runcfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" \
        --catalogs "$T/gcat" --period 2026-12 --endpoint "$URL/" "$T/in.csv" >"$L/run-wrong.out" \
        2>"$L/run-wrong.err" || true
    find "$T/ws" -type f -exec cat {} + >"$L/workspace.bin" 2>/dev/null || true
fi
sim_stop
cp "$T/sim.log" "$L/sim.log"
cat "$T/sim.err" "$T/sim.out" >"$L/sim.err"
find "$T/data" -type f -name '*.db*' -exec cat {} + >"$L/sim-store.bin"

# What must not appear: the passphrase and 24-character pieces of every
# base64 line of the key as stored, decrypted, and the PKCS#12.
openssl pkey -in "$PKI/ent-a.key" -passin "pass:$PASS" >"$T/plain.key"
base64 -w 64 "$PKI/ent-a.p12" >"$T/p12.b64"
: >"$T/needles"
for f in "$PKI/ent-a.key" "$T/plain.key" "$T/p12.b64"; do
    grep -v '^-----' "$f" | awk 'length($0) >= 48 { print substr($0, 1, 24); print substr($0, 25, 24) }' >>"$T/needles"
done
[ "$(wc -l <"$T/needles")" -gt 50 ] || fail "too few key pieces to search for"
for f in "$L"/*; do
    if grep -aqF -- "$PASS" "$f"; then fail "the passphrase appears in $(basename "$f")"; fi
    if grep -aqF -f "$T/needles" "$f"; then fail "private key material appears in $(basename "$f")"; fi
done
echo "searched $(ls "$L" | wc -l) outputs for the passphrase and $(wc -l <"$T/needles") key pieces: none found"

# A process holding the key cannot dump core: convert reading a FIFO waits
# with the key loaded; its limits say no core file.
mkfifo "$T/slow.csv"
(ulimit -c unlimited 2>/dev/null || true
 DRUGFLOW_PASSPHRASE=$PASS exec "$DF" convert -c "$T/cfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" \
     --no-catalogs --period 2026-10 --out "$T/out-slow" --key "$PKI/ent-a.p12" -q "$T/slow.csv") &
CPID=$!
exec 7>"$T/slow.csv" # let the converter open its input, then hold it there
sleep 0.5
lim=$(awk '/Max core file size/ { print $5 " " $6 }' "/proc/$CPID/limits")
exec 7>&-
wait "$CPID" || true
assert_eq "$lim" "0 0" "core file size limit of a process holding the key"
