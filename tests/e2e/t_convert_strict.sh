#!/usr/bin/env bash
# tests/e2e/t_convert_strict.sh — strict values, no silent corruption:
# thousands separators only in groups of three (and a declared decimal
# comma), times checked, catalog CSVs decoded in their declared encoding
# with invalid bytes named by line and column, a catalog key twice named by
# both lines, YAML bounded in size, depth and aliases (fast), duplicate keys
# inside map:, a duplicate header column the mapping uses, UTF-16 exports.
. "$(dirname "$0")/lib.sh"

S=$ROOT/samples
HEAD=$(head -n 1 "$S/exports/sale.csv")
row() { # row BILLNO BILLDATE QUANTITY
    printf '%s,%s,深圳市海王星辰医药有限公司,86900000000028,氨氯地平片,10mg,10mg*30片/盒,片剂,华润三九医药股份有限公司,国药准字H20003222,B1,2026-02-15,2028-02-14,%s,盒,12.50,125.00\n' "$1" "$2" "$3"
}
conv() { # conv OUT MAPPING INPUT [options] — sets rc
    local out=$1 map=$2 in=$3
    shift 3
    rc=0
    "$DF" convert -c "$S/drugflow.yaml" -m "$map" -p 2026-10 -o "$out" --sign none --json "$@" "$in" \
        >"$out.json" 2>"$out.err" || rc=$?
}
mkdir -p "$T/in"

# ---- decimals: groups of three only; the issue's examples are E_FORMAT ----
{
    echo "$HEAD"
    row OK1 2026-10-02 '"1,234"'
    row OK2 2026-10-02 '"1,234,567.89"'
    row OK3 2026-10-02 '１，２３４'
    row OK4 2026-10-02 '"1 234"'
    row BAD1 2026-10-02 '"12,34"'
    row BAD2 2026-10-02 '"1,,2"'
    row BAD3 2026-10-02 '5 5'
    row BAD4 2026-10-02 '"0,5"'
    row BAD5 2026-10-02 '"1,2345"'
} >"$T/in/dec.csv"
conv "$T/dec" "$S/mappings/sale.yaml" "$T/in/dec.csv" --no-catalogs
assert_eq "$rc" 1 "decimals: rows rejected"
assert_contains "$T/dec.json" '"accepted":4'
assert_contains "$T/dec.json" '"rejected":5'
x=$T/dec/2026-10-SALE-01_00001.xml
for v in 1234 1234567.89; do assert_contains "$x" "<Quantity>$v</Quantity>"; done
for b in BAD1 BAD2 BAD3 BAD4 BAD5; do
    grep -q "^dec.csv\|$b" "$T/dec/rejects.csv" || fail "$b not in rejects.csv"
    grep "$b" "$T/dec/rejects.csv" | grep -q E_FORMAT || fail "$b is not E_FORMAT: $(grep "$b" "$T/dec/rejects.csv")"
done
assert_not_contains "$x" "<Quantity>55</Quantity>"
assert_not_contains "$x" "<Quantity>12</Quantity>"

# ---- a declared decimal comma ----
sed 's/Quantity:       {column: 数量, decimal: true}/Quantity:       {column: 数量, decimal_comma: true}/' \
    "$S/mappings/sale.yaml" >"$T/comma.yaml"
grep -q decimal_comma "$T/comma.yaml" || fail "comma mapping not made"
{ echo "$HEAD"; row C1 2026-10-02 '"1.234,5"'; row C2 2026-10-02 '"12,34"'; row C3 2026-10-02 '"1,234.5"'; } >"$T/in/comma.csv"
conv "$T/comma" "$T/comma.yaml" "$T/in/comma.csv" --no-catalogs
assert_eq "$rc" 1 "decimal comma"
x=$T/comma/2026-10-SALE-01_00001.xml
assert_contains "$x" "<Quantity>1234.5</Quantity>"
assert_contains "$x" "<Quantity>12.34</Quantity>"
grep C3 "$T/comma/rejects.csv" | grep -q E_FORMAT || fail "1,234.5 with a decimal comma is not E_FORMAT"

