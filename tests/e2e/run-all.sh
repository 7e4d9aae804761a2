#!/usr/bin/env bash
# Runs every end-to-end test script tests/e2e/t_*.sh against the built
# binaries in $BUILD (default build/), E2E_JOBS at a time (default: the
# number of cores; the scripts share nothing but the test PKI, which is
# made under a lock). Each script exits 0 on success; its output is kept in
# $BUILD/e2e-logs/NAME.log and shown when it fails. E2E_ONLY=PART runs the
# scripts whose name holds PART. Prints "N passed, N failed" and exits
# non-zero if any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$root/build}
export ROOT=$root
logs=$BUILD/e2e-logs
mkdir -p "$logs"
jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1

# run_one NAME SCRIPT: runs it, writes NAME.rc and NAME.secs beside its log.
run_one() {
    local name=$1 t=$2 start rc=0
    start=$(date +%s)
    timeout "${E2E_TIMEOUT:-300}" bash "$t" >"$logs/$name.log" 2>&1 || rc=$?
    echo "$(( $(date +%s) - start ))" >"$logs/$name.secs"
    echo "$rc" >"$logs/$name.rc"
}

# report NAME: one line, and the log's tail on failure.
report() {
    local name=$1 rc secs
    rc=$(cat "$logs/$name.rc") secs=$(cat "$logs/$name.secs")
    if [ "$rc" -eq 0 ]; then
        pass=$((pass + 1)); echo "PASS $name (${secs}s)"
    else
        fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name (${secs}s)"
        tail -n 40 "$logs/$name.log" | sed 's/^/    /'
    fi
}

pass=0 fail=0 failed=() running=()
for t in "$here"/t_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ -n "${E2E_ONLY:-}" ] && [[ "$name" != *$E2E_ONLY* ]]; then continue; fi
    rm -f "$logs/$name.rc" "$logs/$name.secs"
    run_one "$name" "$t" &
    running+=("$name")
    while [ "${#running[@]}" -ge "$jobs" ]; do
        wait -n || true
        still=()
        for n in "${running[@]}"; do
            if [ -e "$logs/$n.rc" ]; then report "$n"; else still+=("$n"); fi
        done
        running=("${still[@]}")
    done
done
wait
for n in "${running[@]}"; do report "$n"; done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
