#!/usr/bin/env bash
# benchmarks/sim-upload-bench.sh — drugflow-sim's speed (issue 4):
#  1. transfers: 8 concurrent curl clients upload distinct signed data files
#     over mutual TLS on loopback to a server run with --defer-processing;
#     prints MB/s (target >= 200 MB/s), once with the default --upload-check
#     header (only the first 64 KiB parsed at upload) and once with
#     --upload-check full (the whole file parsed at upload);
#  2. processing: the same server then processes the PENDING files
#     (SIGUSR1: signature, schema, every record against the catalogs);
#     prints records/s and MB/s.
# Environment: BUILD (default build), CLIENTS (8), FILES (128), RECORDS per
# base file (7000, about 4 MiB), BASES distinct signed base files (8),
# WORKERS processing threads (2), SIM_OPTS more serve options (e.g.
# "--upload-check header"). Prints "key=value" lines; exit 0 on success.
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

# start_sim DATA MODE — a server with --defer-processing; sets pid and url.
start_sim() {
    rm -f "$W/port"
    "$SIM" serve --data "$1" --pki "$W/pki" --profile "$root/samples/profile/gd-v1.yaml" \
        --schema "$root/samples/schema/gd-v1.xsd" --port 0 --port-file "$W/port" --log "$W/sim-$2.log" \
        --workers "$WORKERS" --defer-processing --upload-check "$2" ${SIM_OPTS:-} >/dev/null 2>"$W/sim.err" &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
    url=https://localhost:$(cat "$W/port")/data/clientAccept
}

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

# uploads MODE — all files by CLIENTS clients to a server checking MODE;
# prints the figures; leaves the server running (pid).
uploads() {
    local mode=$1 data=$W/data-$1
    cp -r "$W/data" "$data"
    start_sim "$data" "$mode"
    local load0 c0 c1 t0 t1 ok cpids=() c
    load0=$(cut -d' ' -f1 /proc/loadavg)
    c0=$(cpu)
    t0=$(now)
    for c in $(seq 1 "$CLIENTS"); do client "$c" & cpids+=($!); done
    wait "${cpids[@]}"
    t1=$(now)
    c1=$(cpu)
    ok=$(cat "$W"/client*.out | grep -c '^200$' || true)
    [ "$ok" -eq "$FILES" ] || { echo "sim-upload-bench: only $ok of $FILES uploads answered 200" >&2; exit 1; }
    grep -c 'outcome=code=0 ' "$W/sim-$mode.log" | grep -qx "$FILES" ||
        { echo "sim-upload-bench: not all uploads got Code 0" >&2; exit 1; }
    local s mbps
    s=$(echo "$t1 - $t0" | bc -l)
    mbps=$(echo "$bytes / 1048576 / $s" | bc -l)
    printf 'upload_check=%s upload_seconds=%.3f upload_MBps=%.1f server_cpu_seconds=%.2f load_before=%s target_MBps=200 %s\n' \
        "$mode" "$s" "$mbps" "$(echo "$c1 - $c0" | bc -l)" "$load0" \
        "$(echo "$mbps >= 200" | bc -l | sed 's/^1$/meets_target=yes/;s/^0$/meets_target=no/')"
}

printf 'clients=%d files=%d bytes=%d cpus=%d sim_opts="%s"\n' "$CLIENTS" "$FILES" "$bytes" "$(nproc)" "${SIM_OPTS:-}"
uploads header
kill -TERM "$pid"
wait "$pid" || true
uploads full
W_DATA=$W/data-full

# Processing of everything received.
t2=$(now)
kill -USR1 "$pid"
db=$W_DATA/$A/state.db
# The sim stores file states as numbers (simulator/sim.h, df_server_state): 0 pending, 1 processing, 3 partial.
while :; do
    left=$(sqlite3 "$db" "SELECT count(*) FROM files WHERE status IN (0, 1)" 2>/dev/null || echo 1)
    [ "$left" -eq 0 ] && break
    sleep 0.1
done
t3=$(now)
proc_s=$(echo "$t3 - $t2" | bc -l)
done_records=$(sqlite3 "$db" "SELECT sum(total) FROM files")
partial=$(sqlite3 "$db" "SELECT count(*) FROM files WHERE status=3")
[ "$done_records" -eq "$records" ] && [ "$partial" -eq "$FILES" ] ||
    { echo "sim-upload-bench: processing counted $done_records records, $partial PARTIAL files" >&2; exit 1; }
kill -TERM "$pid"
wait "$pid" || true
pid=

printf 'processing_workers=%d records=%d processing_seconds=%.3f records_per_s=%.0f processing_MBps=%.1f\n' \
    "$WORKERS" "$records" "$proc_s" "$(echo "$records / $proc_s" | bc -l)" "$(echo "$bytes / 1048576 / $proc_s" | bc -l)"
