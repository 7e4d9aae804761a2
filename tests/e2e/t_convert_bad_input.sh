#!/usr/bin/env bash
# Bad input: each problem fails with a clear message naming the file (and the
# place, for configuration files), a non-zero exit status (2 for usage and
# configuration errors), and no chunk or temporary file left behind.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
# failing OUT STATUS... — the last run failed with one of the statuses, and
# left no chunk behind.
failing() {
    local out=$1 ok=0 s
    shift
    for s in "$@"; do [ "$rc" -eq "$s" ] && ok=1; done
    [ "$ok" = 1 ] || { cat "$out.err" >&2; fail "$out: exit $rc, expected one of: $*"; }
    [ -s "$out.err" ] || fail "$out: no message on stderr"
    no_chunks "$out"
}

# --- input files ---------------------------------------------------------
# Input problems are found before any work: exit 2 (README: "usage or configuration
# error: nothing was done"), and no chunk.
convert "$T/missing" "$SALE" "$T/nonexistent.csv"
failing "$T/missing" 2
assert_contains "$T/missing.err" "$T/nonexistent.csv"

convert "$T/dir" "$SALE" "$T"
failing "$T/dir" 2
assert_contains "$T/dir.err" "not a regular file"

if [ "$(id -u)" != 0 ]; then
    cp "$SAMPLES/exports/sale.csv" "$T/unreadable.csv"
    chmod 000 "$T/unreadable.csv"
    convert "$T/unreadable" "$SALE" "$T/unreadable.csv"
    failing "$T/unreadable" 2
    assert_contains "$T/unreadable.err" "unreadable.csv"
else
    echo "note: running as root, file permissions cannot make an input unreadable; skipped"
fi

: >"$T/empty.csv"
convert "$T/empty" "$SALE" "$T/empty.csv"
failing "$T/empty" 2
assert_contains "$T/empty.err" "$T/empty.csv: the file is empty"

printf '\r\n\r\n' >"$T/blank.csv"
convert "$T/blank" "$SALE" "$T/blank.csv"
failing "$T/blank" 2
assert_contains "$T/blank.err" "$T/blank.csv: no header row"

# Header only: nothing to convert is not an error.
head -n 1 "$SAMPLES/exports/sale.csv" >"$T/header.csv"
convert "$T/header" "$SALE" "$T/header.csv"
assert_eq "$rc" 0 "header only: exit status"
assert_eq "$(json_num "$T/header.json" rows_read)" 0 "header only: rows_read"
assert_eq "$(chunks "$T/header" | wc -l)" 0 "header only: chunks"
no_chunks "$T/header"

# A mapped column missing from the export's header: the export, line 1, the
# column, and the mapping's line that maps it.
sed '1s/往来单位/客户名称/' "$SAMPLES/exports/sale.csv" >"$T/nocol.csv"
convert "$T/nocol" "$SALE" "$T/nocol.csv"
failing "$T/nocol" 2
line=$(grep -n '^  PartnerName:' "$SALE" | cut -d: -f1)
assert_contains "$T/nocol.err" "$T/nocol.csv:1: the header has no column '往来单位'"
assert_contains "$T/nocol.err" "$SALE:$line"
[ ! -e "$T/nocol/rejects.csv" ] || fail "a failed run left rejects.csv"

# A quote left open at the end of a big export: the chunks already written
# are removed, and neither temporary files nor rejects.csv stay.
gen_sale 3000 0 "$T/open.csv"
printf 'XS99999999,"2026-10-01,never closed\r\nXS1,lost\r\n' >>"$T/open.csv"
convert "$T/open" "$SALE" --chunk-records 100 --threads 2 "$T/open.csv"
failing "$T/open" 3
assert_contains "$T/open.err" "$T/open.csv:3002:"
[ ! -e "$T/open/rejects.csv" ] || fail "a failed run left rejects.csv"
[ -z "$(ls -A "$T/open")" ] || fail "a failed run left files: $(ls -A "$T/open")"
# The same with one big chunk, still open in its writer when the error comes:
# the one message is the real one, no libxml2 "I/O error : flush error".
convert "$T/open1" "$SALE" "$T/open.csv"
failing "$T/open1" 3
[ -z "$(ls -A "$T/open1")" ] || fail "a failed run left files: $(ls -A "$T/open1")"
assert_eq "$(wc -l <"$T/open1.err")" 1 "one line on stderr: $(cat "$T/open1.err")"
assert_not_contains "$T/open1.err" "I/O error"

# --- configuration files -------------------------------------------------
# Each broken file: exit 2, FILE:LINE:COL of the offending node, no chunk.
cp "$SALE" "$T/m_key.yaml"
sed -i 's/^  delimiter: ","/  delimter: ","/' "$T/m_key.yaml"
convert "$T/mkey" "$T/m_key.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/mkey" 2
assert_contains "$T/mkey.err" "$T/m_key.yaml:$(grep -n delimter "$T/m_key.yaml" | cut -d: -f1):3: unknown key 'delimter'"

