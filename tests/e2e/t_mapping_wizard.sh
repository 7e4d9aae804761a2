#!/usr/bin/env bash
# `drugflow mapping init` (issue 11): a GBK export with title rows and the
# header names an ERP really uses becomes a draft mapping — encoding,
# delimiter, header row, columns, date and decimal formats guessed, each
# guess commented — that convert takes as it is; required fields no column
# matched are listed and the exit status says so; bad input gets a clear
# error naming the file and what to do.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

P='广州医药股份有限公司'
# A purchase export as a 管家婆-style ERP writes it: GBK, two title rows,
# its own header names (one with a unit, one longer than the known name),
# month-only expiry dates, thousands separators, a remarks column.
{
    echo '广州样例医药连锁有限公司 采购入库明细表,,,,,,,,,,,,,,,,,'
    echo '统计期间：2026-10-01 至 2026-10-31,,,,,,,,,,,,,,,,,'
    echo '单号,业务日期,供应商名称,国家药品编码,药品通用名称,规格,包装规格,剂型,生产厂家,批准文号,生产批号,生产日期,有效期,数量(盒),计量单位,含税单价（元）,金额,备注'
    for i in 1 2 3 4 5 6; do
        echo "CG00$i,2026-10-0$i,$P,86900000000011,阿莫西林胶囊,0.25g,0.25g*24粒/盒,胶囊剂,广州白云山制药股份有限公司,国药准字H44021111,B00$i,2026.03,2028.0$i,\"1,2${i}0\",盒,12.50,\"15,000.00\",月结"
    done
} | iconv -f UTF-8 -t GBK >"$T/purchase.csv"

rc=0
"$DF" mapping init --doc-type PURCHASE -o "$T/draft.yaml" --json "$T/purchase.csv" >"$T/init.json" 2>"$T/init.err" || rc=$?
assert_eq "$rc" 0 "mapping init: $(cat "$T/init.err")"
d=$T/draft.yaml
assert_contains "$d" '^doc_type: PURCHASE'
assert_contains "$d" '^encoding: GBK .*# guessed: not UTF-8 (byte [0-9]*), but valid GBK'
assert_contains "$d" '^  delimiter: ",".*# guessed: .* have 17 commas'
assert_contains "$d" '^  skip_rows: 2 .*# guessed: row 3 (line 3) names 16 known column(s); the rows above it name fewer'
assert_contains "$d" '^  BillNo: .*{column: "单号"}'
assert_contains "$d" '^  PartnerName: .*{column: "供应商名称"}'
assert_contains "$d" '^  DrugCode: .*{column: "国家药品编码"}'
assert_contains "$d" '# 药品通用名称 (column 5): a guess, the header contains "药品通用名"'
assert_contains "$d" '^  DrugName: .*{column: "药品通用名称"}'
assert_contains "$d" '^  Manufacturer: .*{column: "生产厂家"}'
assert_contains "$d" '^  Quantity: .*{column: "数量(盒)", decimal: true}  # 6 value(s) like "1,210" have thousands separators'
assert_contains "$d" '^  UnitPrice: .*{column: "含税单价（元）", decimal: true}'
assert_contains "$d" '^  BillDate: .*date: \["%Y-%m-%d"\]}'
assert_contains "$d" '^  ExpiryDate: .*{column: "有效期", date: \["%Y.%m"\], month_day: last}  # a month'
assert_contains "$d" '^  ProductionDate: .*date: \["%Y.%m"\], month_day: last}'
assert_contains "$d" '^# columns no field uses: 备注 (column 18)'
assert_contains "$T/init.err" "PURCHASE: 17 of 17 fields matched"
assert_contains "$T/init.json" '"encoding": "GBK", "delimiter": ",", "skip_rows": 2'
assert_contains "$T/init.json" '{"field": "DrugName", "required": true, "column": 5, "header": "药品通用名称", "guess": true}'

