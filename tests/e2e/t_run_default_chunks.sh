#!/usr/bin/env bash
# tests/e2e/t_run_default_chunks.sh — `drugflow run` with the default chunk
# size (20,000 records, several MiB per file) against drugflow-sim: every
# chunk is accepted and processed whole (regression: the server's XML check
# fed a multi-MiB upload to libxml2's push parser in one piece and refused it
# with Code 2003, "Huge input lookup"), and the server's counts add up to the
# converter's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

"$GEN" --catalogs "$T/cat" --commodities 2000 --partners 500 >/dev/null 2>&1
"$GEN" --type SALE --rows 25000 --catalogs "$T/cat" --commodities 2000 --partners 500 \
    --out "$T/sale.csv" >/dev/null 2>&1
seed "$T/data" "$A"
sim_start "$T/data"
sim_config "$T/df.yaml" "tls: {ca: $PKI/ca.pem}" "upload: {retry_base_ms: 20, status_timeout: 120}"
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull -q >/dev/null 2>&1 || "$DF" catalog pull >/dev/null
rc=0
"$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 "$T/sale.csv" >"$T/run.out" 2>&1 || rc=$?
cat "$T/run.out"
assert_eq "$rc" 0 "drugflow run exit status"
grep -E '^ +1 .* 20000 +PASSED .* 20000 +20000 +0$' "$T/run.out" >/dev/null ||
    fail "chunk 1 (20,000 records) did not pass whole"
grep -E '^ +2 .* 5000 +PASSED' "$T/run.out" >/dev/null || fail "chunk 2 (5,000 records) did not pass"
assert_contains "$T/run.out" "records checked by the server: 25000, passed 25000, failed 0"
