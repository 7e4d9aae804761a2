#!/usr/bin/env bash
# tests/e2e/t_fixloop_trace.sh — server errors traced back to the ERP row
# (issue 12): drugflow-sim's partner catalog changes between the
# conversion and the processing (catalog-delete while processing is
# deferred), so the server fails records drugflow accepted; every row of
# server-errors.csv must name the input file and line that holds the
# record (the test reads that line), with the row's original fields;
# fixlist.csv merges them with rejects.csv, sorted by file and line. Two
# inputs, one with rows spanning several physical lines. An input changed
# after the run is said, and its fields are not shown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

# csvq FILE SQL — runs SQL on a CSV file (BOM dropped, header = column
# names) loaded as table t by sqlite3, which reads quoted newlines right;
# prints tab-separated rows.
csvq() {
    sed '1s/^\xEF\xBB\xBF//' "$1" >"$T/q.csv"
    sqlite3 -batch -noheader -separator $'\t' :memory: ".import --csv $T/q.csv t" "$2" 2>/dev/null
}

"$GEN" --catalogs "$T/cat" --commodities 300 --partners 40 --seed 7 2>/dev/null
"$GEN" --type SALE --rows 1500 --seed 7 --commodities 300 --partners 40 --bad-share 0.02 --out "$T/a.csv" 2>/dev/null
"$GEN" --type SALE --rows 900 --seed 7 --commodities 300 --partners 40 --out "$T/b0.csv" 2>/dev/null
# The partner to delete: the one of a.csv's first data row (third column).
victim=$(sed -n 2p "$T/a.csv" | cut -d, -f3)
[ -n "$victim" ] && ! grep -q '"' <<<"$victim" || fail "no plain partner name in a.csv line 2"
# b.csv: b0's rows without quotes; every 25th gets a Spec holding a newline
# (two physical lines), every 10th the victim as partner.
grep -v '"' "$T/b0.csv" | awk -F, -v OFS=, -v victim="$victim" '
    NR == 1 { print; next }
    { $1 = "B" $1; if (NR % 10 == 0) $3 = victim; if (NR % 25 == 0) $6 = "\"" $6 "\n第二行\""; print }' >"$T/b.csv"

seed "$T/data" "$A"
sim_start "$T/data" --defer-processing
sim_config "$T/df.yaml"
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull >/dev/null

# Convert and upload against the full catalog; nothing is processed yet.
cd "$T"
rc=0
"$DF" run -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 50 --no-status a.csv b.csv \
    >"$T/run.out" 2>&1 || rc=$?
[ "$rc" -le 1 ] || { cat "$T/run.out"; fail "run exited $rc"; }
B=$T/ws/2026-10-SALE-01
assert_not_contains "$B/rejects.csv" "E_PARTNER_UNMATCHED.*$victim"
# The province's catalog loses the partner; then it processes.
"$SIM" catalog-delete --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --catalog partner --key "$victim" >/dev/null
kill -USR1 "$SIM_PID"
rc=0
"$DF" status >"$T/status.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "status with PARTIAL files"
assert_contains "$T/status.out" "traced to their input lines"
assert_file "$B/server-errors.csv"
assert_file "$B/fixlist.csv"

# Every server error names the line that holds the record it failed.
want_a=$(csvq "$T/a.csv" "select count(*) from t where 往来单位 = '$victim'")
n=0
while IFS=$'\t' read -r file line reasons billno partner; do
    n=$((n + 1))
    case "$file" in a.csv | b.csv) ;; *) fail "server error names file '$file'" ;; esac
    [ "$reasons" = E_PARTNER_UNMATCHED ] || fail "reasons '$reasons' at $file:$line"
    text=$(sed -n "${line}p" "$T/$file")
    case "$text" in "$billno",*) ;; *) fail "$file:$line is '$text', not the row of $billno" ;; esac
    case "$text" in *"$victim"*) ;; *) fail "$file:$line does not hold the deleted partner: $text" ;; esac
    [ "$partner" = "$victim" ] || fail "$file:$line: original field PartnerName '$partner'"