# convert takes the draft as it is: the preview, then the real data files.
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$d" --no-catalogs --dry-run "$T/purchase.csv" >"$T/dry.out" 2>"$T/dry.err" || rc=$?
assert_eq "$rc" 0 "dry run with the draft: $(cat "$T/dry.err")"
assert_eq "$(grep -c ' ACCEPTED$' "$T/dry.out")" 6 "rows accepted"
grep -q "<BillNo>CG002</BillNo><BillDate>2026-10-02</BillDate><PartnerName>$P</PartnerName>" "$T/dry.out" || fail "record: $(cat "$T/dry.out")"
assert_contains "$T/dry.out" "<ExpiryDate>2028-02-29</ExpiryDate><Quantity>1220</Quantity>"
assert_contains "$T/dry.out" "<ProductionDate>2026-03-31</ProductionDate>"
convert "$T/out" "$d" --no-catalogs "$T/purchase.csv"
assert_eq "$rc" 0 "convert with the draft: $(cat "$T/out.err")"
validate "$(chunks "$T/out")"

# A UTF-8, tab-separated inventory export without a manufacturer column.
printf '库存日期\t仓库\t本位码\t品名\t包装\t批号\t失效日期\t结存数量\t单位\n2026-10-31\t一号仓\t86900000000011\t阿莫西林胶囊\t0.25g*24粒/盒\tB1\t20281231\t５０\t盒\n' >"$T/inv.tsv"
rc=0
"$DF" mapping init -d INVENTORY "$T/inv.tsv" >"$T/inv.yaml" 2>"$T/inv.err" || rc=$?
assert_eq "$rc" 1 "required fields without a column"
assert_contains "$T/inv.yaml" '^  delimiter: tab'
assert_contains "$T/inv.yaml" '^encoding: UTF-8 .*every byte read is valid UTF-8'
assert_contains "$T/inv.yaml" '^#   Manufacturer, ApprovalNo$'
assert_contains "$T/inv.yaml" '^  # REQUIRED: no column matched (known names: 生产企业 生产厂家'
assert_contains "$T/inv.yaml" '^  # Manufacturer: .*{column: "…"}'
assert_contains "$T/inv.yaml" '^  Quantity: .*{column: "结存数量", decimal: true}  # 1 value(s) like "５０"'
assert_contains "$T/inv.yaml" '^  ExpiryDate: .*{column: "失效日期", date: \["%Y%m%d"\]}'
assert_contains "$T/inv.yaml" 'optional fields no column matched .*: Spec, DosageForm, ProductionDate'
assert_contains "$T/inv.err" "REQUIRED without a column: Manufacturer, ApprovalNo"
rc=0
"$DF" convert -c "$SAMPLES/drugflow.yaml" -m "$T/inv.yaml" --no-catalogs --dry-run "$T/inv.tsv" >/dev/null 2>"$T/inv-conv.err" || rc=$?
assert_eq "$rc" 2 "the draft with required fields missing does not load"
assert_contains "$T/inv-conv.err" "required field Manufacturer of INVENTORY is not mapped"

