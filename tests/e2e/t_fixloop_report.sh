#!/usr/bin/env bash
# tests/e2e/t_fixloop_report.sh — the batch report (issue 12): `drugflow
# run` against drugflow-sim writes WORKSPACE/BATCH/report.html at the end;
# `drugflow report` writes it again. The page is rendered in headless
# Chromium (Debian chromium) with networking off, and its text checked:
# rows read/accepted/rejected/skipped, rejects per reason, top unmatched
# with suggestions, chunks by server state with totals, stage times, the
# fix list's first rows. The HTML loads nothing: no script, no external
# src/href, a Content-Security-Policy of default-src 'none'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
command -v chromium >/dev/null || fail "chromium is not installed (make deps-test installs it)"

seed "$T/data" "$A" "$ROOT/samples/catalogs"
sim_start "$T/data" --defer-processing
sim_config "$T/df.yaml" "upload: {parallel: 2, attempts: 6, retry_base_ms: 20, status_timeout: 60}"
export DRUGFLOW_CONFIG=$T/df.yaml
"$DF" catalog pull >/dev/null
# The sample export has rows drugflow rejects (a partner spelt with
# 有限责任公司 among them); the server then fails the rows of a
# partner deleted from its catalog after the conversion.
# Its last row is a 合计 footer, which the mapping skips (not data).
sed 's/国药控股广州有限公司/国药控股广州有限责任公司/' "$ROOT/samples/exports/sale.csv" >"$T/sale.csv"
printf '合计,,,,,,,,,,,,,,,,,\r\n' >>"$T/sale.csv"
sed 's/^  skip_rows: 0$/  skip_rows: 0\n  skip_footer: 1/' "$ROOT/samples/mappings/sale.yaml" >"$T/sale.yaml"
grep -q '^  skip_footer: 1$' "$T/sale.yaml" || fail "no skip_footer in the test's mapping"
"$DF" run -q -m "$T/sale.yaml" -p 2026-10 --chunk-records 4 --no-status "$T/sale.csv" \
    >"$T/run1.out" 2>&1 || true
"$SIM" catalog-delete --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --catalog partner --key 东莞市第一人民医院 >/dev/null
kill -USR1 "$SIM_PID"
rc=0
"$DF" run -q -m "$T/sale.yaml" -p 2026-10 --chunk-records 4 "$T/sale.csv" >"$T/run.out" 2>"$T/run.err" ||
    rc=$?
assert_eq "$rc" 1 "run with rejects and PARTIAL chunks"
B=$T/ws/2026-10-SALE-01
assert_contains "$T/run.err" "batch report: $B/report.html"
assert_file "$B/report.html"

# Nothing to fetch, nothing to run.
H=$B/report.html
grep -Eiq '<script|(src|href)="?(https?:)?//' "$H" && fail "the report loads something: $(grep -Eio '<script|(src|href)=[^ >]*' "$H" | head -3)"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$H" || fail "no CSP"
grep -q '<svg' "$H" || fail "no inline SVG chart"

# Rendered by Chromium, networking off.
render() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$T/chrome" \
        --proxy-server='127.0.0.1:9' --proxy-bypass-list='<-loopback>' "$@" 2>>"$T/chrome.err"
}
render --dump-dom "file://$H" >"$T/dom.html"
[ -s "$T/dom.html" ] || { cat "$T/chrome.err"; fail "chromium rendered nothing"; }
sed -e 's/<[^>]*>/ /g' "$T/dom.html" | tr -s ' \n' ' ' >"$T/text"
read_rows=$(sqlite3 "$T/ws/journal.sqlite" "select rows_read from run_records")
acc=$(sqlite3 "$T/ws/journal.sqlite" "select accepted from run_records")
rej=$(sqlite3 "$T/ws/journal.sqlite" "select rejected from run_records")
skipped=$(sqlite3 "$T/ws/journal.sqlite" "select skipped from run_records")
not_data=$(sqlite3 "$T/ws/journal.sqlite" "select rows from run_not_data")
assert_eq "$not_data" 1 "the footer, skipped (not data)"
[ "$skipped" -gt 0 ] || fail "the second run skipped no chunk"
passed=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where state = 'PASSED'")
partial=$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks where state = 'PARTIAL'")
[ "$partial" -gt 0 ] || fail "no PARTIAL chunk"
for want in "Batch 2026-10-SALE-01" "$read_rows rows read" "$acc accepted" "$rej rejected" \
    "$skipped records skipped (already on the server)" "$not_data skipped (not data" "Rejects per reason" "E_PARTNER_UNMATCHED" "E_NEGATIVE_QTY" \
    'did you mean "国药控股广州有限公司" (differs: 有限责任公司 for 有限公司)' "passed $passed" "partial $partial" \
    "Time per stage" "convert" "waiting for results" "Fix list" "rejected by drugflow" "failed by the server" \
    "$T/sale.csv" "东莞市第一人民医院"; do
    grep -qF -- "$want" "$T/text" || fail "the rendered report lacks '$want'"
done
# Fix-list rows: from both sides, server rows named by input line.
grep -qE "$T/sale.csv [0-9]+ server E_PARTNER_UNMATCHED" "$T/text" || fail "no server row in the fix list"
grep -qE "$T/sale.csv [0-9]+ drugflow E_" "$T/text" || fail "no drugflow row in the fix list"
# A screenshot: the page paints.
render --screenshot="$T/shot.png" --window-size=1100,1600 "file://$H" >/dev/null
[ "$(head -c 4 "$T/shot.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "no PNG screenshot"
# REPORT_SCREENSHOT=docs/report.png refreshes the README's picture.
[ -z "${REPORT_SCREENSHOT:-}" ] || cp "$T/shot.png" "$REPORT_SCREENSHOT"

# drugflow report: the same page again, elsewhere; an unknown batch is an error.
"$DF" report --batch 2026-10-SALE-01 --out "$T/again.html" >"$T/rep.out"
assert_eq "$(cat "$T/rep.out")" "$T/again.html" "report prints its path"
grep -q "Batch 2026-10-SALE-01" "$T/again.html" || fail "drugflow report wrote another batch"
expect_status 3 "$DF" report --batch NO-SUCH-BATCH
sim_stop
echo "t_fixloop_report: ok"
