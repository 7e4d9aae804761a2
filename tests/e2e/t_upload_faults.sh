#!/usr/bin/env bash
# tests/e2e/t_upload_faults.sh — drugflow run against drugflow-sim answering
# 30% of requests with HTTP 5xx, resetting 10% of connections mid-body and
# adding latency: every chunk ends PASSED and none is on the server twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

"$GEN" --type SALE --rows 4000 --catalogs "$T/cat" --commodities 500 --partners 100 --out "$T/sale.csv"
seed "$T/data" "$A"
sim_start "$T/data" --fault-5xx 0.3 --fault-reset 0.1 --latency-ms 10 --fault-seed 7
sim_config "$T/df.yaml" "upload: {parallel: 4, attempts: 30, retry_base_ms: 10, status_timeout: 120}"
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull >"$T/pull.out" 2>&1 || { cat "$T/pull.out"; fail "catalog pull through faults"; }
rc=0
"$DF" run -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 100 --json "$T/sale.csv" \
    >"$T/run.json" 2>"$T/run.err" || rc=$?
[ "$rc" -eq 0 ] || { tail "$T/run.err"; fail "run through faults exited $rc"; }
j=$T/ws/journal.sqlite
db=$T/data/$A/state.db
assert_eq "$(sqlite3 "$j" "select count(*) from chunks")" 40 "chunks"
assert_eq "$(sqlite3 "$j" "select count(*) from chunks where state='PASSED'")" 40 "all PASSED"
assert_eq "$(sqlite3 "$db" "select count(*) from files")" 40 "server: one file per chunk"
assert_eq "$(sqlite3 "$db" "select count(distinct name) from files")" 40 "server: none twice"
# the faults really happened, and were retried
grep -q "http=50[03]" "$T/sim.log" || grep -q "fault" "$T/sim.log" || fail "no fault injected?"
retried=$(sqlite3 "$j" "select count(*) from attempts where outcome='transient'")
[ "$retried" -gt 5 ] || fail "only $retried transient failures seen"
echo "transient failures retried: $retried"
sim_stop
echo ok
