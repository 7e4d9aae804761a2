#!/usr/bin/env bash
# Input shapes: title rows skipped before the header (lines still physical),
# several exports in one batch (each its own header, even with its columns in
# another order), and exports without a header mapped by column number.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml

# --- skip_rows -----------------------------------------------------------
sed 's/^  skip_rows: 0/  skip_rows: 2/' "$SALE" >"$T/skip.yaml"
gen_sale 40 6 "$T/g.csv" "$T/g.expect"
{ printf '\xef\xbb\xbf销售出库明细\r\n导出时间: 2026-11-01 02:00\r\n'; cat "$T/g.csv"; } >"$T/skip.csv"
convert "$T/skip" "$T/skip.yaml" "$T/skip.csv"
assert_eq "$rc" 1 "skip_rows: $(cat "$T/skip.err")"
assert_eq "$(json_num "$T/skip.json" rows_read)" 40 "skip_rows: rows_read (title rows are not rows)"
assert_eq "$(json_num "$T/skip.json" accepted)" "$(expect_num "$T/g.expect" good)" "skip_rows: accepted"
# Bad rows are every 6th: row i is on line i + 3 (two title lines, the header).
want=$(for ((i = 6; i <= 40; i += 6)); do echo "$((i + 3))"; done | tr '\n' ' ')
assert_eq "$(grep -a "^$T/skip.csv," "$T/skip/rejects.csv" | cut -d, -f2 | tr '\n' ' ')" "$want" "skip_rows: physical lines"
# A missing column is reported on the header's line, 3.
sed '3s/往来单位/客户/' "$T/skip.csv" >"$T/skip2.csv"
convert "$T/skip2" "$T/skip.yaml" "$T/skip2.csv"
[ "$rc" -ne 0 ] || fail "a missing column went unnoticed"
assert_contains "$T/skip2.err" "$T/skip2.csv:3: the header has no column '往来单位'"

# --- several inputs --------------------------------------------------------
# The second export has its columns in reverse order ("1,200" is the only
# quoted value: kept whole while the fields are reversed).
gen_sale 30 7 "$T/a.csv" "$T/a.expect"
sed 's/"1,200"/@Q@/' "$T/a.csv" | tr -d '\r' |
    awk -F, -v OFS=, '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? OFS : "\n") }' |
    sed 's/@Q@/"1,200"/' >"$T/b.csv"
head -n 1 "$T/b.csv" | grep -q '^金额,单价,单位,' || fail "b.csv not reversed: $(head -n 1 "$T/b.csv")"
convert "$T/two" "$SALE" "$T/a.csv" "$T/b.csv"
assert_eq "$rc" 1 "two inputs"
good=$(expect_num "$T/a.expect" good)
assert_eq "$(json_num "$T/two.json" rows_read)" 60 "two inputs: rows_read"
assert_eq "$(json_num "$T/two.json" accepted)" "$((2 * good))" "two inputs: accepted"
# Each file's rejects under its own name and lines.
assert_eq "$(grep -ac "^$T/a.csv," "$T/two/rejects.csv")" "$((30 - good))" "rejects of a.csv"
assert_eq "$(grep -a "^$T/a.csv," "$T/two/rejects.csv" | cut -d, -f2,3 | tr '\n' ' ')" \
    "$(grep -a "^$T/b.csv," "$T/two/rejects.csv" | cut -d, -f2,3 | tr '\n' ' ')" "the same lines and reasons in both"
# The records of b come after those of a, and are the same records.
f=$(chunks "$T/two")
validate "$f"
grep -ao '<Record>.*</Record>' "$f" >"$T/two.records"
assert_eq "$(wc -l <"$T/two.records")" "$((2 * good))" "records"
cmp -s <(head -n "$good" "$T/two.records") <(tail -n "$good" "$T/two.records") || fail "b's records differ from a's"
# A second input whose header lacks a mapped column fails the run: no chunk.
sed '1s/往来单位/客户/' "$T/a.csv" >"$T/c.csv"
convert "$T/bad2" "$SALE" "$T/a.csv" "$T/c.csv"
[ "$rc" -ne 0 ] || fail "a missing column in the second input went unnoticed"
assert_contains "$T/bad2.err" "$T/c.csv:1: the header has no column '往来单位'"
no_chunks "$T/bad2"

# --- no header -------------------------------------------------------------
# The same mapping with column numbers instead of names, on the export
# without its header row: the same chunks.
head -n 1 "$T/g.csv" | tr -d '\r' | tr ',' '\n' |
    awk '{ printf "s/column: %s\\([,}]\\)/column: \"%d\"\\1/\n", $0, NR }' >"$T/names.sed"
sed -f "$T/names.sed" -e 's/^  header: true/  header: false/' "$SALE" >"$T/nohdr.yaml"
[ "$(grep -c 'column: "[0-9]*"' "$T/nohdr.yaml")" = 17 ] || fail "not every column numbered: $(grep column "$T/nohdr.yaml")"
tail -n +2 "$T/g.csv" >"$T/nohdr.csv"
convert "$T/nohdr" "$T/nohdr.yaml" "$T/nohdr.csv"
convert "$T/hdr" "$SALE" "$T/g.csv"
assert_eq "$rc" 1 "with a header"
cmp -s "$(chunks "$T/hdr")" "$(chunks "$T/nohdr")" || fail "no header: the chunk differs"
# Without a header, row i is on line i, and rejects.csv names columns by number.
want=$(for ((i = 6; i <= 40; i += 6)); do echo "$i"; done | tr '\n' ' ')
assert_eq "$(grep -a "^$T/nohdr.csv," "$T/nohdr/rejects.csv" | cut -d, -f2 | tr '\n' ' ')" "$want" "no header: lines"
head -n 1 "$T/nohdr/rejects.csv" | grep -q 'file,line,reasons,message,suggestion,column 1,column 2,' || fail "no header: rejects header"
echo "input shapes convert"
