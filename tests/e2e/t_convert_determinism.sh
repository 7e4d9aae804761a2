#!/usr/bin/env bash
# Same input and same CreatedAt (--created-at, or SOURCE_DATE_EPOCH) give
# byte-identical chunks and rejects.csv across runs and thread counts.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

gen_sale 4000 9 "$T/in.csv"
same_output() { # DIR_A DIR_B WHAT
    local a b
    a=$(cd "$1" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    b=$(cd "$2" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    assert_eq "$b" "$a" "$3: the same files"
    for f in $a; do cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs"; done
}

convert "$T/a" "$SAMPLES/mappings/sale.yaml" --chunk-records 300 --threads 1 "$T/in.csv"
assert_eq "$rc" 1 "run a"
n=$(chunks "$T/a" | wc -l)
[ "$n" -ge 10 ] || fail "expected many chunks, got $n"
convert "$T/b" "$SAMPLES/mappings/sale.yaml" --chunk-records 300 --threads 1 "$T/in.csv"
same_output "$T/a" "$T/b" "two runs, one thread"
convert "$T/c" "$SAMPLES/mappings/sale.yaml" --chunk-records 300 --threads 2 "$T/in.csv"
same_output "$T/a" "$T/c" "one thread vs two"
convert "$T/d" "$SAMPLES/mappings/sale.yaml" --chunk-records 300 --threads 7 "$T/in.csv"
same_output "$T/a" "$T/d" "one thread vs seven"

# One record per chunk: hundreds of chunks in flight across many writers,
# still numbered and filled exactly as with one writer.
gen_sale 300 9 "$T/small.csv"
convert "$T/one1" "$SAMPLES/mappings/sale.yaml" --chunk-records 1 --threads 1 "$T/small.csv"
convert "$T/one16" "$SAMPLES/mappings/sale.yaml" --chunk-records 1 --threads 16 "$T/small.csv"
[ "$(chunks "$T/one1" | wc -l)" -gt 250 ] || fail "one record per chunk: too few chunks"
same_output "$T/one1" "$T/one16" "one record per chunk, 1 vs 16 threads"

# SOURCE_DATE_EPOCH: 2026-10-31T18:00:00Z is 2026-11-01T02:00:00+08:00, the
# --created-at of the runs above: the files must be the very same bytes.
epoch=$(date -u -d 2026-10-31T18:00:00Z +%s)
for t in 1 2; do
    SOURCE_DATE_EPOCH=$epoch "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SAMPLES/mappings/sale.yaml" -p 2026-10 \
        -o "$T/e$t" --chunk-records 300 --threads $t -q "$T/in.csv" || [ $? -eq 1 ] || fail "SOURCE_DATE_EPOCH run failed"
    same_output "$T/a" "$T/e$t" "SOURCE_DATE_EPOCH, $t thread(s)"
done
assert_eq "$(xml_str "$T/e1/2026-10-SALE-01_00001.xml" /DataFile/Header/CreatedAt)" "$CREATED" "CreatedAt from SOURCE_DATE_EPOCH"
# A different epoch changes CreatedAt, and nothing else.
SOURCE_DATE_EPOCH=$((epoch + 3600)) "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SAMPLES/mappings/sale.yaml" -p 2026-10 \
    -o "$T/f" --chunk-records 300 -q "$T/in.csv" || true
assert_eq "$(xml_str "$T/f/2026-10-SALE-01_00001.xml" /DataFile/Header/CreatedAt)" "2026-11-01T03:00:00+08:00" "CreatedAt +1h"
diff <(sed 's/T02:00:00/T03:00:00/' "$T/a/2026-10-SALE-01_00003.xml") "$T/f/2026-10-SALE-01_00003.xml" >/dev/null ||
    fail "another epoch changed more than CreatedAt"
# A bad SOURCE_DATE_EPOCH is a usage error.
expect_status 2 env SOURCE_DATE_EPOCH=yesterday "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SAMPLES/mappings/sale.yaml" \
    -p 2026-10 -o "$T/g" -q "$T/in.csv"
echo "deterministic"
