#!/usr/bin/env bash
# The same rows in other encodings and CSV dialects give the very same chunks:
# GBK and GB18030 (with and without BOM), UTF-8 with a BOM before a quoted
# header, LF instead of CRLF, tab- and semicolon-delimited with another quote
# character. Invalid bytes in GBK are rejected as E_ENCODING with the offset.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
# mapping NAME ENCODING DELIMITER [QUOTE] — a copy of the sale mapping; QUOTE
# is given only to use ' instead of ".
mapping() {
    local q=()
    [ -z "${4:-}" ] || q=(-e "s/^  quote: '\"'/  quote: \"'\"/")
    sed -e "s/^encoding: UTF-8 .*/encoding: $2/" -e "s/^  delimiter: \",\"/  delimiter: \"$3\"/" "${q[@]}" \
        "$SALE" >"$T/$1.yaml"
    grep -q "^encoding: $2\$" "$T/$1.yaml" || fail "mapping $1: encoding not replaced"
    grep -q "^  delimiter: \"$3\"" "$T/$1.yaml" || fail "mapping $1: delimiter not replaced"
    [ -z "${4:-}" ] || grep -q "^  quote: \"'\"" "$T/$1.yaml" || fail "mapping $1: quote not replaced"
}
same_chunks() { # DIR_A DIR_B WHAT
    [ -d "$2" ] || fail "$3: no output (exit $rc): $(cat "$2.err")"
    local f n=0
    for f in $(cd "$1" && ls *.xml); do
        cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs from the UTF-8 conversion"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || fail "$3: no chunks to compare"
    assert_eq "$(cd "$2" && ls *.xml | wc -l)" "$n" "$3: chunk count"
}

# Reference: UTF-8, CRLF, comma, '"'; no row with characters GBK lacks.
gen_sale 500 0 "$T/all.csv"
grep -v '𠀀' "$T/all.csv" >"$T/ref.csv"
convert "$T/ref" "$SALE" --chunk-records 100 "$T/ref.csv"
assert_eq "$rc" 0 "reference conversion"
acc=$(json_num "$T/ref.json" accepted)
[ "$acc" -gt 400 ] || fail "reference: only $acc rows"

# GBK and GB18030.
mapping gbk GBK ,
iconv -f UTF-8 -t GBK "$T/ref.csv" >"$T/gbk.csv"
convert "$T/gbk" "$T/gbk.yaml" --chunk-records 100 "$T/gbk.csv"
assert_eq "$rc" 0 "GBK: $(cat "$T/gbk.err")"
same_chunks "$T/ref" "$T/gbk" "GBK"
mapping gb18030 GB18030 ,
iconv -f UTF-8 -t GB18030 "$T/ref.csv" >"$T/gb18030.csv"
convert "$T/gb18030" "$T/gb18030.yaml" --chunk-records 100 "$T/gb18030.csv"
assert_eq "$rc" 0 "GB18030"
same_chunks "$T/ref" "$T/gb18030" "GB18030"
{ printf '\x84\x31\x95\x33'; cat "$T/gb18030.csv"; } >"$T/gb18030bom.csv"
convert "$T/gb18030bom" "$T/gb18030.yaml" --chunk-records 100 "$T/gb18030bom.csv"
assert_eq "$rc" 0 "GB18030 with BOM"
same_chunks "$T/ref" "$T/gb18030bom" "GB18030 with BOM"
# GB18030 carries U+20000 (four bytes 95 32 82 36): the full export converts
# the same as its UTF-8 original.
convert "$T/allu" "$SALE" --chunk-records 100 "$T/all.csv"
iconv -f UTF-8 -t GB18030 "$T/all.csv" >"$T/all18030.csv"
grep -q $'\x95\x32\x82\x36' "$T/all18030.csv" || fail "no four-byte GB18030 character in the input"
convert "$T/all18030" "$T/gb18030.yaml" --chunk-records 100 "$T/all18030.csv"
same_chunks "$T/allu" "$T/all18030" "GB18030 with four-byte characters"

# UTF-8 with a BOM and every header field quoted (as Excel writes it).
{ printf '\xEF\xBB\xBF'; head -n 1 "$T/ref.csv" | sed -e 's/\r$//' -e 's/[^,]*/"&"/g' -e 's/$/\r/'; tail -n +2 "$T/ref.csv"; } >"$T/bomq.csv"
head -c 8 "$T/bomq.csv" | od -An -c | grep -q '"' || fail "header not quoted"
convert "$T/bomq" "$SALE" --chunk-records 100 "$T/bomq.csv"
assert_eq "$rc" 0 "BOM before a quoted header: $(cat "$T/bomq.err")"
same_chunks "$T/ref" "$T/bomq" "BOM and quoted header"

# LF line ends.
tr -d '\r' <"$T/ref.csv" >"$T/lf.csv"
convert "$T/lf" "$SALE" --chunk-records 100 "$T/lf.csv"
assert_eq "$rc" 0 "LF"
same_chunks "$T/ref" "$T/lf" "LF line ends"

# Tab-delimited, and semicolon-delimited with ' quotes.
mapping tab UTF-8 tab
sed -e 's/"1,200"/\x01/' -e 's/,/\t/g' -e 's/\x01/"1,200"/' "$T/ref.csv" >"$T/tab.csv"
convert "$T/tab" "$T/tab.yaml" --chunk-records 100 "$T/tab.csv"
assert_eq "$rc" 0 "tab: $(cat "$T/tab.err")"
same_chunks "$T/ref" "$T/tab" "tab-delimited"
mapping semi UTF-8 ';' "'"
sed -e "s/\"1,200\"/\x01/" -e 's/,/;/g' -e "s/\x01/'1,200'/" "$T/ref.csv" >"$T/semi.csv"
convert "$T/semi" "$T/semi.yaml" --chunk-records 100 "$T/semi.csv"
assert_eq "$rc" 0 "semicolon: $(cat "$T/semi.err")"
same_chunks "$T/ref" "$T/semi" "semicolon-delimited, ' quotes"

# Invalid GBK bytes: that row is E_ENCODING (with the byte offset), the others pass.
{ head -n 3 "$T/gbk.csv"; printf 'XS1,2026-10-01,\xb9\xe3\xd6\xdd\xd2\xbd\xd2\xa9\xb9\xc9\xb7\xdd\xd3\xd0\xcf\xde\xb9\xab\xcb\xbe,86900000000028,\xb0\xb1\xc2\xc8\xff\xb5\xd8,10mg,10mg*30\xc6\xac/\xba\xd0,01,M,A,B1,2026-02-15,2028-02-14,5,,1,1\r\n'; } >"$T/badgbk.csv"
convert "$T/badgbk" "$T/gbk.yaml" "$T/badgbk.csv"
assert_eq "$rc" 1 "bad GBK"
assert_eq "$(json_num "$T/badgbk.json" accepted)" 2 "bad GBK: accepted"
assert_eq "$(json_reason "$T/badgbk.json" E_ENCODING)" 1 "bad GBK: E_ENCODING"
grep -a "^$T/badgbk.csv,4,E_ENCODING," "$T/badgbk/rejects.csv" | grep -q "not valid GBK at byte 5" ||
    fail "bad GBK: rejects row: $(cat "$T/badgbk/rejects.csv")"
echo "encodings and dialects convert alike"