done < <(csvq "$B/server-errors.csv" "select file, line, reasons, 单据编号, 往来单位 from t")
want_b=$(csvq "$T/b.csv" "select count(*) from t where 往来单位 = '$victim'")
[ "$n" -gt 0 ] || fail "no server errors"
rejected=$(csvq "$B/rejects.csv" "select count(*) from t where 往来单位 = '$victim'")
assert_eq "$n" "$((want_a + want_b - rejected))" "one server error per accepted row with the deleted partner"
# Rows that span two physical lines are found by their first line.
grep -q '第二行' "$B/server-errors.csv" || fail "no multi-line row among the server errors"
# The header names the export's columns after the fixed ones.
head -n 1 "$B/server-errors.csv" | grep -q '^.*file,line,reasons,message,suggestion,chunk,record,file_id,单据编号,' ||
    fail "server-errors.csv header: $(head -n 1 "$B/server-errors.csv")"

# fixlist.csv: drugflow's rejects and the server's errors, one list, sorted.
nrej=$(csvq "$B/rejects.csv" "select count(*) from t")
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'drugflow'")" "$nrej" "every reject listed"
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'server'")" "$n" "every server error listed"
# Suggestions of rejected rows travel into the fix list.
ns=$(csvq "$B/rejects.csv" "select count(*) from t where suggestion like 'did you mean%'")
[ "$ns" -gt 0 ] || fail "no suggestion in rejects.csv"
assert_eq "$(csvq "$B/fixlist.csv" "select count(*) from t where source = 'drugflow' and suggestion like 'did you mean%'")" \
    "$ns" "suggestions in the fix list"
csvq "$B/fixlist.csv" "select file = 'b.csv', line from t where line != ''" >"$T/order"
sort -k1,1n -k2,2n -c "$T/order" || fail "fixlist.csv is not sorted by file and line"

# An input changed after the run: said, no stale fields.
printf 'X' >>"$T/a.csv"
"$DF" status >/dev/null 2>&1 || true
grep -q 'a.csv.*has changed since the batch was converted' "$B/server-errors.csv" ||
    fail "changed input not reported: $(sed -n 2p "$B/server-errors.csv")"
rm "$T/b.csv"
"$DF" status >/dev/null 2>&1 || true
grep -q 'b.csv.*is gone' "$B/server-errors.csv" || fail "vanished input not reported"
# The same for chunks made by `drugflow convert -o DIR` and sent by
# `drugflow upload DIR`: the provenance travels beside them.
"$GEN" --type SALE --rows 400 --seed 7 --commodities 300 --partners 40 --out "$T/c.csv" 2>/dev/null
"$DF" convert -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-11 -o "$T/conv" --batch-id CONV-11 --chunk-records 50 \
    --sign streaming --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase" c.csv || true
assert_file "$T/conv/.CONV-11.provenance"
"$DF" upload "$T/conv" >/dev/null
kill -USR1 "$SIM_PID"
"$DF" status --batch CONV-11 >/dev/null 2>&1 || true
want=$(csvq "$T/c.csv" "select count(*) from t where 往来单位 = '$victim'")
[ "$want" -gt 0 ] || fail "c.csv has no row of the deleted partner"
assert_eq "$(csvq "$T/conv/server-errors.csv" "select count(*) from t where file = 'c.csv'")" "$want" \
    "convert + upload: every server error traced"
while IFS=$'\t' read -r line billno; do
    case "$(sed -n "${line}p" "$T/c.csv")" in "$billno",*"$victim"*) ;; *) fail "c.csv:$line is not the row of $billno" ;; esac
done < <(csvq "$T/conv/server-errors.csv" "select line, 单据编号 from t")
sim_stop
echo "t_fixloop_trace: ok"