sed 's/^doc_type: SALE/doc_type: SALES/' "$SALE" >"$T/m_dt.yaml"
convert "$T/mdt" "$T/m_dt.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/mdt" 2
assert_contains "$T/mdt.err" "$T/m_dt.yaml:$(grep -n '^doc_type' "$T/m_dt.yaml" | cut -d: -f1):11: unknown document type 'SALES'"

sed 's/^  BillNo:         {column: 单据编号}/  BillNo:         {column: 单据编号/' "$SALE" >"$T/m_syn.yaml"
convert "$T/msyn" "$T/m_syn.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/msyn" 2
assert_contains "$T/msyn.err" "$T/m_syn.yaml:"
assert_contains "$T/msyn.err" "YAML syntax error"

grep -v '^  PartnerName:' "$SALE" >"$T/m_req.yaml"
convert "$T/mreq" "$T/m_req.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/mreq" 2
assert_contains "$T/mreq.err" "$T/m_req.yaml:$(grep -n '^fields:' "$T/m_req.yaml" | cut -d: -f1):1: required field PartnerName"

sed 's/UnitPrice:      {type: decimal}/UnitPrice:      {type: money}/' "$SAMPLES/profile/gd-v1.yaml" >"$T/p_type.yaml"
convert "$T/ptype" "$SALE" --profile "$T/p_type.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/ptype" 2
assert_contains "$T/ptype.err" "$T/p_type.yaml:$(grep -n 'type: money' "$T/p_type.yaml" | cut -d: -f1):26: unknown type 'money'"

convert "$T/pmiss" "$SALE" --profile "$T/nonexistent.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/pmiss" 2
assert_contains "$T/pmiss.err" "$T/nonexistent.yaml"

convert "$T/mmiss" "$T/nonexistent-mapping.yaml" "$SAMPLES/exports/sale.csv"
failing "$T/mmiss" 2
assert_contains "$T/mmiss.err" "$T/nonexistent-mapping.yaml"

printf 'enterprise:\n  code: 91440101MA59TEST0A\n  nmae: x\n' >"$T/cfg.yaml"
rc=0
"$DF" convert -c "$T/cfg.yaml" -m "$SALE" -p 2026-10 -o "$T/cfg" "$SAMPLES/exports/sale.csv" 2>"$T/cfg.err" || rc=$?
failing "$T/cfg" 2
assert_contains "$T/cfg.err" "$T/cfg.yaml:3:3: unknown key 'nmae'"

# A repeated key in the configuration: refused, not the first one silently kept.
printf 'enterprise:\n  code: 91440101MA59TEST0A\n  name: x\ncatalogs: %s\ncatalogs: /elsewhere\n' "$SAMPLES/catalogs" >"$T/cfg2.yaml"
rc=0
"$DF" convert -c "$T/cfg2.yaml" -m "$SALE" -p 2026-10 -o "$T/cfg2" "$SAMPLES/exports/sale.csv" 2>"$T/cfg2.err" || rc=$?
failing "$T/cfg2" 2
assert_contains "$T/cfg2.err" "$T/cfg2.yaml:5:1: key 'catalogs' appears twice"

convert "$T/cat" "$SALE" --catalogs "$T/nonexistent-catalogs" "$SAMPLES/exports/sale.csv"
failing "$T/cat" 2
assert_contains "$T/cat.err" "$T/nonexistent-catalogs/commodities.csv"

printf 'Nam,CreditCode\nx,y\n' >"$T/partners.csv"
convert "$T/catcol" "$SALE" --commodities "$SAMPLES/catalogs/commodities.csv" --partners "$T/partners.csv" "$SAMPLES/exports/sale.csv"
failing "$T/catcol" 2
assert_contains "$T/catcol.err" "$T/partners.csv:1: the header has no column 'Name'"

# --- output folder -------------------------------------------------------
# Another batch whose id starts like this one's is not this batch: it neither
# blocks the run nor is removed by --force.
convert "$T/batches" "$SALE" --batch-id A_extra "$SAMPLES/exports/sale.csv"
assert_eq "$rc" 1 "batch A_extra"
keep=$(sha256sum <"$T/batches/A_extra_00001.xml")
convert "$T/batches" "$SALE" --batch-id A --rejects "$T/batches-a-rejects.csv" "$SAMPLES/exports/sale.csv"
assert_eq "$rc" 1 "batch A beside batch A_extra"
convert "$T/batches" "$SALE" --batch-id A --force --rejects "$T/batches-a-rejects.csv" "$SAMPLES/exports/sale.csv"
assert_eq "$rc" 1 "batch A --force beside batch A_extra"
assert_file "$T/batches/A_extra_00001.xml"
assert_eq "$(sha256sum <"$T/batches/A_extra_00001.xml")" "$keep" "A_extra untouched"
assert_file "$T/batches/A_00001.xml"
echo "bad input handled"
