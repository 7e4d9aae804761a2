#!/usr/bin/env bash
# tests/e2e/t_run_exactly_once.sh — exactly once even when the journal is
# lost: after a finished run, journal.sqlite deleted, emptied, or deleted
# with the batch folder, the same run sends nothing twice (the server is
# asked what it holds and its FileIds are adopted), reports it, and ends
# PASSED; signed chunks the journal did not write are never overwritten
# with other bytes without --force; drugflow upload of the folder adopts
# too. One process per workspace: a second one exits 2 naming the pid, or
# waits with --lock-wait.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

"$GEN" --type SALE --rows 90 --catalogs "$T/cat" --commodities 200 --partners 50 --out "$T/sale.csv"
sed '2d' "$T/sale.csv" >"$T/other.csv" # other data: one row less, every chunk shifts
seed "$T/data" "$A"
sim_start "$T/data"
sim_config "$T/df.yaml" "catalogs: $T/cat" \
    "upload: {parallel: 3, attempts: 4, retry_base_ms: 20, status_timeout: 60}"
export DRUGFLOW_CONFIG=$T/df.yaml
J=$T/ws/journal.sqlite
DB=$T/data/$A/state.db
B=$T/ws/2026-10-SALE-01
run() { # run OUTNAME EXPORT [options] — sets rc
    local out=$1 in=$2
    shift 2
    rc=0
    "$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 10 "$in" "$@" \
        >"$T/$out.out" 2>"$T/$out.err" || rc=$?
}
# The server holds each chunk exactly once and the journal agrees, all PASSED.
exactly_once() {
    local what=$1 n
    n=$(ls "$B"/2026-10-SALE-01_*.xml | wc -l)
    assert_eq "$(sqlite3 "$DB" "select count(*) from files")" "$n" "$what: one server file per chunk"
    assert_eq "$(sqlite3 "$DB" "select count(distinct name) from files")" "$n" "$what: no chunk twice"
    assert_eq "$(sqlite3 "$J" "select count(*) from chunks where state='PASSED'")" "$n" "$what: journal all PASSED"
    sqlite3 "$J" "select file_id || ' ' || name from chunks order by 1" >"$T/j.ids"
    sqlite3 "$DB" "select id || ' ' || name from files order by 1" >"$T/s.ids"
    cmp -s "$T/j.ids" "$T/s.ids" || { diff "$T/j.ids" "$T/s.ids" | head; fail "$what: journal and server disagree"; }
}

