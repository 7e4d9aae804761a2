#!/usr/bin/env bash
# Dates as drug labels and ERPs print them (issue 11): 有效期至 as a month
# ("2028.04", "2028年04月", "202804") stands for the last day of the month
# (month_day: last, the default) or the first (month_day: first); Chinese
# day forms ("2028年4月30日"); a month that does not exist is E_FORMAT with
# the line; a bad month_day stops before any output, naming file and line.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

mapping() { # FILE MONTH_DAY_DECL
    cat >"$1" <<YAML
doc_type: INVENTORY
fields:
  StockDate:      {column: 库存日期, date: ["%Y年%m月%d日", "%Y-%m-%d"]}
  DrugCode:       药品本位码
  DrugName:       通用名称
  PackSpec:       包装规格
  Manufacturer:   生产企业
  ApprovalNo:     批准文号
  BatchNo:        批号
  ProductionDate: {column: 生产日期, date: ["%Y.%m.%d", "%Y.%m"]$2}
  ExpiryDate:     {column: 有效期至, date: ["%Y.%m", "%Y年%m月", "%Y%m", "%Y年%m月%d日"]$2}
  Quantity:       {column: 数量, decimal: true}
  Unit:           {column: 单位, default: 盒}
YAML
}
C='86900000000011,阿莫西林胶囊,0.25g*24粒/盒,广州白云山制药股份有限公司,国药准字H44021111'
{
    echo '库存日期,药品本位码,通用名称,包装规格,生产企业,批准文号,批号,生产日期,有效期至,数量,单位'
    echo "2026年10月31日,$C,B1,2026.04,2028.04,10,"          # line 2
    echo "2026年10月31日,$C,B2,2026.02.03,2028年02月,10,"    # line 3: a leap February
    echo "2026-10-31,$C,B3,2026.1,202812,10,"                # line 4
    echo "2026年1月5日,$C,B4,2026.04.05,2028年4月30日,10,"    # line 5: a day given is kept
    echo "2026年10月31日,$C,B5,2026.04,2028.13,10,"          # line 6: no 13th month
    echo "2026年10月31日,$C,B6,2026.04,2028.04.31,10,"       # line 7: no April 31st
} >"$T/in.csv"

rec() { xml_str "$(chunks "$1")" "/DataFile/Records/Record[BatchNo='$2']/$3"; }

mapping "$T/last.yaml" ""
convert "$T/last" "$T/last.yaml" --no-catalogs "$T/in.csv"
assert_eq "$rc" 1 "exit (two rows rejected): $(cat "$T/last.err")"
assert_eq "$(json_num "$T/last.json" accepted)" 4 "accepted"
validate "$(chunks "$T/last")"
assert_eq "$(rec "$T/last" B1 ExpiryDate)" 2028-04-30 "2028.04: the last day"
assert_eq "$(rec "$T/last" B1 ProductionDate)" 2026-04-30 "2026.04"
assert_eq "$(rec "$T/last" B1 StockDate)" 2026-10-31 "%Y年%m月%d日"
assert_eq "$(rec "$T/last" B2 ExpiryDate)" 2028-02-29 "2028年02月: leap February"
assert_eq "$(rec "$T/last" B2 ProductionDate)" 2026-02-03 "a day format beside a month format"
assert_eq "$(rec "$T/last" B3 ExpiryDate)" 2028-12-31 "202812"
assert_eq "$(rec "$T/last" B3 ProductionDate)" 2026-01-31 "2026.1"
assert_eq "$(rec "$T/last" B4 ExpiryDate)" 2028-04-30 "2028年4月30日"
assert_eq "$(rec "$T/last" B4 StockDate)" 2026-01-05 "2026年1月5日"
r=$T/last/rejects.csv
grep -a "^$T/in.csv,6," "$r" | grep -q "E_FORMAT,ExpiryDate '2028.13' matches none of the mapping's date formats" ||
    fail "line 6: $(cat "$r")"
grep -a "^$T/in.csv,7," "$r" | grep -q "E_FORMAT,ExpiryDate '2028.04.31' matches none" || fail "line 7: $(cat "$r")"

mapping "$T/first.yaml" ", month_day: first"
convert "$T/first" "$T/first.yaml" --no-catalogs "$T/in.csv"
assert_eq "$rc" 1 "exit: $(cat "$T/first.err")"
assert_eq "$(rec "$T/first" B1 ExpiryDate)" 2028-04-01 "month_day: first"
assert_eq "$(rec "$T/first" B2 ExpiryDate)" 2028-02-01 "month_day: first"
assert_eq "$(rec "$T/first" B4 ExpiryDate)" 2028-04-30 "a day given is kept"

# Mistakes in the mapping stop before any output, with file, line and column.
mapping "$T/bad.yaml" ", month_day: middle"
convert "$T/bad" "$T/bad.yaml" --no-catalogs "$T/in.csv"
assert_eq "$rc" 2 "bad month_day"
assert_contains "$T/bad.err" "$T/bad.yaml:10:.*'month_day' is 'last'.*or 'first'"
no_chunks "$T/bad"
sed -i 's/"%Y.%m.%d", "%Y.%m"\]/"%Y.%m.%d"], month_day: first/' "$T/last.yaml"
convert "$T/nomonth" "$T/last.yaml" --no-catalogs "$T/in.csv"
assert_eq "$rc" 2 "month_day without a month format"
assert_contains "$T/nomonth.err" "$T/last.yaml:10:.*applies to month formats without %d"
sed -i 's/"%Y.%m.%d"\], month_day: first/"%d.%Y"]/' "$T/last.yaml"
convert "$T/noyear" "$T/last.yaml" --no-catalogs "$T/in.csv"
assert_eq "$rc" 2 "a format without a month"
assert_contains "$T/noyear.err" "$T/last.yaml:10:.*needs %Y and %m"
echo "month-only and Chinese dates hold end to end"
