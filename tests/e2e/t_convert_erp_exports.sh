#!/usr/bin/env bash
# ERP exports as they come (issue 11): footers and subtotal rows skipped and
# counted, never rejected (exit 0 for a clean month, the scheduler's case),
# with the same output whatever the threads, ranges, FIFO or stdin, and
# whether the footer is found from the file's tail or held back in a ring;
# .xlsx workbooks giving the CSV's records and accounting, sheet row numbers
# in rejects.csv, sheets chosen by name, old .xls and broken zips refused
# (exit 2), bounded memory; a header without the mapped columns explained
# (encoding, BOM, UTF-16, title rows, a mapping saved in GBK).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
CSV2XLSX=$BUILD/csv2xlsx
same_output() { # DIR_A DIR_B WHAT — same chunk files and rejects.csv, byte for byte
    [ -d "$2" ] || fail "$3: no output: $(cat "$2.err" 2>/dev/null)"
    local a b f
    a=$(cd "$1" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    b=$(cd "$2" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    assert_eq "$b" "$a" "$3: the same files"
    for f in $a; do cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs"; done
}
# mapping NAME SED_SCRIPT — sale.yaml edited into $T/NAME.yaml.
mapping() { sed -e "$2" "$SALE" >"$T/$1.yaml"; }
FILTERS='s/^  skip_rows: 0.*/  skip_rows: 0\n  skip_footer: 2\n  skip_if:\n    - {column: 单据编号, matches: "^(合计|小计)"}\n    - {empty: true}/'
mapping footer "$FILTERS"
# adds_up JSON WHAT — rows_read = accepted + rejected.
adds_up() {
    local r a j
    r=$(json_num "$1" rows_read) a=$(json_num "$1" accepted) j=$(json_num "$1" rejected)
    assert_eq "$((a + j))" "$r" "$2: accepted + rejected = rows read"
}

# ------------------------------------------------ footers and subtotals
# A month's export: 小计 rows in the middle (one with its amount quoted),
# rows of only delimiters (or spaces), blank lines (no rows at all), and a
# two-row footer: 合计 and 制表人：….
with_footer() { # IN OUT FOOTER_QUOTED
    LC_ALL=C awk -v q="$3" 'BEGIN { ORS = "\r\n"; sub_n = blank_n = 0 }
        NR > 1 && NR % 400 == 0 { print "小计,,,,,,,,,,,,,\"1,200\",,,15000.00"; sub_n++ }
        NR > 1 && NR % 550 == 0 { print ",,,,,,,,,,,,,,,,"; print " , ,\t,,,,,,,,,,,,,,"; blank_n += 2 }
        NR > 1 && NR % 777 == 0 { print "" }
        { sub(/\r$/, ""); print }
        END {
            print "合计,,,,,,,,,,,,,36000,,,450000.00"
            print (q ? "\"制表人：张三\",\"审核：李四\"" : "制表人：张三,,审核：李四")
            print ""
            printf "%d\n", sub_n + blank_n + 2 >"/dev/stderr"
        }' "$1" >"$2" 2>"$2.skipped"
}
gen_sale 3000 0 "$T/clean0.csv"
with_footer "$T/clean0.csv" "$T/clean.csv" 0
skipped=$(cat "$T/clean.csv.skipped")
[ "$skipped" -gt 12 ] || fail "few rows that are not data: $skipped"

# The scheduler's case: clean data, exit 0, the skipped rows said and counted.
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$T/footer.yaml" -p 2026-10 -o "$T/clean" --json "$T/clean.csv" \
    >"$T/clean.json" 2>"$T/clean.err" || rc=$?
assert_eq "$rc" 0 "clean data with skip_if and skip_footer: $(cat "$T/clean.err")"
assert_contains "$T/clean.err" "$skipped rows skipped (not data"
assert_eq "$(json_num "$T/clean.json" skipped_not_data)" "$skipped" "--json skipped_not_data"
assert_eq "$(json_num "$T/clean.json" rows_read)" 3000 "rows read: the data rows only"
assert_eq "$(json_num "$T/clean.json" rejected)" 0 "no rejects"
adds_up "$T/clean.json" "clean"
validate $(chunks "$T/clean")
# Without the filters the same file is not clean: the rows become rejects.
convert "$T/nofilter" "$SALE" "$T/clean.csv"
assert_eq "$rc" 1 "without skip_if and skip_footer"
assert_eq "$(json_num "$T/nofilter.json" rejected)" "$skipped" "every row that is not data is a reject without filters"

# Dirty data: the same output for 1, 2 and 8 threads with tiny ranges, for a
# FIFO and stdin, and for the footer found from the tail (no quote in it) or
# held back in a ring (a quote in it).
gen_sale 3000 29 "$T/dirty0.csv" "$T/dirty.expect"
mkdir -p "$T/src"
with_footer "$T/dirty0.csv" "$T/src/dirty.csv" 0
with_footer "$T/dirty0.csv" "$T/quoted.csv" 1
convert "$T/ref" "$T/footer.yaml" --chunk-records 97 --threads 1 --stats "$T/src/dirty.csv"
assert_eq "$rc" 1 "dirty reference: $(cat "$T/ref.err")"
assert_eq "$(json_num "$T/ref.json" skipped_not_data)" "$skipped" "dirty: skipped"
assert_eq "$(json_num "$T/ref.json" rejected)" "$(($(expect_num "$T/dirty.expect" rows) - $(expect_num "$T/dirty.expect" good)))" \
    "dirty: the generator's bad rows, and no more"
assert_eq "$(json_num "$T/ref.json" streamed_inputs)" 0 "a footer without quotes is found from the tail"
adds_up "$T/ref.json" "dirty"
for range in 61 509; do
    for threads in 1 2 8; do
        DRUGFLOW_RANGE_BYTES=$range convert "$T/r$range-$threads" "$T/footer.yaml" --chunk-records 97 \
            --threads "$threads" --stats "$T/src/dirty.csv"
        same_output "$T/ref" "$T/r$range-$threads" "ranges of $range bytes, $threads threads"
        assert_eq "$(json_num "$T/r$range-$threads.json" skipped_not_data)" "$skipped" "skipped, $range/$threads"
    done
done
mv "$T/src/dirty.csv" "$T/dirty.csv"
mkfifo "$T/src/dirty.csv"
cat "$T/dirty.csv" >"$T/src/dirty.csv" &
convert "$T/fifo" "$T/footer.yaml" --chunk-records 97 --threads 2 --stats "$T/src/dirty.csv"
wait
assert_eq "$(json_num "$T/fifo.json" streamed_inputs)" 1 "the FIFO is streamed"
same_output "$T/ref" "$T/fifo" "FIFO (footer held back in a ring)"
rm "$T/src/dirty.csv"
mv "$T/dirty.csv" "$T/src/dirty.csv"
convert "$T/stdin" "$T/footer.yaml" --chunk-records 97 --threads 2 - <"$T/src/dirty.csv"
assert_eq "$(json_num "$T/stdin.json" skipped_not_data)" "$skipped" "stdin: skipped"
for f in $(cd "$T/ref" && ls *.xml); do cmp -s "$T/ref/$f" "$T/stdin/$f" || fail "stdin: $f differs"; done
diff <(rejects_body "$T/ref/rejects.csv" | cut -d, -f2-) <(rejects_body "$T/stdin/rejects.csv" | cut -d, -f2-) \
    >/dev/null || fail "stdin: rejects differ"
cp "$T/quoted.csv" "$T/src/dirty.csv"
for threads in 1 8; do
    DRUGFLOW_RANGE_BYTES=509 convert "$T/ring-$threads" "$T/footer.yaml" --chunk-records 97 --threads "$threads" \
        --stats "$T/src/dirty.csv"
    assert_eq "$(json_num "$T/ring-$threads.json" streamed_inputs)" 1 "a footer holding quotes: the ring"
    same_output "$T/ref" "$T/ring-$threads" "footer with quotes (ring), $threads threads"
done

# skip_footer larger than the data: every row is footer, none is lost.
printf '%s\n' "$(head -n 1 "$T/clean0.csv")" >"$T/tiny.csv"
sed -n 2,4p "$T/clean0.csv" >>"$T/tiny.csv"
mapping big-footer 's/^  skip_rows: 0.*/  skip_rows: 0\n  skip_footer: 5/'
convert "$T/tiny" "$T/big-footer.yaml" "$T/tiny.csv"
assert_eq "$(json_num "$T/tiny.json" rows_read)" 0 "skip_footer over the data: no data row"
assert_eq "$(json_num "$T/tiny.json" skipped_not_data)" 3 "skip_footer over the data: the 3 rows are skipped"
[ "$rc" -le 1 ] || fail "skip_footer over the data: exit $rc: $(cat "$T/tiny.err")"
mkfifo "$T/tiny.fifo"
cat "$T/tiny.csv" >"$T/tiny.fifo" &
convert "$T/tiny-fifo" "$T/big-footer.yaml" "$T/tiny.fifo"
wait
assert_eq "$(json_num "$T/tiny-fifo.json" skipped_not_data)" 3 "skip_footer over the data, streamed"

# skip_if on a GBK export: the filter reads decoded text (合计 is b9 cf bc c6 in GBK).
mapping footer-gbk "$FILTERS; s/^encoding: UTF-8 .*/encoding: GBK/"
grep -av '𠀀' "$T/clean.csv" | iconv -f UTF-8 -t GBK >"$T/gbk.csv"
grep -q $'\xba\xcf\xbc\xc6' "$T/gbk.csv" || fail "no GBK 合计 in the input"
grep -av '𠀀' "$T/clean.csv" >"$T/utf8-nou.csv"
convert "$T/gbk" "$T/footer-gbk.yaml" "$T/gbk.csv"
assert_eq "$rc" 0 "GBK with skip_if: $(cat "$T/gbk.err")"
assert_eq "$(json_num "$T/gbk.json" skipped_not_data)" "$skipped" "GBK: skipped"
convert "$T/utf8-nou" "$T/footer.yaml" "$T/utf8-nou.csv"
for f in $(cd "$T/utf8-nou" && ls *.xml); do cmp -s "$T/utf8-nou/$f" "$T/gbk/$f" || fail "GBK: $f differs from UTF-8"; done

# ------------------------------------------------------------------ xlsx
XLSX=$SAMPLES/exports/sale.xlsx
cp "$XLSX" "$T/sale.xlsx"
cp "$SAMPLES/exports/sale.csv" "$T/sale.csv"
cd "$T"
convert "$T/x-csv" "$SALE" sale.csv
convert "$T/x-xlsx" "$SALE" sale.xlsx
assert_eq "$rc" 1 "sale.xlsx: $(cat "$T/x-xlsx.err")"
# The CSV's invalid-byte row (E_ENCODING) is a valid row in the workbook
# (csv2xlsx wrote U+FFFD): one more accepted, one fewer rejected.
assert_eq "$(json_reason "$T/x-csv.json" E_ENCODING)" 1 "the CSV has its invalid-byte row"
assert_eq "$(json_reason "$T/x-xlsx.json" E_ENCODING)" 0 "the workbook has no invalid byte"
assert_eq "$(json_num "$T/x-xlsx.json" accepted)" "$(($(json_num "$T/x-csv.json" accepted) + 1))" "xlsx accepted"
assert_eq "$(json_num "$T/x-xlsx.json" rejected)" "$(($(json_num "$T/x-csv.json" rejected) - 1))" "xlsx rejected"
adds_up "$T/x-xlsx.json" "xlsx"
for code in E_NEGATIVE_QTY E_PARTNER_UNMATCHED E_COMMODITY_UNMATCHED E_REQUIRED E_FORMAT E_TOO_LONG E_COLUMNS; do
    assert_eq "$(json_reason "$T/x-xlsx.json" $code)" "$(json_reason "$T/x-csv.json" $code)" "xlsx: $code"
done
validate $(chunks "$T/x-xlsx")
# The records: the CSV's, with numbers as Excel shows them (12.50 is the
# number 12.5, 125.00 is 125: the decimal rule keeps either as written),
# plus the row the CSV rejected for its invalid byte.
norm() { xmllint --format "$1" | sed -e 's:>12\.50<:>12.5<:' -e 's:>125\.00<:>125<:' -e '/<RecordCount>/d'; }
norm "$(chunks "$T/x-csv")" >"$T/x-csv.rec"
norm "$(chunks "$T/x-xlsx")" | awk '/<Record>/ { r = $0; hold = 1; next }
    hold { r = r "\n" $0; if (/<\/Record>/) { hold = 0; if (r !~ /XS2026100040/) print r }; next } { print }' >"$T/x-xlsx.rec"
diff "$T/x-csv.rec" "$T/x-xlsx.rec" >"$T/x.diff" || { cat "$T/x.diff" >&2; fail "xlsx records differ from the CSV's"; }
assert_eq "$(xml_str "$(chunks "$T/x-xlsx")" "(//*[local-name()='UnitPrice'])[1]")" 12.5 "xlsx UnitPrice as Excel shows it"
assert_eq "$(xml_count "$(chunks "$T/x-xlsx")" "//*[local-name()='BillNo'][.='XS2026100040']")" 1 "the U+FFFD row accepted"
# rejects.csv names the workbook and the sheet's row numbers: the CSV's
# lines here (one sheet row per CSV line), shifted when the sheet starts lower.
rej() { rejects_body "$1" | grep -v E_ENCODING | cut -d, -f1-3; }
assert_eq "$(rej "$T/x-xlsx/rejects.csv" | cut -d, -f1 | sort -u)" sale.xlsx "rejects.csv names the workbook"
diff <(rej "$T/x-csv/rejects.csv" | cut -d, -f2-) <(rej "$T/x-xlsx/rejects.csv" | cut -d, -f2-) >/dev/null ||
    fail "xlsx rejects' lines differ from the CSV's: $(rej "$T/x-xlsx/rejects.csv")"
"$CSV2XLSX" --numbers --date-col 2 --first-row 5 --sheet 明细 sale.csv low.xlsx
convert "$T/x-low" "$SALE" low.xlsx
diff <(rej "$T/x-csv/rejects.csv" | awk -F, -v OFS=, '{ $1 = "low.xlsx"; $2 += 4; print }') \
    <(rej "$T/x-low/rejects.csv") >/dev/null || fail "rows 4 lower: $(rej "$T/x-low/rejects.csv")"

# sheet: picks a sheet by name; the first one is read without it; an
# unknown one is exit 2 with the list.
"$CSV2XLSX" --numbers --extra-sheet 封面 --extra-sheet 说明 --sheet 销售明细 sale.csv multi.xlsx
mapping sheet 's/^  skip_rows: 0.*/  skip_rows: 0\n  sheet: 销售明细/'
mapping nosheet 's/^  skip_rows: 0.*/  skip_rows: 0\n  sheet: 退货明细/'
convert "$T/x-sheet" "$T/sheet.yaml" multi.xlsx
assert_eq "$rc" 1 "sheet: 销售明细: $(cat "$T/x-sheet.err")"
assert_eq "$(json_num "$T/x-sheet.json" accepted)" "$(json_num "$T/x-xlsx.json" accepted)" "sheet: accepted"
assert_eq "$(json_num "$T/x-sheet.json" rejected)" "$(json_num "$T/x-xlsx.json" rejected)" "sheet: rejected"
convert "$T/x-first" "$SALE" multi.xlsx
assert_eq "$rc" 2 "the first sheet lacks the columns"
assert_contains "$T/x-first.err" "the header row read (sheet 封面)"
# A header further down the sheet: said with the skip_rows to set.
{ echo '销售出库明细表'; echo '2026年10月'; sed '1s/^\xEF\xBB\xBF//' sale.csv; } >title.csv
"$CSV2XLSX" title.csv title.xlsx
convert "$T/x-title" "$SALE" title.xlsx
assert_eq "$rc" 2 "title rows in a workbook"
assert_contains "$T/x-title.err" "on row 3 of sheet Sheet1: set skip_rows: 2"

# Refused with exit 2 and what to do: table of file, maker, message.
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1%0500d' 0 >old.xls
cp old.xls renamed.csv                          # an .xls by its magic, whatever its name
head -c 3000 "$XLSX" >truncated.xlsx
cp "$XLSX" garbled.xlsx                         # the sheet's XML broken inside the zip
python3 - garbled.xlsx <<'PY'
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1]); parts = {n: src.read(n) for n in src.namelist()}; src.close()
s = parts['xl/worksheets/sheet1.xml']; i = s.index(b'<row r="12"')
parts['xl/worksheets/sheet1.xml'] = s[:i] + b'<row r="12" <c' + s[i + 11:]
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for n, d in parts.items(): z.writestr(n, d)
PY
while IFS='|' read -r file mapping_file want; do
    convert "$T/bad-$file" "$mapping_file" "$file"
    assert_eq "$rc" 2 "$file: exit status"
    assert_contains "$T/bad-$file.err" "$file"
    assert_contains "$T/bad-$file.err" "$want"
    no_chunks "$T/bad-$file"
done <<EOF
old.xls|$SALE|an old Excel .xls (BIFF) file.*save it from Excel as .xlsx
renamed.csv|$SALE|an old Excel .xls (BIFF) file
truncated.xlsx|$SALE|not an .xlsx file
garbled.xlsx|$SALE|sheet 销售出库明细 row 1[12] column .*not well-formed XML
multi.xlsx|$T/nosheet.yaml|no sheet '退货明细'; the workbook has: 封面, 说明, 销售明细
EOF

# Bounded memory: a 20,000-row workbook (shared strings and all) converts
# under 64 MiB of resident memory (the 1M-row case: benchmarks/run.sh).
if [ -x /usr/bin/time ] && ! ldd "$DF" 2>/dev/null | grep libasan >/dev/null; then
    gen_sale 20000 50 "$T/big.csv"
    "$CSV2XLSX" --numbers --date-col 12 --date-col 13 "$T/big.csv" "$T/big.xlsx"
    /usr/bin/time -f %M -o "$T/rss" "$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/bigx" \
        --created-at "$CREATED" -q "$T/big.xlsx" || true
    rss=$(tail -n 1 "$T/rss")
    echo "peak RSS converting a 20,000-row workbook: $rss KiB"
    [ "$rss" -lt $((64 * 1024)) ] || fail "peak RSS $rss KiB converting big.xlsx"
    assert_file "$T/bigx/rejects.csv"
fi

# ------------------------------------------------------ header diagnosis
# Each case: a file, a mapping, and what the message must say (besides the
# file's name): the line and the advice.
sed '1s/^\xEF\xBB\xBF//' sale.csv | grep -av $'\377' | grep -v '𠀀' >plain.csv
iconv -f UTF-8 -t GBK plain.csv >gbk-export.csv
{ echo '销售出库明细表'; echo '2026年10月,,'; cat plain.csv; } >title-rows.csv
{ printf '\xef\xbb\xbf'; cat plain.csv; } >bom.csv
sed '1s/单据编号/单据编号𠀀/' plain.csv | iconv -f UTF-8 -t GB18030 >gb18030-char.csv
iconv -f UTF-8 -t UTF-16 plain.csv >utf16.csv
iconv -f UTF-8 -t UTF-16BE plain.csv >utf16be.csv
mapping gbk 's/^encoding: UTF-8 .*/encoding: GBK/'
iconv -f UTF-8 -t GBK "$SALE" >"$T/saved-gbk.yaml"
while IFS='|' read -r file mapping_file want; do
    convert "$T/diag-$file" "$mapping_file" "$file"
    assert_eq "$rc" 2 "$file: exit status"
    assert_contains "$T/diag-$file.err" "$want"
    no_chunks "$T/diag-$file"
done <<EOF
gbk-export.csv|$SALE|gbk-export.csv:1: the header has no column '单据编号'
gbk-export.csv|$SALE|byte 1 (line 1) is not UTF-8, and the bytes are valid GBK: the export is GBK: set encoding: GBK
title-rows.csv|$SALE|title-rows.csv:1: the header has no column
title-rows.csv|$SALE|the header row read (line 1): «销售出库明细表»
title-rows.csv|$SALE|the header looks like it is on line 3: set skip_rows: 2
bom.csv|$T/gbk.yaml|bom.csv:1: the header has no column '单据编号'
bom.csv|$T/gbk.yaml|starts with a UTF-8 byte order mark, which encoding: GBK reads as part of the first column name.*set encoding: UTF-8
gb18030-char.csv|$T/gbk.yaml|gb18030-char.csv:1: the header has no column '单据编号'
gb18030-char.csv|$T/gbk.yaml|byte 9 (line 1) is not GBK, and the bytes are valid GB18030.*set encoding: GB18030
utf16.csv|$SALE|utf16.csv: the file is UTF-16 LE.*save it as UTF-8 or GBK
utf16be.csv|$SALE|utf16be.csv:1: the header has no column
utf16be.csv|$SALE|looks like UTF-16 BE without a byte order mark.*save it as UTF-8 or GBK
plain.csv|$T/saved-gbk.yaml|saved-gbk.yaml: line 1: the mapping is not UTF-8 (it looks saved as GBK): save the mapping as UTF-8
EOF
echo "t_convert_erp_exports: ok"