run first "$T/sale.csv"
assert_eq "$rc" 0 "first run: $(cat "$T/first.err")"
exactly_once "first run"
sha256sum "$B"/*.xml >"$T/sums"
nchunks=$(ls "$B"/2026-10-SALE-01_*.xml | wc -l)
[ "$nchunks" -ge 9 ] || fail "expected 9 chunks, got $nchunks"

# 1. journal.sqlite deleted: nothing sent again, the folder's bytes kept
rm -f "$J" "$J-wal" "$J-shm"
run deleted "$T/sale.csv"
assert_eq "$rc" 0 "rerun without the journal: $(cat "$T/deleted.err")"
assert_contains "$T/deleted.err" "$nchunks chunk(s) of batch 2026-10-SALE-01 that the server already holds"
assert_contains "$T/deleted.err" "nothing was sent twice"
assert_contains "$T/deleted.err" "continued with their CreatedAt"
exactly_once "journal deleted"
sha256sum -c --quiet "$T/sums" || fail "the signed chunks changed"
n_up=$(grep -c 'toUploadFile.do' "$T/sim.log")
assert_eq "$n_up" "$nchunks" "uploads in all (the first run's only)"

# 2. journal.sqlite emptied
: >"$J"
run emptied "$T/sale.csv" --json
assert_eq "$rc" 0 "rerun with an empty journal"
assert_contains "$T/emptied.out" "\"adopted\": $nchunks"
exactly_once "journal emptied"

# 3. journal and batch folder deleted: new CreatedAt, new bytes, still nothing sent
rm -rf "$J" "$J-wal" "$J-shm" "$B"
run lost "$T/sale.csv"
assert_eq "$rc" 0 "rerun without journal and folder: $(cat "$T/lost.err")"
assert_contains "$T/lost.err" "nothing was sent twice"
exactly_once "journal and folder deleted"
assert_eq "$(grep -c 'toUploadFile.do' "$T/sim.log")" "$nchunks" "still no upload"

# 4. other data in the folder's name: refused, the signed chunks untouched
rm -f "$J" "$J-wal" "$J-shm"
sha256sum "$B"/*.xml >"$T/sums2"
run other "$T/other.csv"
assert_eq "$rc" 2 "other data over chunks the journal did not write"
assert_contains "$T/other.err" "did not write"
assert_contains "$T/other.err" "--force"
sha256sum -c --quiet "$T/sums2" || fail "a signed chunk was overwritten"
assert_eq "$(grep -c 'toUploadFile.do' "$T/sim.log")" "$nchunks" "nothing sent for other data"
# with --force the files are replaced, and the server's copies still stand
# (adopted, not sent): the last chunk, a record short of the server's
# copy, gets an ANOMALY, never PASSED
rm -f "$J" "$J-wal" "$J-shm"
run forced "$T/other.csv" --force
assert_eq "$rc" 1 "--force over other data: $(cat "$T/forced.err")"
sha256sum -c --quiet "$T/sums2" >/dev/null 2>&1 && fail "--force did not replace the files"
assert_eq "$(grep -c 'toUploadFile.do' "$T/sim.log")" "$nchunks" "--force sends nothing the server holds"
assert_eq "$(sqlite3 "$J" "select count(*) from chunks where state='ANOMALY' and message like 'a total of 10, but the chunk holds 9 record(s)%'")" 1 \
    "the changed chunk is an anomaly"
assert_contains "$T/forced.out" "ANOMALY"
rm -f "$J" "$J-wal" "$J-shm"
run restored "$T/sale.csv" --force
assert_eq "$rc" 0 "--force back to the data the server holds"
exactly_once "after --force"

# 5. drugflow upload of the folder without the journal: adopted, not sent
rm -f "$J" "$J-wal" "$J-shm"
rc=0
"$DF" upload --json "$B" >"$T/up.json" 2>"$T/up.err" || rc=$?
assert_eq "$rc" 0 "upload of the folder without the journal"
assert_contains "$T/up.json" '"uploaded": 0'
assert_contains "$T/up.json" "\"adopted\": $nchunks"
assert_eq "$(grep -c 'toUploadFile.do' "$T/sim.log")" "$nchunks" "upload sent nothing"
"$DF" status >/dev/null
assert_eq "$(sqlite3 "$J" "select count(*) from chunks where state='PASSED'")" "$nchunks" "adopted chunks PASSED"

# 6. the server cannot be asked: nothing is sent, exit 4
rm -f "$J" "$J-wal" "$J-shm"
sim_stop
run down "$T/sale.csv" --batch-id DOWN-01
assert_eq "$rc" 4 "server down"
assert_contains "$T/down.err" "cannot ask the server"
assert_eq "$(sqlite3 "$J" "select count(*) from chunks where batch='DOWN-01' and file_id is null")" "$nchunks" \
    "the batch waits in the journal"
sim_start "$T/data" --latency-ms 400
sed -i "s|^endpoint: .*|endpoint: $URL/|" "$T/df.yaml"
run back "$T/sale.csv" --batch-id DOWN-01
assert_eq "$rc" 0 "the same run once the server is back: $(cat "$T/back.err")"

# 7. one process per workspace
"$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 10 --batch-id SLOW-01 "$T/other.csv" \
    >"$T/slow.out" 2>"$T/slow.err" &
slow=$!
for i in $(seq 100); do [ -s "$T/ws/drugflow.lock" ] && break; sleep 0.05; done
rc=0
"$DF" status --no-wait >"$T/locked.out" 2>"$T/locked.err" || rc=$?
assert_eq "$rc" 2 "a second process while run works"
assert_contains "$T/locked.err" "is locked by pid $slow (drugflow run)"
for c in "upload" "catalog pull" "run -m $ROOT/samples/mappings/sale.yaml -p 2026-10 $T/sale.csv"; do
    rc=0
    $DF $c >/dev/null 2>"$T/locked2.err" || rc=$?
    assert_eq "$rc" 2 "$c while run works"
    assert_contains "$T/locked2.err" "locked by pid $slow"
done
rc=0
"$DF" status --lock-wait 120 >"$T/waited.out" 2>"$T/waited.err" || rc=$?
assert_eq "$rc" 0 "status after waiting: $(cat "$T/waited.err")"
# it ran after the run had finished: the run's chunks are final in its table
assert_contains "$T/waited.out" "batch SLOW-01"
assert_contains "$T/waited.out" ", 0 pending,"
wait "$slow" || fail "the slow run failed: $(cat "$T/slow.err")"
sim_stop
echo ok
