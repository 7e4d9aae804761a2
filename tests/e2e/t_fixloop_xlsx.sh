#!/usr/bin/env bash
# tests/e2e/t_fixloop_xlsx.sh — .xlsx exports through `drugflow run` against
# drugflow-sim (issue 11), and the fix loop for them (issue 12): the
# province's partner catalog loses a partner between conversion and
# processing, and every server error names the
# workbook and the sheet's row number, with that row's cells read again
# from the sheet the mapping names (not the first one, and rows starting
# lower than row 1). The journal keeps the sheet with the batch's inputs;
# chunks made by `drugflow convert -o DIR` and sent by `drugflow upload`
# carry it in their provenance file. A clean workbook uploads and passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
CSV2XLSX=$BUILD/csv2xlsx

# csvq FILE SQL — as in t_fixloop_trace.sh: a CSV file as table t in sqlite3.
csvq() {
    sed '1s/^\xEF\xBB\xBF//' "$1" >"$T/q.csv"
    sqlite3 -batch -noheader -separator $'\t' :memory: ".import --csv $T/q.csv t" "$2" 2>/dev/null
}

"$GEN" --catalogs "$T/cat" --commodities 300 --partners 40 --seed 11 2>/dev/null
"$GEN" --type SALE --rows 600 --seed 11 --commodities 300 --partners 40 --out "$T/a0.csv" 2>/dev/null
"$GEN" --type SALE --rows 1200 --seed 11 --commodities 300 --partners 40 --bad-share 0.02 --out "$T/b0.csv" 2>/dev/null
# Rows without quotes, so that CSV line L is sheet row L (+ the offset);
# b's bills numbered apart from a's (the same seed: the same partners).
grep -v '"' "$T/a0.csv" >"$T/a.csv"
victim=$(sed -n 2p "$T/a.csv" | cut -d, -f3)
grep -v ",$victim," "$T/a.csv" >"$T/clean.csv"
grep -av '"' "$T/b0.csv" | LC_ALL=C awk -F, -v OFS=, 'NR > 1 { $1 = "B" $1 } { print }' >"$T/b.csv"
[ -n "$victim" ] && [ "$(grep -ac ",$victim," "$T/b.csv")" -gt 5 ] || fail "no partner in a.csv line 2 that b.csv has"
cd "$T"
"$CSV2XLSX" --numbers clean.csv a.xlsx
# b.xlsx: the data on its third sheet, starting at row 4.
"$CSV2XLSX" --numbers --extra-sheet 封面 --extra-sheet 说明 --sheet 销售明细 --first-row 4 b.csv b.xlsx
sed 's/^  skip_rows: 0.*/  skip_rows: 0\n  sheet: 销售明细/' "$ROOT/samples/mappings/sale.yaml" >"$T/sheet.yaml"

"$SIM" seed --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --commodities "$T/cat/commodities.csv" --partners "$T/cat/partners.csv" >/dev/null
sim_start "$T/data" --defer-processing
cat >"$T/df.yaml" <<CONF
enterprise: {code: $A, name: 广州样例医药连锁有限公司}
endpoint: $URL/
workspace: $T/ws
tls: {ca: $PKI/ca.pem, connect_timeout: 5, transfer_timeout: 20}
certificate: {key: $PKI/ent-a.p12, passphrase_file: $PKI/passphrase}
upload: {parallel: 4, attempts: 6, retry_base_ms: 20, status_timeout: 60}
CONF
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull >/dev/null

# A workbook accepted against the full catalog, then failed by the server
# for the deleted partner.
rc=0
"$DF" run -q -m "$T/sheet.yaml" -p 2026-10 --chunk-records 50 --no-status b.xlsx >"$T/run-b.out" 2>&1 || rc=$?
[ "$rc" -le 1 ] || { cat "$T/run-b.out"; fail "run b.xlsx exited $rc"; }
B=$T/ws/2026-10-SALE-01
assert_not_contains "$B/rejects.csv" "E_PARTNER_UNMATCHED.*$victim"
assert_eq "$(sqlite3 "$T/ws/journal.sqlite" "select workbook, sheet from batch_inputs where batch = '2026-10-SALE-01'")" \
    "1|销售明细" "the journal keeps the workbook's sheet"
