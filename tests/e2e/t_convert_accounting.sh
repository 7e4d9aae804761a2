#!/usr/bin/env bash
# Accounting on generated inputs with bad rows: every row read is accepted or
# rejected, each reason counted as the generator planted it, every accepted
# row is in exactly one chunk, every rejected row in rejects.csv on its line.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

check_totals() { # JSON OUT_DIR INPUT ROWS GOOD
    local j=$1 out=$2 input=$3 rows=$4 good=$5
    assert_eq "$(json_num "$j" rows_read)" "$rows" "rows_read"
    assert_eq "$(json_num "$j" accepted)" "$good" "accepted"
    assert_eq "$(json_num "$j" rejected)" "$((rows - good))" "rejected"
    local in_chunks=0 n f
    for n in $(json_chunk_records "$j"); do in_chunks=$((in_chunks + n)); done
    assert_eq "$in_chunks" "$good" "records in the summary's chunks"
    in_chunks=0
    for f in $(chunks "$out"); do in_chunks=$((in_chunks + $(xml_str "$f" /DataFile/Trailer/RecordCount))); done
    assert_eq "$in_chunks" "$good" "RecordCount over all chunks"
    assert_eq "$(grep -c '<Record>' $(chunks "$out") | awk -F: '{ s += $NF } END { print s }')" "$good" "records in the files"
    assert_eq "$(grep -ac "^$input," "$out/rejects.csv")" "$((rows - good))" "rows of rejects.csv"
}

# 1. Our own generator: one defect per bad row, the kind known per line.
gen_sale 3000 7 "$T/own.csv" "$T/own.expect"
rows=$(expect_num "$T/own.expect" rows)
good=$(expect_num "$T/own.expect" good)
convert "$T/own" "$SAMPLES/mappings/sale.yaml" --chunk-records 400 "$T/own.csv"
assert_eq "$rc" 1 "exit status with rejected rows"
check_totals "$T/own.json" "$T/own" "$T/own.csv" "$rows" "$good"
for code in E_NEGATIVE_QTY E_PARTNER_UNMATCHED E_COMMODITY_UNMATCHED E_REQUIRED E_FORMAT E_TOO_LONG E_ENCODING E_COLUMNS; do
    want=$(expect_num "$T/own.expect" "$code")
    [ "$want" -gt 0 ] || fail "the generator planted no $code"
    assert_eq "$(json_reason "$T/own.json" "$code")" "$want" "rows rejected for $code"
done
# Each rejected row on its own line (row i is line i+1) with exactly its reason.
kinds=(E_NEGATIVE_QTY E_PARTNER_UNMATCHED E_COMMODITY_UNMATCHED E_REQUIRED E_FORMAT E_TOO_LONG E_ENCODING E_COLUMNS)
want=""
for ((i = 7; i <= rows; i += 7)); do want+="$((i + 1)),${kinds[$(((i / 7 - 1) % 8))]}"$'\n'; done
got=$(grep -a "^$T/own.csv," "$T/own/rejects.csv" | cut -d, -f2,3)
assert_eq "$got"$'\n' "$want" "rejects.csv lines and reasons"
# Accepted records come out in input order, across chunks.
grep -ah -o '<BillNo>[^<]*</BillNo>' $(chunks "$T/own") | sed 's/<[^>]*>//g' >"$T/own.order"
awk -F, 'NR > 1 && ($1 + 0) % 7 != 0 { print $1 }' <(sed 's/^XS0*//' "$T/own.csv" | tr -d '\r') | awk '{ printf "XS%08d\n", $1 }' >"$T/own.want"
cmp -s "$T/own.order" "$T/own.want" || fail "record order differs from input order"

# 2. benchmarks/gen (its own catalogs, every document type's generator).
if [ -x "$GEN" ]; then
    "$GEN" --type SALE --rows 20000 --bad-share 0.05 --catalogs "$T/gcat" --out "$T/gen.csv" --expect "$T/gen.expect" 2>/dev/null
    convert "$T/gen" "$SAMPLES/mappings/sale.yaml" --catalogs "$T/gcat" --chunk-records 3000 "$T/gen.csv"
    assert_eq "$rc" 1 "gen: exit status"
    e=$T/gen.expect
    rows=$(grep -o '"rows":[0-9]*' "$e" | cut -d: -f2)
    good=$(grep -o '"good":[0-9]*' "$e" | cut -d: -f2)
    check_totals "$T/gen.json" "$T/gen" "$T/gen.csv" "$rows" "$good"
    for code in E_NEGATIVE_QTY E_PARTNER_UNMATCHED E_COMMODITY_UNMATCHED E_REQUIRED E_FORMAT E_TOO_LONG E_ENCODING E_COLUMNS; do
        want=$(grep -o "\"$code\":[0-9]*" "$e" | cut -d: -f2)
        assert_eq "$(json_reason "$T/gen.json" "$code")" "${want:-0}" "gen: rows rejected for $code"
    done
    # One reason per bad row: the per-reason counts add up to the rejected rows.
    sum=$(sed -n 's/.*"reasons":{\([^}]*\)}.*/\1/p' "$T/gen.json" | grep -o ':[0-9]*' | tr -d : | awk '{ s += $1 } END { print s }')
    assert_eq "$sum" "$((rows - good))" "gen: reasons add up"
    validate $(chunks "$T/gen" | head -n 2)
else
    echo "note: $GEN not built; the benchmarks/gen part is skipped"
fi
echo "accounting holds"