# ---- times are checked ----
{ echo "$HEAD"; row T1 '2026-10-02 23:59:59' 1; row T2 '2026-10-02 25:61:99' 1; row T3 '2026-10-02 24:00:00' 1; } \
    >"$T/in/time.csv"
conv "$T/time" "$S/mappings/sale.yaml" "$T/in/time.csv" --no-catalogs
assert_eq "$rc" 1 "times"
assert_contains "$T/time.json" '"accepted":1'
grep T2 "$T/time/rejects.csv" | grep -q E_FORMAT || fail "25:61:99 is not E_FORMAT"

# ---- catalog CSVs: the declared encoding, invalid bytes, duplicates ----
mkdir -p "$T/gbk"
# (GB18030: the sample commodities hold 𠀀, which GBK lacks)
iconv -f UTF-8 -t GB18030 "$S/catalogs/commodities.csv" >"$T/gbk/commodities.csv"
iconv -f UTF-8 -t GB18030 "$S/catalogs/partners.csv" >"$T/gbk/partners.csv"
conv "$T/c1" "$S/mappings/sale.yaml" "$S/exports/sale.csv" --catalogs "$T/gbk"
assert_eq "$rc" 2 "GB18030 catalogs read as UTF-8"
assert_contains "$T/c1.err" "commodities.csv:2:24: the bytes"
assert_contains "$T/c1.err" "not valid UTF-8"
conv "$T/c2" "$S/mappings/sale.yaml" "$S/exports/sale.csv" --catalogs "$T/gbk" --catalogs-encoding GB18030
assert_eq "$rc" 1 "GB18030 catalogs declared"
conv "$T/c0" "$S/mappings/sale.yaml" "$S/exports/sale.csv" --catalogs "$S/catalogs"
cmp <(grep -o '"rejected":[0-9]*' "$T/c0.json") <(grep -o '"rejected":[0-9]*' "$T/c2.json") ||
    fail "the GBK catalogs do not match as the UTF-8 ones do"
cat >"$T/gbk.yaml" <<CONF
enterprise: {code: 91440101MA59TEST0A, name: 广州样例医药连锁有限公司}
catalogs: $T/gbk
catalogs_encoding: GB18030
CONF
rc=0
"$DF" convert -c "$T/gbk.yaml" -m "$S/mappings/sale.yaml" -p 2026-10 -o "$T/c3" --sign none -q \
    "$S/exports/sale.csv" 2>"$T/c3.err" || rc=$?
assert_eq "$rc" 1 "catalogs_encoding: GB18030 in the configuration"
rc=0
DRUGFLOW_CATALOGS_ENCODING=UTF-8 "$DF" convert -c "$T/gbk.yaml" -m "$S/mappings/sale.yaml" -p 2026-10 -o "$T/c3e" \
    --sign none -q "$S/exports/sale.csv" 2>"$T/c3e.err" || rc=$?
assert_eq "$rc" 2 "the environment overrides the configuration"
conv "$T/c4" "$S/mappings/sale.yaml" "$S/exports/sale.csv" --catalogs "$T/gbk" --catalogs-encoding latin1
assert_eq "$rc" 2 "unknown catalogs encoding"
assert_contains "$T/c4.err" "UTF-8, GBK or GB18030"
mkdir -p "$T/dup"
cp "$S/catalogs/commodities.csv" "$T/dup/"
{ cat "$S/catalogs/partners.csv"; sed -n 3p "$S/catalogs/partners.csv"; } >"$T/dup/partners.csv"
conv "$T/c5" "$S/mappings/sale.yaml" "$S/exports/sale.csv" --catalogs "$T/dup"
assert_eq "$rc" 2 "duplicate catalog key"
assert_contains "$T/c5.err" "partners.csv:7: the partner catalog holds the key Name '深圳市海王星辰医药有限公司' twice: on line 3 and again on line 7"

