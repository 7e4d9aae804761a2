#!/usr/bin/env bash
# Runs every end-to-end test script tests/e2e/t_*.sh against the built
# binaries in $BUILD (default build/). Each script exits 0 on success; its
# output is kept in $BUILD/e2e-logs/NAME.log and shown when it fails.
# Prints "N passed, N failed" and exits non-zero if any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$root/build}
export ROOT=$root
logs=$BUILD/e2e-logs
mkdir -p "$logs"
pass=0 fail=0 failed=()
for t in "$here"/t_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ -n "${E2E_ONLY:-}" ] && [[ "$name" != *$E2E_ONLY* ]]; then continue; fi
    start=$(date +%s)
    if timeout "${E2E_TIMEOUT:-300}" bash "$t" >"$logs/$name.log" 2>&1; then
        pass=$((pass + 1)); echo "PASS $name ($(( $(date +%s) - start ))s)"
    else
        fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name ($(( $(date +%s) - start ))s)"
        tail -n 40 "$logs/$name.log" | sed 's/^/    /'
    fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
