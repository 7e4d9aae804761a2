#!/usr/bin/env bash
# Memory is bounded by the pipeline, not the input: converting 200,000
# generated rows peaks under 64 MiB of resident memory, with the default
# number of writer threads and with many (as on a many-core machine).
# A behaviour bound measured with GNU time's maximum RSS, not a timing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

[ -x /usr/bin/time ] || fail "GNU time (/usr/bin/time) is missing: install the Debian package 'time'"
LIMIT_KB=$((64 * 1024))
if ldd "$DF" 2>/dev/null | grep libasan >/dev/null; then
    # AddressSanitizer's shadow memory and quarantine inflate the RSS; the
    # bound then only guards against growth with the input (46 MB of CSV).
    LIMIT_KB=$((128 * 1024))
    echo "note: sanitizer build, limit raised to $LIMIT_KB KiB"
fi
gen_sale 200000 20 "$T/big.csv" "$T/big.expect"
for threads in default 16; do
    opt=()
    [ "$threads" = default ] || opt=(--threads "$threads")
    rc=0
    /usr/bin/time -f %M -o "$T/rss.$threads" "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SAMPLES/mappings/sale.yaml" \
        -p 2026-10 -o "$T/out.$threads" --created-at "$CREATED" -q --json "${opt[@]}" "$T/big.csv" >"$T/sum.$threads" || rc=$?
    assert_eq "$rc" 1 "200k rows, $threads threads: exit status"
    assert_eq "$(json_num "$T/sum.$threads" rows_read)" 200000 "rows_read"
    assert_eq "$(json_num "$T/sum.$threads" accepted)" "$(expect_num "$T/big.expect" good)" "accepted"
    rss=$(tail -n 1 "$T/rss.$threads")
    echo "peak RSS with $threads threads: $rss KiB"
    [ "$rss" -lt "$LIMIT_KB" ] || fail "peak RSS $rss KiB with $threads threads, limit $LIMIT_KB KiB"
    rm -rf "$T/out.$threads"
done
echo "memory bounded"