# ---- YAML: bounded before parsing, fast; duplicate keys inside map: ----
yaml_fails() { # yaml_fails FILE PATTERN — as a mapping, in well under a second
    local t0 t1
    t0=$(date +%s%N)
    rc=0
    "$DF" convert -c "$S/drugflow.yaml" -m "$1" -p 2026-10 -o "$T/y" --no-catalogs --sign none \
        "$S/exports/sale.csv" >/dev/null 2>"$T/y.err" || rc=$?
    t1=$(date +%s%N)
    assert_eq "$rc" 2 "$1"
    assert_contains "$T/y.err" "$2"
    [ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "$1 took $(((t1 - t0) / 1000000)) ms"
}
{ printf 'doc_type: SALE\nx: '; for i in $(seq 10000); do printf '['; done; for i in $(seq 10000); do printf ']'; done; echo; } \
    >"$T/deep.yaml"
yaml_fails "$T/deep.yaml" "nested deeper than 64 levels"
{
    echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    for l in b c d e f g h i; do
        p=$(printf '%s' "$l" | tr 'b-i' 'a-h')
        echo "$l: &$l [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"
    done
    echo 'doc_type: SALE'
} >"$T/laughs.yaml"
yaml_fails "$T/laughs.yaml" "more than 64 aliases"
{ cat "$S/mappings/sale.yaml"; printf '# %s\n' "$(head -c 9000000 /dev/zero | tr '\0' x)"; } >"$T/huge.yaml"
yaml_fails "$T/huge.yaml" "larger than 8 MiB"
sed 's/map: {"01": 片剂, "02": 胶囊剂/map: {"01": 片剂, "01": 胶囊剂/' "$S/mappings/sale.yaml" >"$T/dupmap.yaml"
grep -q '"01": 胶囊剂' "$T/dupmap.yaml" || fail "dupmap not made"
yaml_fails "$T/dupmap.yaml" "key '01' appears twice"

# ---- a duplicate header column is an error when the mapping uses it ----
sed '1s/,数量,/,数量,/; 1s/,单价,/,数量,/' "$S/exports/sale.csv" >"$T/in/duphead.csv"
conv "$T/h1" "$S/mappings/sale.yaml" "$T/in/duphead.csv" --no-catalogs
assert_eq "$rc" 2 "a duplicate header column the mapping uses"
assert_contains "$T/h1.err" "the header has the column '数量' twice (columns 14 and 16)"
sed '1s/,剂型,/,规格,/' "$S/exports/sale.csv" >"$T/in/dupunused.csv"
sed 's/^  DosageForm: .*$//; s/^  Spec: .*$//' "$S/mappings/sale.yaml" >"$T/nospec.yaml"
conv "$T/h2" "$T/nospec.yaml" "$T/in/dupunused.csv" --no-catalogs
assert_eq "$rc" 1 "a duplicate header column nobody uses is fine"

# ---- UTF-16 exports are named ----
for e in UTF-16LE UTF-16BE; do
    iconv -c -f UTF-8 -t "$e" "$S/exports/sale.csv" >"$T/in/u16.csv" || true
    conv "$T/u-$e" "$S/mappings/sale.yaml" "$T/in/u16.csv" --no-catalogs
    assert_eq "$rc" 2 "$e export"
    assert_contains "$T/u-$e.err" "the file is ${e%??} ${e#UTF-16}"
    assert_contains "$T/u-$e.err" "save it as UTF-8 or GBK"
done
cat "$T/in/u16.csv" | { rc=0; "$DF" convert -c "$S/drugflow.yaml" -m "$S/mappings/sale.yaml" -p 2026-10 \
    -o "$T/pipe" --no-catalogs --sign none /dev/stdin 2>"$T/pipe.err" || rc=$?; [ "$rc" -ne 0 ] || fail "pipe"; }
assert_contains "$T/pipe.err" "UTF-16 BE"
echo ok
