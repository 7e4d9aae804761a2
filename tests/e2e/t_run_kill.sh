#!/usr/bin/env bash
# tests/e2e/t_run_kill.sh — `drugflow run` killed with SIGKILL at 12
# different moments (during conversion, uploads, result polling), each time
# run again; at the end a complete run. The server must hold every chunk
# exactly once and the journal must agree with it (same FileIds, all PASSED).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

"$GEN" --type SALE --rows 6000 --catalogs "$T/cat" --commodities 500 --partners 100 --out "$T/sale.csv"
seed "$T/data" "$A"
sim_start "$T/data" --latency-ms 40
sim_config "$T/df.yaml" "upload: {parallel: 3, attempts: 6, retry_base_ms: 20, status_timeout: 60}"
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull >/dev/null 2>&1

# exec: started in the background, the function's subshell becomes drugflow
# itself, so that the SIGKILL below hits drugflow and not just a subshell.
run() { exec "$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 200 -j 2 "$T/sale.csv"; }
# kill points in milliseconds after the start: from before the journal exists
# to the middle of result polling
for ms in 5 30 60 100 150 200 260 330 420 520 650 800; do
    run >"$T/run.out" 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' "$ms")"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    up=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where file_id is not null" 2>/dev/null || echo 0)
    echo "killed at ${ms}ms: $up chunk(s) with FileId"
done
rc=0
(run) >"$T/final.out" 2>"$T/final.err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/final.err"; fail "final run exited $rc"; }
j=$T/ws/journal.sqlite
db=$T/data/$A/state.db
nchunks=$(ls "$T/ws/2026-10-SALE-01/"*_0*.xml | wc -l)
[ "$nchunks" -ge 20 ] || fail "expected at least 20 chunks, got $nchunks"
assert_eq "$(sqlite3 "$j" "select count(*) from chunks where state='PASSED'")" "$nchunks" "journal: all PASSED"
assert_eq "$(sqlite3 "$db" "select count(*) from files")" "$nchunks" "server: one file per chunk"
assert_eq "$(sqlite3 "$db" "select count(distinct name) from files")" "$nchunks" "server: no chunk twice"
sqlite3 "$j" "select file_id || ' ' || name from chunks order by 1" >"$T/j.ids"
sqlite3 "$db" "select id || ' ' || name from files order by 1" >"$T/s.ids"
cmp "$T/j.ids" "$T/s.ids" || { diff "$T/j.ids" "$T/s.ids" | head; fail "journal and server disagree"; }
[ "$(sqlite3 "$j" "pragma integrity_check")" = ok ] || fail "journal damaged"
[ ! -d "$T/ws/2026-10-SALE-01/.staging" ] || [ -z "$(ls -A "$T/ws/2026-10-SALE-01/.staging")" ] || fail "staging left over"
sim_stop
echo ok
