#!/usr/bin/env bash
# tests/e2e/t_status_anomalies.sh — results that cannot be true are never
# reported as PASSED: against drugflow-sim --fault-results (Passed + Failed
# != Total, negative counts, a Total other than the chunk's records, one
# FileId for every upload), the journal holds ANOMALY, the status table and
# --json say so, and the exit status is 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

"$GEN" --type SALE --rows 30 --catalogs "$T/cat" --commodities 100 --partners 30 --out "$T/sale.csv" 2>/dev/null
seed "$T/data" "$A"
for lie in counts negative total fileid; do
    sim_start "$T/data" --fault-results "$lie"
    sim_config "$T/df.yaml" "workspace: $T/ws-$lie" "catalogs: $T/cat" \
        "upload: {parallel: 2, attempts: 3, retry_base_ms: 20, status_timeout: 30}"
    export DRUGFLOW_CONFIG=$T/df.yaml
    rc=0
    "$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 10 --batch-id "LIE-$lie" \
        "$T/sale.csv" >"$T/$lie.out" 2>"$T/$lie.err" || rc=$?
    assert_eq "$rc" 1 "$lie: exit status"
    j=$T/ws-$lie/journal.sqlite
    assert_eq "$(sqlite3 "$j" "select count(*) from chunks where state='PASSED'")" 0 "$lie: nothing PASSED"
    assert_eq "$(sqlite3 "$j" "select count(*) from chunks where state='ANOMALY'")" 3 "$lie: every chunk an ANOMALY"
    assert_contains "$T/$lie.out" "ANOMALY"
    assert_contains "$T/$lie.out" "anomaly, not counted as reported"
    assert_contains "$T/$lie.err" "cannot be true"
    case $lie in
        counts) assert_contains "$T/$lie.out" "passed 10 + failed 1 is not the total 10 (the server said PASSED)" ;;
        negative) assert_contains "$T/$lie.out" "negative counts" ;;
        total) assert_contains "$T/$lie.out" "a total of 11, but the chunk holds 10 record(s)" ;;
        fileid) assert_contains "$T/$lie.out" "to 3 chunks: LIE-fileid_00001.xml LIE-fileid_00002.xml" ;;
    esac
    rc=0
    "$DF" status --json >"$T/$lie.json" 2>/dev/null || rc=$?
    assert_eq "$rc" 1 "$lie: status exit"
    assert_contains "$T/$lie.json" '"passed": 0'
    assert_contains "$T/$lie.json" '"anomalies": 3'
    assert_contains "$T/$lie.json" '"records_checked": 0'
    sim_stop
done
echo ok
