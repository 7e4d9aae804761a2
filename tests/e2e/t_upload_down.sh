#!/usr/bin/env bash
# tests/e2e/t_upload_down.sh — the server down: a clear error once the retry
# budget is spent, exit 4, the journal intact; once it is back a later run
# completes. A server certificate from the wrong CA: nothing is sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A" "$ROOT/samples/catalogs"
sim_start "$T/data"
p=$PORT
dfconf() {
    sim_config "$T/df.yaml" "endpoint: https://localhost:$p/data/clientAccept/" "catalogs: $ROOT/samples/catalogs" \
        "tls: {ca: $1, connect_timeout: 2, transfer_timeout: 10}" \
        "upload: {parallel: 2, attempts: 3, retry_base_ms: 20, status_timeout: 60}"
}
export DRUGFLOW_CONFIG=$T/df.yaml
run() { "$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 4 "$ROOT/samples/exports/sale.csv"; }

# wrong CA: the server's certificate is not trusted, nothing is sent
dfconf "$PKI/foreign-ca.pem"
expect_status 4 "$DF" config check
rc=0
run >"$T/ca.out" 2>"$T/ca.err" || rc=$?
assert_eq "$rc" 4 "run against an untrusted server"
grep -qi "certificate" "$T/ca.err" || { cat "$T/ca.err"; fail "no word of the certificate"; }
assert_not_contains "$T/sim.log" "toUploadFile.do"
assert_eq "$(sqlite3 "$T/data/$A/state.db" "select count(*) from files")" 0 "nothing on the server"

# server down
dfconf "$PKI/ca.pem"
sim_stop
rc=0
start=$(date +%s)
run >"$T/down.out" 2>"$T/down.err" || rc=$?
assert_eq "$rc" 4 "run with the server down"
assert_contains "$T/down.err" "gave up after 3 attempts"
assert_contains "$T/down.err" "journal"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "giving up took too long"
[ "$(sqlite3 "$T/ws/journal.sqlite" "pragma integrity_check")" = ok ] || fail "journal damaged"
n=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where file_id is null")
[ "$n" -ge 1 ] || fail "no chunk waiting in the journal"
expect_status 4 "$DF" upload

# back up on the same port: a later run completes
sim_start "$T/data" --port "$p"
rc=0
run >"$T/up.out" 2>"$T/up.err" || rc=$?
assert_eq "$rc" 1 "run after the server is back (sample rows rejected)"
nchunks=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks")
assert_eq "$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where state='PASSED'")" "$nchunks"
assert_eq "$(sqlite3 "$T/data/$A/state.db" "select count(distinct name) || ' ' || count(*) from files")" "$nchunks $nchunks"
sim_stop
echo ok
