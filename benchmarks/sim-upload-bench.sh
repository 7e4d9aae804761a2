#!/usr/bin/env bash
# benchmarks/sim-upload-bench.sh — drugflow-sim's speed (issue 4):
#  1. transfers: 8 concurrent curl clients upload distinct signed data files
#     over mutual TLS on loopback to a server run with --defer-processing;
#     prints MB/s (target >= 200 MB/s);
#  2. processing: the same server then processes the PENDING files
#     (SIGUSR1: signature, schema, every record against the catalogs);
#     prints records/s and MB/s.
# Environment: BUILD (default build), CLIENTS (8), FILES (128), RECORDS per
# base file (7000, about 4 MiB), BASES distinct signed base files (8),
# WORKERS processing threads (2). Prints "key=value" lines; exit 0 on success.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
SIM=$BUILD/drugflow-sim
CLIENTS=${CLIENTS:-8}
FILES=${FILES:-128}
RECORDS=${RECORDS:-7000}
BASES=${BASES:-8}
WORKERS=${WORKERS:-2}
FIX=$root/tests/e2e/sim-fixtures.sh
A=91440101MA59TEST0A
[ -x "$SIM" ] || { echo "sim-upload-bench: build $SIM first (make)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-simbench.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
now() { date +%s.%N; }

echo "sim-upload-bench: preparing $FILES files from $BASES signed bases of $RECORDS records" >&2
"$root/samples/pki/make-pki.sh" "$W/pki" >/dev/null
"$FIX" catalogs "$W/cat"
"$SIM" seed --data "$W/data" --enterprise "$A" --profile "$root/samples/profile/gd-v1.yaml" \
    --commodities "$W/cat/commodities.csv" --partners "$W/cat/partners.csv" >/dev/null
mkdir -p "$W/files"
for b in $(seq 1 "$BASES"); do
    "$FIX" datafile "$W/u$b.xml" "$A" 2026-10 $((RECORDS + b)) 5 0
    "$FIX" sign "$W/u$b.xml" "$W/pki/ent-a.p12" "$W/pki/passphrase" "$W/base$b.xml" &
done
wait
# Distinct bytes, same valid signature: a comment after the root element is
# outside the signed content (URI="" excludes comments).
records=0
for i in $(seq 1 "$FILES"); do
    b=$(( (i - 1) % BASES + 1 ))
    { cat "$W/base$b.xml"; echo "<!-- copy $i -->"; } >"$W/files/f$i.xml"
    records=$((records + RECORDS + b))
done
bytes=$(cat "$W/files"/*.xml | wc -c)

"$SIM" serve --data "$W/data" --pki "$W/pki" --profile "$root/samples/profile/gd-v1.yaml" \
    --schema "$root/samples/schema/gd-v1.xsd" --port 0 --port-file "$W/port" --log "$W/sim.log" \
    --workers "$WORKERS" --defer-processing >/dev/null 2>"$W/sim.err" &
pid=$!
for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
url=https://localhost:$(cat "$W/port")/data/clientAccept

# One curl per client, its files one after another on one connection (--next).
client() {
    local c=$1 args=() first=1 i
    for i in $(seq "$c" "$CLIENTS" "$FILES"); do
        [ $first -eq 1 ] || args+=(--next)
        first=0
        args+=(-sS -o /dev/null -w '%{http_code}\n' --cacert "$W/pki/ca.pem" --cert "$W/pki/ent-a.pem"
            --key "$W/pki/ent-a.key" --pass "$(cat "$W/pki/passphrase")" -F "file=@$W/files/f$i.xml"
            "$url/toUploadFile.do")
    done
    curl "${args[@]}" >"$W/client$c.out"
}
cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$pid/stat"; }
c0=$(cpu)
t0=$(now)
cpids=()
for c in $(seq 1 "$CLIENTS"); do client "$c" & cpids+=($!); done
wait "${cpids[@]}"
t1=$(now)
c1=$(cpu)
ok=$(cat "$W"/client*.out | grep -c '^200$' || true)
[ "$ok" -eq "$FILES" ] || { echo "sim-upload-bench: only $ok of $FILES uploads answered 200" >&2; exit 1; }
grep -c 'outcome=code=0 ' "$W/sim.log" | grep -qx "$FILES" || { echo "sim-upload-bench: not all uploads got Code 0" >&2; exit 1; }
upload_s=$(echo "$t1 - $t0" | bc -l)
mbps=$(echo "$bytes / 1048576 / $upload_s" | bc -l)

# Processing of everything received.
t2=$(now)
kill -USR1 "$pid"
db=$W/data/$A/state.db
while :; do
    left=$(sqlite3 "$db" "SELECT count(*) FROM files WHERE status IN ('PENDING','PROCESSING')" 2>/dev/null || echo 1)
    [ "$left" -eq 0 ] && break
    sleep 0.1
done
t3=$(now)
proc_s=$(echo "$t3 - $t2" | bc -l)
done_records=$(sqlite3 "$db" "SELECT sum(total) FROM files")
partial=$(sqlite3 "$db" "SELECT count(*) FROM files WHERE status='PARTIAL'")
[ "$done_records" -eq "$records" ] && [ "$partial" -eq "$FILES" ] ||
    { echo "sim-upload-bench: processing counted $done_records records, $partial PARTIAL files" >&2; exit 1; }
kill -TERM "$pid"
wait "$pid" || true
pid=

printf 'clients=%d files=%d bytes=%d cpus=%d\n' "$CLIENTS" "$FILES" "$bytes" "$(nproc)"
printf 'upload_seconds=%.3f upload_MBps=%.1f server_cpu_seconds=%.2f target_MBps=200 %s\n' "$upload_s" "$mbps" \
    "$(echo "$c1 - $c0" | bc -l)" \
    "$(echo "$mbps >= 200" | bc -l | sed 's/1/meets_target=yes/;s/^0$/meets_target=no/')"
printf 'processing_workers=%d records=%d processing_seconds=%.3f records_per_s=%.0f processing_MBps=%.1f\n' \
    "$WORKERS" "$records" "$proc_s" "$(echo "$records / $proc_s" | bc -l)" "$(echo "$bytes / 1048576 / $proc_s" | bc -l)"