"$SIM" catalog-delete --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --catalog partner --key "$victim" >/dev/null
kill -USR1 "$SIM_PID"
rc=0
"$DF" status --batch 2026-10-SALE-01 >"$T/status.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "status with PARTIAL files"
assert_file "$B/server-errors.csv"
assert_file "$B/fixlist.csv"

# check_traced ERRORS CSV OFFSET — every server error names the workbook and
# the sheet row that holds the record (CSV line + OFFSET), with its cells.
check_traced() {
    local n=0 file line reasons billno partner text
    while IFS=$'\t' read -r file line reasons billno partner; do
        n=$((n + 1))
        case "$file" in *.xlsx) ;; *) fail "server error names file '$file'" ;; esac
        [ "$reasons" = E_PARTNER_UNMATCHED ] || fail "reasons '$reasons' at $file:$line"
        text=$(sed -n "$((line - $3))p" "$2")
        case "$text" in "$billno",*"$victim"*) ;; *) fail "$file row $line is not the row of $billno: '$text'" ;; esac
        [ "$partner" = "$victim" ] || fail "$file row $line: the cell 往来单位 read again is '$partner'"
    done < <(csvq "$1" "select file, line, reasons, 单据编号, 往来单位 from t")
    [ "$n" -gt 0 ] || fail "no server errors in $1"
    echo "$n"
}
n=$(check_traced "$B/server-errors.csv" b.csv 3)
want=$(csvq "$T/b.csv" "select count(*) from t where 往来单位 = '$victim'")
rejected=$(csvq "$B/rejects.csv" "select count(*) from t where 往来单位 = '$victim'")
assert_eq "$n" "$((want - rejected))" "one server error per accepted row with the deleted partner"
head -n 1 "$B/server-errors.csv" | grep -q '^.*file,line,reasons,message,suggestion,chunk,record,file_id,单据编号,' ||
    fail "server-errors.csv header: $(head -n 1 "$B/server-errors.csv")"
# fixlist.csv: drugflow's rejects (sheet rows too) and the server's errors.
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'server'")" "$n" "every server error listed"
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'drugflow'")" \
    "$(csvq "$B/rejects.csv" "select count(*) from t")" "every reject listed"
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'drugflow' and (line + 0) < 5")" 0 \
    "rejects name sheet rows (the data starts at row 5)"

# Offline: `drugflow convert -o DIR` then `drugflow upload DIR`; the
# provenance file beside the chunks keeps the sheet.
"$DF" convert -q -m "$T/sheet.yaml" -p 2026-11 -o "$T/conv" --batch-id CONV-11 --chunk-records 50 \
    --sign streaming --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase" b.xlsx || true
assert_file "$T/conv/.CONV-11.provenance"
grep -q $'^workbook\t0\t销售明细$' "$T/conv/.CONV-11.provenance" || fail "the provenance file lacks the sheet"
"$DF" upload "$T/conv" >/dev/null
kill -USR1 "$SIM_PID"
"$DF" status --batch CONV-11 >/dev/null 2>&1 || true
assert_eq "$(check_traced "$T/conv/server-errors.csv" b.csv 3)" "$n" "convert + upload: every server error traced"
# A clean workbook (without the deleted partner): converted, uploaded,
# processed (no longer deferred since USR1), passed: exit 0.
rc=0
"$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-09 --chunk-records 100 --no-status a.xlsx \
    >"$T/run-a.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "run a.xlsx: $(cat "$T/run-a.out")"
kill -USR1 "$SIM_PID"
rc=0
"$DF" status --batch 2026-09-SALE-01 >"$T/status-a.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "a.xlsx: every chunk passed: $(cat "$T/status-a.out")"

sim_stop
echo "t_fixloop_xlsx: ok"
