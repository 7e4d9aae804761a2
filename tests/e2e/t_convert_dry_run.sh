#!/usr/bin/env bash
# `convert --dry-run` previews records as they would be sent, each with its
# reasons, and writes nothing (no output folder, no chunk, no rejects.csv);
# `--limit N` stops after N data rows, with or without --dry-run, and the
# accounting still adds up. Issue 11, "A mapping wizard".
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

M=$SAMPLES/mappings/sale.yaml
IN=$T/sale.csv
gen_sale 500 7 "$IN" "$T/expect"
cd "$T"

# The whole export: the same verdicts as a real conversion, nothing written.
convert "$T/real" "$M" --catalogs "$SAMPLES/catalogs" "$IN"
real_acc=$(json_num "$T/real.json" accepted) real_rej=$(json_num "$T/real.json" rejected)
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$M" --catalogs "$SAMPLES/catalogs" --dry-run -o "$T/dry" \
    "$IN" >"$T/dry.out" 2>"$T/dry.err" || rc=$?
assert_eq "$rc" 1 "dry run exit (rows rejected): $(cat "$T/dry.err")"
[ ! -e "$T/dry" ] || fail "--dry-run created the output folder"
[ -z "$(find "$T" -name rejects.csv -newer "$T/real.json")" ] || fail "--dry-run wrote a rejects.csv"
assert_eq "$(grep -c ' ACCEPTED$' "$T/dry.out")" "$real_acc" "accepted rows previewed"
assert_eq "$(grep -c ' REJECTED ' "$T/dry.out")" "$real_rej" "rejected rows previewed"
assert_contains "$T/dry.err" "dry run: nothing was written"
# the summary lists the entries the catalogs lack, as the real conversion's does
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$M" --catalogs "$SAMPLES/catalogs" -p 2026-10 -o "$T/real2" \
    --created-at 2026-11-01T02:00:00+08:00 "$IN" >/dev/null 2>"$T/real2.err" || true
assert_contains "$T/real2.err" "not in the partner catalog"
unlog() { sed -n '/not in the/,$p' "$1" | sed 's/^[^ ]* drugflow\[[0-9]*\] [a-z]*: //'; }
assert_eq "$(unlog "$T/dry.err" | grep -v 'dry run')" \
    "$(unlog "$T/real2.err" | grep -v 'missing from the catalog\|rejects.csv\|written')" \
    "the unmatched entries of the dry run"
# each accepted record is printed exactly as the data file holds it
first_chunk=$(chunks "$T/real" | sed -n 1p)
first_rec=$(xmllint --xpath '(/DataFile/Records/Record)[1]' "$first_chunk")
grep -qxF "  $first_rec" "$T/dry.out" || fail "the first record differs from the data file's: $first_rec"
# a rejected row: its line, reason codes and the message rejects.csv has
line=$(sed -n 2p "$T/real/rejects.csv" | cut -d, -f2)
codes=$(sed -n 2p "$T/real/rejects.csv" | cut -d, -f3)
grep -q "^$IN:$line REJECTED $codes" "$T/dry.out" || fail "line $line ($codes) not previewed as rejected"

# --limit N: the first N rows only, in order, the rest not read.
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$M" --catalogs "$SAMPLES/catalogs" --dry-run --limit 10 \
    "$IN" >"$T/ten.out" 2>"$T/ten.err" || rc=$?
[ "$rc" -le 1 ] || fail "exit $rc: $(cat "$T/ten.err")"
assert_eq "$(grep -cE ' (ACCEPTED|REJECTED)' "$T/ten.out")" 10 "rows previewed with --limit 10"
assert_eq "$(grep -oE "^$IN:[0-9]+" "$T/ten.out" | cut -d: -f2 | tr '\n' ' ')" "2 3 4 5 6 7 8 9 10 11 " "lines"
assert_contains "$T/ten.err" "stopped after the first 10 rows (--limit)"

# --json: one document with the preview and the summary.
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$M" --catalogs "$SAMPLES/catalogs" --dry-run -n 3 --json -q \
    "$IN" >"$T/dry.json" 2>"$T/dry.jerr" || true
assert_eq "$(grep -c '"line": ' "$T/dry.json")" 3 "JSON rows"
assert_contains "$T/dry.json" '"record": "<Record><BillNo>'
assert_contains "$T/dry.json" '"summary": {"version": "[^"]*", "doc_type":"SALE"'
assert_contains "$T/dry.json" '"limited":true,"dry_run":true'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/dry.json" 2>/dev/null ||
    { command -v python3 >/dev/null && fail "--json output is not one JSON document"; }

# --limit without --dry-run converts the first N rows for real.
convert "$T/lim" "$M" --catalogs "$SAMPLES/catalogs" --limit 50 "$IN"
[ "$rc" -le 1 ] || fail "limited convert exit $rc: $(cat "$T/lim.err")"
assert_eq "$(json_num "$T/lim.json" rows_read)" 50 "rows read"
assert_eq $(( $(json_num "$T/lim.json" accepted) + $(json_num "$T/lim.json" rejected) )) 50 "accounting"
assert_eq "$(xml_count "$(chunks "$T/lim")" /DataFile/Records/Record)" "$(json_num "$T/lim.json" accepted)" "records"
assert_eq "$(rejects_body "$T/lim/rejects.csv" | wc -l)" "$(json_num "$T/lim.json" rejected)" "rejects"
assert_contains "$T/lim.json" '"limited":true'

# Across inputs, with several workers: the limit falls in the second input;
# a limit as large as the input leaves nothing: not "limited".
n=$(rejects_body "$IN" | wc -l)
convert "$T/lim2" "$M" --catalogs "$SAMPLES/catalogs" --threads 4 --limit $((n + 3)) "$IN" "$IN"
[ "$rc" -le 1 ] || fail "limited convert of two inputs exit $rc: $(cat "$T/lim2.err")"
assert_eq "$(json_num "$T/lim2.json" rows_read)" $((n + 3)) "rows read over two inputs"
assert_contains "$T/lim2.json" '"limited":true'
convert "$T/lim3" "$M" --catalogs "$SAMPLES/catalogs" --threads 4 --limit $((2 * n)) "$IN" "$IN"
assert_eq "$(json_num "$T/lim3.json" rows_read)" $((2 * n)) "rows read up to the limit"
assert_contains "$T/lim3.json" '"limited":false'

# Bad input: clear errors, nothing written.
expect_status 2 "$DF" convert -m "$M" --dry-run --limit 0 "$IN"
expect_status 2 "$DF" convert -m "$M" -p 2026-10 "$IN" 2>"$T/noout.err"
assert_contains "$T/noout.err" "--out DIR is required (or --dry-run to only preview)"
sed 's/单据编号/单号/' "$IN" >"$T/renamed.csv"
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$M" --no-catalogs --dry-run "$T/renamed.csv" >"$T/ren.out" 2>"$T/ren.err" || rc=$?
assert_eq "$rc" 2 "a missing column"
assert_contains "$T/ren.err" "$T/renamed.csv"
assert_contains "$T/ren.err" "单据编号"
echo "dry run and limit hold"
