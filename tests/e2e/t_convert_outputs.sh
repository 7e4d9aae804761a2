#!/usr/bin/env bash
# tests/e2e/t_convert_outputs.sh — outputs that cannot be turned against
# the user: --rejects naming an input, the mapping, the configuration, a
# catalog or a chunk of the run (also through a symlink, a hard link or
# ./x) is refused and the file is untouched; --force never deletes an
# input; --batch-id within the profile's length, never cut; rejects.csv
# and server-errors.csv safe to open in Excel, raw on request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

S=$ROOT/samples
mkdir -p "$T/in" "$T/cfg"
cp "$S/exports/sale.csv" "$T/in/sale.csv"
cp "$S/mappings/sale.yaml" "$T/in/map.yaml"
cp -r "$S/catalogs" "$T/cat"
cat >"$T/cfg/df.yaml" <<CONF
enterprise: {code: $A, name: 广州样例医药连锁有限公司}
catalogs: $T/cat
CONF
ln -s "$T/in/sale.csv" "$T/in/link.csv"
ln "$T/in/sale.csv" "$T/in/hard.csv"
sha256sum "$T/in/sale.csv" "$T/in/map.yaml" "$T/cfg/df.yaml" "$T/cat/partners.csv" >"$T/sums"
conv() { # conv OUT [options] — sets rc
    local out=$1
    shift
    rc=0
    "$DF" convert -c "$T/cfg/df.yaml" -m "$T/in/map.yaml" -p 2026-10 -o "$out" --sign none -q "$@" \
        "$T/in/sale.csv" >"$T/out.txt" 2>"$T/err.txt" || rc=$?
}
for r in "$T/in/sale.csv:an input" "$T/in/./sale.csv:an input" "$T/in/../in/sale.csv:an input" \
         "$T/in/link.csv:an input" "$T/in/hard.csv:an input" "$T/in/map.yaml:the mapping" \
         "$T/cfg/df.yaml:the configuration" "$T/cat/partners.csv:a catalog" \
         "$T/o1/2026-10-SALE-01_00001.xml:a chunk file of batch"; do
    conv "$T/o1" --rejects "${r%%:*}"
    assert_eq "$rc" 2 "--rejects ${r%%:*}"
    assert_contains "$T/err.txt" "${r#*:}"
done
sha256sum -c --quiet "$T/sums" || fail "a guarded file changed"
[ -z "$(ls -A "$T/o1" 2>/dev/null)" ] || fail "output left after a refused --rejects: $(ls "$T/o1")"

# --force never deletes an input, even one named like a chunk of the batch
mkdir -p "$T/o2"
ln "$T/in/sale.csv" "$T/o2/2026-10-SALE-01_00001.xml"
conv "$T/o2" --force
assert_eq "$rc" 2 "--force over an input"
assert_contains "$T/err.txt" "is an input of this run"
assert_contains "$T/err.txt" "never replaced or removed, even with --force"
sha256sum -c --quiet "$T/sums" || fail "--force touched an input"
[ -f "$T/o2/2026-10-SALE-01_00001.xml" ] || fail "--force removed an input"
mkdir -p "$T/o3" && cp "$T/in/sale.csv" "$T/o3/2026-10-SALE-01_00002.xml"
rc=0
"$DF" convert -c "$T/cfg/df.yaml" -m "$T/in/map.yaml" -p 2026-10 -o "$T/o3" --sign none -q --force \
    "$T/o3/2026-10-SALE-01_00002.xml" 2>"$T/err.txt" || rc=$?
assert_eq "$rc" 2 "an input inside OUT named as a chunk"
[ -s "$T/o3/2026-10-SALE-01_00002.xml" ] && cmp -s "$T/o3/2026-10-SALE-01_00002.xml" "$T/in/sale.csv" ||
    fail "the input named as a chunk was replaced"

# --batch-id: within the profile's 64 characters, never cut short
id64=$(printf 'B%.0s' $(seq 63))
conv "$T/o4" --batch-id "${id64}1"
assert_eq "$rc" 1 "a 64-character batch id"
conv "$T/o4" --batch-id "${id64}2"
assert_eq "$rc" 1 "another 64-character batch id"
assert_eq "$(ls "$T/o4"/*_00001.xml | wc -l)" 2 "two long ids, two batches"
conv "$T/o5" --batch-id "${id64}12"
assert_eq "$rc" 2 "a 65-character batch id"
assert_contains "$T/err.txt" "65 characters long; the profile allows at most 64"
for bad in "" "." ".." "a/b" "a b"; do
    conv "$T/o5" --batch-id "$bad"
    assert_eq "$rc" 2 "batch id '$bad'"
done

# rejects.csv for Excel: no formula runs, long codes stay text; raw keeps values
HEAD=$(head -n 1 "$S/exports/sale.csv")
{
    echo "$HEAD"
    echo '"=HYPERLINK(""http://x.example/"",""click"")",2026-10-02,+SUM(A1),86900000000028,@cmd,10mg,10mg*30片/盒,片剂,-2+3,国药准字H1,B1,2026-02-15,2028-02-14,-5,盒,12.50,125.00'
} >"$T/in/evil.csv"
rc=0
"$DF" convert -c "$T/cfg/df.yaml" -m "$T/in/map.yaml" -p 2026-10 -o "$T/x" --sign none -q "$T/in/evil.csv" \
    2>/dev/null || rc=$?
assert_eq "$rc" 1 "the hostile row is rejected"
x=$T/x/rejects.csv
grep -q "\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"click\"\")\"" "$x" || fail "=HYPERLINK not neutralised: $(cat "$x")"
for c in "'+SUM(A1)" "'@cmd" "'-2+3" '"=""86900000000028"""' ',-5,'; do
    grep -qF -- "$c" "$x" || fail "rejects.csv lacks $c: $(tail -n 1 "$x")"
done
grep -q '^=\|,=[^"]\|,+SUM\|,@cmd' "$x" && fail "a cell could run: $(tail -n 1 "$x")"
"$DF" convert -c "$T/cfg/df.yaml" -m "$T/in/map.yaml" -p 2026-10 -o "$T/xr" --sign none -q \
    --rejects-format raw "$T/in/evil.csv" 2>/dev/null || true
grep -qF ',+SUM(A1),86900000000028,@cmd,' "$T/xr/rejects.csv" || fail "raw format changed values"
expect_status 2 "$DF" convert -c "$T/cfg/df.yaml" -m "$T/in/map.yaml" -p 2026-10 -o "$T/xx" --rejects-format xlsx \
    "$T/in/evil.csv"

# status writes server-errors.csv in either format (its cells: tests/unit/test_status.c)
seed "$T/data" "$A"
sim_start "$T/data"
sim_config "$T/run.yaml" "upload: {parallel: 2, attempts: 3, retry_base_ms: 20, status_timeout: 30}"
"$FIX" datafile "$T/u.xml" "$A" 2026-10 3 1
mkdir -p "$T/se"
"$FIX" sign "$T/u.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/se/2026-10-SALE-01_00001.xml"
export DRUGFLOW_CONFIG=$T/run.yaml
"$DF" upload "$T/se" >/dev/null 2>&1
for f in excel raw; do
    rc=0
    "$DF" status --rejects-format "$f" >/dev/null 2>&1 || rc=$?
    assert_eq "$rc" 1 "a PARTIAL file ($f)"
    assert_contains "$T/se/server-errors.csv" "E_PARTNER_UNMATCHED"
done
sim_stop
echo ok
