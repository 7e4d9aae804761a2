#!/usr/bin/env bash
# Chunk boundaries: --chunk-records N gives ceil(accepted/N) chunks with the
# right ChunkSeq and RecordCount; --chunk-bytes keeps every file under the
# limit; records keep input order across chunks; --force replaces a batch.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

check_split() { # OUT_DIR ACCEPTED PER_CHUNK
    local out=$1 n=$2 per=$3 want_chunks i f want
    want_chunks=$(((n + per - 1) / per))
    mapfile -t files < <(chunks "$out")
    assert_eq "${#files[@]}" "$want_chunks" "$n records by $per: chunks"
    for ((i = 1; i <= want_chunks; i++)); do
        f=${files[$((i - 1))]}
        assert_eq "$(basename "$f")" "$(printf '2026-10-SALE-01_%05d.xml' "$i")" "chunk $i name"
        want=$per
        [ "$i" -lt "$want_chunks" ] || want=$((n - per * (want_chunks - 1)))
        assert_eq "$(xml_str "$f" /DataFile/Header/ChunkSeq)" "$i" "ChunkSeq of chunk $i"
        assert_eq "$(xml_str "$f" /DataFile/Trailer/RecordCount)" "$want" "RecordCount of chunk $i"
        assert_eq "$(xml_count "$f" /DataFile/Records/Record)" "$want" "records in chunk $i"
        assert_eq "$(xml_str "$f" /DataFile/Header/BatchId)" "2026-10-SALE-01" "BatchId of chunk $i"
    done
    validate "${files[@]}"
}

for n in 23 25 5 4 1; do
    gen_sale "$n" 0 "$T/g$n.csv"
    convert "$T/r$n" "$SAMPLES/mappings/sale.yaml" --chunk-records 5 "$T/g$n.csv"
    assert_eq "$rc" 0 "$n good rows: exit status"
    check_split "$T/r$n" "$n" 5
done
# With rejected rows among them: the boundaries count accepted records.
gen_sale 61 4 "$T/mixed.csv" "$T/mixed.expect"
convert "$T/mixed" "$SAMPLES/mappings/sale.yaml" --chunk-records 5 "$T/mixed.csv"
assert_eq "$rc" 1 "mixed: exit status"
check_split "$T/mixed" "$(expect_num "$T/mixed.expect" good)" 5

# --chunk-bytes 64K on a larger input: every file under 64 KiB, order kept.
gen_sale 6000 10 "$T/big.csv" "$T/big.expect"
convert "$T/big" "$SAMPLES/mappings/sale.yaml" --chunk-bytes 64K "$T/big.csv"
assert_eq "$rc" 1 "big: exit status"
mapfile -t files < <(chunks "$T/big")
[ "${#files[@]}" -ge 10 ] || fail "64K chunks of 6000 rows: only ${#files[@]} chunks"
total=0
for f in "${files[@]}"; do
    size=$(stat -c %s "$f")
    [ "$size" -lt 65536 ] || fail "$f is $size bytes, not under 64 KiB"
    [ "$size" -gt 32768 ] || [ "$f" = "${files[-1]}" ] || fail "$f is only $size bytes: chunks are cut far too early"
    total=$((total + $(xml_str "$f" /DataFile/Trailer/RecordCount)))
done
assert_eq "$total" "$(expect_num "$T/big.expect" good)" "64K chunks hold every accepted record"
validate "${files[0]}" "${files[-1]}"
# Input order: the accepted rows' BillNos, in input order, equal the records'
# BillNos read chunk after chunk.
grep -ah -o '<BillNo>[^<]*</BillNo>' "${files[@]}" | sed 's/<[^>]*>//g' >"$T/order.got"
awk -F, 'NR > 1 { n = substr($1, 3) + 0; if (n % 10) print $1 }' "$T/big.csv" >"$T/order.want"
cmp -s "$T/order.got" "$T/order.want" || fail "records are not in input order across chunks"

# Signed chunks stay under the limit too: the signature (with its
# certificate) comes within the room kept for header and trailer. The test
# PKI is shared with the other scripts of the build, made once under a lock.
PKI=$BUILD/e2e-pki
(
    flock 9
    [ -f "$PKI/done" ] || { "$ROOT/samples/pki/make-pki.sh" --force "$PKI" >/dev/null && touch "$PKI/done"; }
) 9>"$BUILD/e2e-pki.lock"
for mode in streaming reference; do
    DRUGFLOW_PASSPHRASE=$(cat "$PKI/passphrase") convert "$T/signed-$mode" "$SAMPLES/mappings/sale.yaml" \
        --sign "$mode" --key "$PKI/ent-a.p12" --chunk-bytes 64K "$T/big.csv" </dev/null
    assert_eq "$rc" 1 "signed ($mode): $(cat "$T/signed-$mode.err")"
    mapfile -t files < <(chunks "$T/signed-$mode")
    [ "${#files[@]}" -ge 10 ] || fail "signed 64K chunks ($mode): only ${#files[@]}"
    for f in "${files[@]}"; do
        size=$(stat -c %s "$f")
        [ "$size" -lt 65536 ] || fail "signed ($mode) $f is $size bytes, not under 64 KiB"
        grep -q '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' "$f" || fail "$f is not signed"
    done
    validate "${files[0]}"
done

# An existing batch: refused without --force, untouched; --force replaces it
# and removes its now surplus chunks.
before=$(cat "$T/r23"/*.xml | sha256sum)
convert "$T/r23" "$SAMPLES/mappings/sale.yaml" --chunk-records 5 "$T/g23.csv"
[ "$rc" -eq 2 ] || fail "existing chunks of the batch: exit $rc, expected 2 (refused, nothing done)"
assert_contains "$T/r23.err" "already holds chunks of batch 2026-10-SALE-01"
assert_contains "$T/r23.err" "--force"
assert_eq "$(cat "$T/r23"/*.xml | sha256sum)" "$before" "refused run left the batch untouched"
convert "$T/r23" "$SAMPLES/mappings/sale.yaml" --chunk-records 10 --force "$T/g23.csv"
assert_eq "$rc" 0 "--force"
check_split "$T/r23" 23 10
echo "chunk boundaries hold"
