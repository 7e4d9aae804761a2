#!/usr/bin/env bash
# benchmarks/upload-bench.sh — the uploader's two speed targets, against
# drugflow-sim on loopback (issue 5):
#  (1) with --latency-ms 200, 50 chunks over 8 connections vs 1 connection
#      (target: 8 connections take at most 1/5 of the time of 1);
#  (2) `drugflow run` on ROWS generated SALE rows (default 1,000,000) with the
#      server's processing deferred, up to the last upload confirmed, vs
#      `drugflow convert` with streaming signing alone (target: at most 1.5×).
# Usage: benchmarks/upload-bench.sh [ROWS]     (BUILD=dir for other builds)
# Prints the figures and PASS/FAIL per target; exit 1 if a target is missed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
DF=$build/drugflow SIM=$build/drugflow-sim GEN=$build/gen
rows=${1:-1000000}
crec=${CHUNK_RECORDS:-20000}
T=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-upbench.XXXXXX")
A=91440101MA59TEST0A
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
# le A B: "PASS" if A <= B, else "FAIL"
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "PASS" : "FAIL" }'; }

"$root/samples/pki/make-pki.sh" "$T/pki" >/dev/null
"$GEN" --catalogs "$T/cat" 2>/dev/null
"$SIM" seed --data "$T/data" --enterprise "$A" --profile "$root/samples/profile/gd-v1.yaml" \
    --commodities "$T/cat/commodities.csv" --partners "$T/cat/partners.csv" >/dev/null

sim_start() {
    [ -n "$sim_pid" ] && { kill -TERM "$sim_pid"; wait "$sim_pid" || true; }
    rm -f "$T/port"
    "$SIM" serve --data "$T/data" --pki "$T/pki" --profile "$root/samples/profile/gd-v1.yaml" \
        --schema "$root/samples/schema/gd-v1.xsd" --port 0 --port-file "$T/port" --log /dev/null \
        --max-upload 64M --queue 100000 "$@" >/dev/null 2>"$T/sim.err" &
    sim_pid=$!
    for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.05; done
    port=$(cat "$T/port")
    cat >"$T/df.yaml" <<CONF
enterprise: {code: $A, name: 广州样例医药连锁有限公司}
endpoint: https://localhost:$port/data/clientAccept/
workspace: $T/ws
tls: {ca: $T/pki/ca.pem}
certificate: {key: $T/pki/ent-a.p12, passphrase_file: $T/pki/passphrase}
CONF
}
export DRUGFLOW_CONFIG=$T/df.yaml
port=1
cat >"$T/df.yaml" <<CONF
enterprise: {code: $A, name: 广州样例医药连锁有限公司}
CONF

# ---- (1) 50 chunks, 200 ms per request: 8 connections vs 1 ----
"$GEN" --type SALE --rows 5000 --out "$T/small.csv" 2>/dev/null
"$DF" convert -q -m "$root/samples/mappings/sale.yaml" -p 2026-10 --catalogs "$T/cat" --chunk-records 100 \
    --key "$T/pki/ent-a.p12" --passphrase-file "$T/pki/passphrase" --batch-id PAR -o "$T/chunks" "$T/small.csv" || true
nch=$(ls "$T/chunks"/PAR_*.xml | wc -l)
declare -A took
for p in 1 8; do
    [ -n "$sim_pid" ] && { kill -TERM "$sim_pid"; wait "$sim_pid" || true; sim_pid=; }
    rm -rf "$T/data/$A/files" "$T/ws"
    sqlite3 "$T/data/$A/state.db" "delete from files"
    mkdir -p "$T/data/$A/files"
    sim_start --latency-ms 200 --defer-processing
    t0=$(now)
    "$DF" upload -P "$p" --json "$T/chunks" >"$T/up$p.json" 2>/dev/null
    t1=$(now)
    took[$p]=$(secs "$t0" "$t1")
    grep -q "\"uploaded\": $nch" "$T/up$p.json" || { cat "$T/up$p.json"; echo "upload -P $p failed"; exit 1; }
done
ratio1=$(awk -v a="${took[8]}" -v b="${took[1]}" 'BEGIN { printf "%.4f", a / b }')
printf '(1) %d chunks, 200 ms latency: 1 connection %.2f s, 8 connections %.2f s, ratio %.3f (target <= 0.200): %s\n' \
    "$nch" "${took[1]}" "${took[8]}" "$ratio1" "$(le "$ratio1" 0.2)"

# ---- (2) run on ROWS rows vs convert with signing ----
"$GEN" --type SALE --rows "$rows" --out "$T/big.csv" 2>/dev/null
rm -rf "$T/ws" "$T/conv"
t0=$(now)
"$DF" convert -q -m "$root/samples/mappings/sale.yaml" -p 2026-11 --catalogs "$T/cat" --chunk-records "$crec" \
    --key "$T/pki/ent-a.p12" --passphrase-file "$T/pki/passphrase" --batch-id CONV -o "$T/conv" "$T/big.csv" || true
t1=$(now)
tconv=$(secs "$t0" "$t1")
rm -rf "$T/conv"
sim_start --defer-processing
"$DF" catalog pull >/dev/null 2>&1
t0=$(now)
rc=0
"$DF" run -q --no-status -m "$root/samples/mappings/sale.yaml" -p 2026-12 --chunk-records "$crec" "$T/big.csv" >/dev/null 2>"$T/run.err" || rc=$?
t1=$(now)
trun=$(secs "$t0" "$t1")
[ "$rc" -le 1 ] || { cat "$T/run.err"; echo "run failed ($rc)"; exit 1; }
up=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) || '/' || (select count(*) from chunks) from chunks where file_id is not null")
ratio2=$(awk -v a="$trun" -v b="$tconv" 'BEGIN { printf "%.4f", a / b }')
printf '(2) %d rows: convert+sign %.2f s, run to the last upload confirmed %.2f s (%s chunks uploaded), ratio %.2f (target <= 1.50): %s\n' \
    "$rows" "$tconv" "$trun" "$up" "$ratio2" "$(le "$ratio2" 1.5)"
[ "$(le "$ratio1" 0.2)" = PASS ] && [ "$(le "$ratio2" 1.5)" = PASS ]