# Bad input: the file and what to do.
bad() { # WANT_RC MESSAGE ARGS...
    local want=$1 msg=$2
    shift 2
    rc=0
    "$DF" mapping init "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    assert_eq "$rc" "$want" "mapping init $*: $(cat "$T/bad.err")"
    assert_contains "$T/bad.err" "$msg"
}
bad 2 "cannot open the export $T/none.csv" -d SALE "$T/none.csv"
: >"$T/empty.csv"
bad 2 "$T/empty.csv is empty: export the data again" -d SALE "$T/empty.csv"
printf '\xff\xfe\x55\x53' >"$T/utf16.csv"
bad 2 "$T/utf16.csv is UTF-16 .*save it as UTF-8 or GBK" -d SALE "$T/utf16.csv"
printf 'a,b,c\n1,2,3\n' >"$T/anon.csv"
bad 2 "$T/anon.csv: none of the first 2 rows names a column" -d SALE "$T/anon.csv"
bad 2 "unknown document type 'SALES' (the profile has: PURCHASE" -d SALES "$T/purchase.csv"
bad 2 "--doc-type TYPE is required" "$T/purchase.csv"
bad 2 "--json needs --out FILE" -d SALE --json "$T/purchase.csv"
bad 2 "$d exists: choose another --out, or --force" -d PURCHASE -o "$d" "$T/purchase.csv"
"$DF" mapping init -d PURCHASE -o "$d" --force "$T/purchase.csv" 2>/dev/null || fail "--force does not replace"
printf 'fields:\n  BillNo: [单号]\n  Bogus: [x]\ndate_formats: ["%%Y-%%m-%%d"]\n' >"$T/dict.yaml"
bad 2 "$T/dict.yaml:3:3: 'Bogus' is not a field of the profile" -d SALE --dictionary "$T/dict.yaml" "$T/purchase.csv"
printf 'fields:\n  BillNo: [单号]\ndate_formats: ["%%d/%%m"]\n' >"$T/dict2.yaml"
bad 2 "$T/dict2.yaml:3:16: date format '%d/%m': it needs %Y and %m" -d SALE --dictionary "$T/dict2.yaml" "$T/purchase.csv"
# An .xlsx export (issue 11): the sheet's rows sampled through the workbook
# reader; title rows above the header become skip_rows, the sheet read is
# named in the draft (quotes escaped), and convert takes the draft: it
# reads the sample workbook's rows as samples/mappings/sale.yaml does.
"$DF" mapping init -d SALE -o "$T/x.yaml" "$ROOT/samples/exports/sale.xlsx" 2>"$T/x.err" ||
    fail "mapping init sale.xlsx: $(cat "$T/x.err")"
assert_contains "$T/x.yaml" '^  sheet: "销售出库明细" '
assert_contains "$T/x.yaml" '^  skip_rows: 0 '
for m in "$T/x.yaml" "$ROOT/samples/mappings/sale.yaml"; do
    "$DF" convert -c "$ROOT/samples/drugflow.yaml" -m "$m" -p 2026-10 -o "$T/x-$(basename "$m")" --json -q \
        "$ROOT/samples/exports/sale.xlsx" >"$T/x-$(basename "$m").json" 2>/dev/null || true
done
for k in rows_read; do
    assert_eq "$(grep -o "\"$k\":[0-9]*" "$T/x-x.yaml.json")" "$(grep -o "\"$k\":[0-9]*" "$T/x-sale.yaml.json")" \
        "the drafted workbook mapping: $k"
done
{ echo '销售出库明细表'; echo '2026年10月'; sed '1s/^\xEF\xBB\xBF//' "$ROOT/samples/exports/sale.csv"; } >"$T/title.csv"
"$BUILD/csv2xlsx" --extra-sheet 封面 --sheet '销售"明细' "$T/title.csv" "$T/title.xlsx"
"$DF" mapping init -d SALE --sheet '销售"明细' -o "$T/t.yaml" "$T/title.xlsx" 2>"$T/t.err" ||
    fail "mapping init --sheet: $(cat "$T/t.err")"
assert_contains "$T/t.yaml" '^  skip_rows: 2 .*sheet row 3'
assert_contains "$T/t.yaml" '^  sheet: "销售\\"明细" '
"$DF" convert -c "$ROOT/samples/drugflow.yaml" -m "$T/t.yaml" -p 2026-10 -o "$T/t-out" --json -q "$T/title.xlsx" \
    >"$T/t.json" 2>/dev/null || true
assert_eq "$(grep -o '"rows_read":[0-9]*' "$T/t.json")" '"rows_read":21' "the draft reads the named sheet"
bad 2 "no sheet '明细'; the workbook has: 封面, 销售\"明细" -d SALE --sheet 明细 "$T/title.xlsx"
bad 2 "--sheet is for an .xlsx workbook" -d SALE --sheet 明细 "$T/title.csv"
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1%0500d' 0 >"$T/old.xls"
bad 2 "old.xls: an old Excel .xls (BIFF) file" -d SALE "$T/old.xls"
echo "the wizard drafts mappings convert takes, and says what it guessed"
