#!/usr/bin/env bash
# tests/e2e/t_upload_flow.sh — the whole flow against drugflow-sim for every
# document type: catalog pull, run (convert + sign + upload + status), the
# server's results and record errors, convert checking against the
# workspace's catalogs, upload + status of convert's output, config check.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

# dfconf FILE URL [CA] — a drugflow.yaml for enterprise A against URL.
dfconf() {
    sim_config "$1" "endpoint: $2" "tls: {ca: ${3:-$PKI/ca.pem}, connect_timeout: 5, transfer_timeout: 20}"
}
seed "$T/data" "$A" "$ROOT/samples/catalogs"
sim_start "$T/data"
dfconf "$T/df.yaml" "$URL/"
export DRUGFLOW_CONFIG=$T/df.yaml

"$DF" config check >"$T/check.out" || { cat "$T/check.out"; fail "config check failed"; }
assert_contains "$T/check.out" "answers over mutual TLS"

"$DF" catalog pull --json >"$T/pull.json"
assert_contains "$T/pull.json" '"version": 1'
# incremental: nothing new the second time, version kept
"$DF" catalog pull --json >"$T/pull2.json"
assert_contains "$T/pull2.json" '"added": 0'

declare -A MAP=([PURCHASE]=purchase [PURCHASE_RETURN]=purchase_return [SALE]=sale [SALE_RETURN]=sale_return
                [INVENTORY]=inventory [UNQUALIFIED]=unqualified [DAMAGE]=damage)
for dt in "${!MAP[@]}"; do
    m=${MAP[$dt]}
    rc=0
    "$DF" run -q -m "$ROOT/samples/mappings/$m.yaml" -p 2026-10 --chunk-records 4 \
        "$ROOT/samples/exports/$m.csv" >"$T/run-$m.out" 2>"$T/run-$m.err" || rc=$?
    [ "$rc" -le 1 ] || { cat "$T/run-$m.err"; fail "run $dt exited $rc"; }
    assert_contains "$T/run-$m.out" "PASSED"
    assert_file "$T/ws/2026-10-$dt-01/rejects.csv"
    assert_file "$T/ws/2026-10-$dt-01/server-errors.csv"
    n_chunks=$(ls "$T/ws/2026-10-$dt-01/"*_0*.xml | wc -l)
    n_passed=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where batch='2026-10-$dt-01' and state='PASSED'")
    assert_eq "$n_passed" "$n_chunks" "$dt: every chunk PASSED"
done
# the server holds each chunk exactly once and agrees with the journal
db=$T/data/$A/state.db
assert_eq "$(sqlite3 "$db" "select count(*) from files")" "$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks")"
assert_eq "$(sqlite3 "$db" "select count(*) from (select name from files group by name having count(*) > 1)")" 0
sqlite3 "$T/ws/journal.sqlite" "select file_id from chunks order by 1" >"$T/j.ids"
sqlite3 "$db" "select id from files order by 1" >"$T/s.ids"
cmp "$T/j.ids" "$T/s.ids" || fail "journal FileIds differ from the server's"

# convert checks against the workspace's pulled catalogs by default
rc=0
"$DF" convert -m "$ROOT/samples/mappings/sale.yaml" -p 2026-11 -o "$T/conv" --batch-id CONV-SALE \
    --sign streaming --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase" \
    "$ROOT/samples/exports/sale.csv" 2>"$T/conv.err" || rc=$?
assert_eq "$rc" 1 "convert exit (rejected rows)"
assert_contains "$T/conv.err" "catalogs: workspace"
assert_contains "$T/conv/rejects.csv" "E_PARTNER_UNMATCHED"

# upload + status of convert's output; a second upload sends nothing
"$DF" upload --json "$T/conv" >"$T/up.json"
assert_contains "$T/up.json" '"uploaded": 1'
"$DF" upload --json >"$T/up2.json"
assert_contains "$T/up2.json" '"queued": 0'
"$DF" status --batch CONV-SALE >"$T/st.out"
assert_contains "$T/st.out" "1 PASSED"
"$DF" status --json >"$T/st.json"
assert_contains "$T/st.json" '"exit": 0'

# a file with a record the server rejects: PARTIAL, record errors in server-errors.csv
"$SIM" catalog-delete --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --catalog partner --key "广州医药股份有限公司" >/dev/null
rc=0
"$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-12 "$ROOT/samples/exports/sale.csv" \
    >"$T/partial.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "run with server-side rejections"
assert_contains "$T/partial.out" "PARTIAL"
assert_contains "$T/ws/2026-12-SALE-01/server-errors.csv" "E_PARTNER_UNMATCHED"
head -c 3 "$T/ws/2026-12-SALE-01/server-errors.csv" | od -An -tx1 | grep -q "ef bb bf" || fail "no BOM"
# the catalog pull now brings the DELETE
"$DF" catalog pull --json >"$T/pull3.json"
assert_contains "$T/pull3.json" '"deleted": 1'
sim_stop
echo "ok"
