#!/usr/bin/env bash
# A mapping's transforms through the whole pipeline: trim (ideographic
# spaces) before catalog matching, trim off, constants, defaults (a long one
# kept whole), strict value maps, date formats, decimal normalisation.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

cat >"$T/m.yaml" <<'YAML'
doc_type: SALE
fields:
  BillNo:         {column: 单号}
  BillDate:       {column: 日期, date: ["%Y/%m/%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M"]}
  PartnerName:    {column: 客户}
  DrugCode:       {column: 本位码}
  DrugName:       {column: 品名}
  Spec:           {column: 规格, trim: false}
  PackSpec:       {column: 包装}
  DosageForm:     {column: 剂型, map: {"01": 片剂, "02": 胶囊剂}, map_strict: true}
  Manufacturer:   {constant: 广州白云山制药股份有限公司}
  ApprovalNo:     {column: 批准文号, default: 国药准字H44021111}
  BatchNo:        {column: 批号}
  ExpiryDate:     {column: 有效期, date: "%Y%m%d"}
  Quantity:       {column: 数量, decimal: true}
  Unit:           {constant: 盒}
  UnitPrice:      {column: 单价, decimal: true, default: "1,234,567,890,123,456,789,012,345,678,901,234,567,890.25"}
  Amount:         {column: 金额, decimal: true}
YAML
P='广州医药股份有限公司'
C='86900000000011,阿莫西林胶囊, 0.25g ,0.25g*24粒/盒'
{
    printf '单号,日期,客户,本位码,品名,规格,包装,剂型,批准文号,批号,有效期,数量,单价,金额,单位\n'
    printf 'R1,2026/1/2,\xe3\x80\x80%s ,%s,02,,B1,20280214,"1,200",,9.5,瓶\n' "$P" "$C"    # line 2
    printf 'R2,2026年10月2日,%s,%s,99,,B2,20280214,5,1,5,\n' "$P" "$C"                      # line 3: not in the map
    printf 'R3,2026-10-02 08:30,%s,%s,01,,B3,20280214,１，２００．５,+３,－１,\n' "$P" "$C"   # line 4
    printf 'R4,2026/2/30,%s,%s,01,,B4,20280214,5,1,5,\n' "$P" "$C"                           # line 5: no such day
    printf 'R5,2026/2/3,%s,%s,01,,B5,20280214,－３,1,5,\n' "$P" "$C"                          # line 6: negative
    printf 'R6,2026/2/3,%s,%s,01,,B6,20280214,++5,1,5,\n' "$P" "$C"                           # line 7: two pluses
    printf 'R7,2026/2/3,%s,%s,01,,B7,2028-02-14,5,1,5,\n' "$P" "$C"                           # line 8: not %Y%m%d
} >"$T/in.csv"

convert "$T/out" "$T/m.yaml" "$T/in.csv"
assert_eq "$rc" 1 "exit status: $(cat "$T/out.err")"
assert_eq "$(json_num "$T/out.json" accepted)" 2 "accepted: $(cat "$T/out/rejects.csv")"
f=$(chunks "$T/out")
validate "$f"
rec() { xml_str "$f" "/DataFile/Records/Record[BillNo='$1']/$2"; }
assert_eq "$(rec R1 PartnerName)" "$P" "ideographic and ASCII spaces trimmed (and then the partner matched)"
assert_eq "$(rec R1 BillDate)" "2026-01-02" "one-digit month and day"
assert_eq "$(rec R1 Spec)" " 0.25g " "trim: false keeps the spaces"
assert_eq "$(rec R1 DosageForm)" "胶囊剂" "value map"
assert_eq "$(rec R1 Manufacturer)" "广州白云山制药股份有限公司" "constant"
assert_eq "$(rec R1 ApprovalNo)" "国药准字H44021111" "default on an empty cell"
assert_eq "$(rec R1 Unit)" "盒" "a constant wins over the export's column"
assert_eq "$(rec R1 Quantity)" "1200" "1,200"
assert_eq "$(rec R1 UnitPrice)" "1234567890123456789012345678901234567890.25" "a long default, whole"
assert_eq "$(rec R1 ExpiryDate)" "2028-02-14" "%Y%m%d"
assert_eq "$(rec R3 BillDate)" "2026-10-02" "a date with a time"
assert_eq "$(rec R3 Quantity)" "1200.5" "full-width digits, comma and point"
assert_eq "$(rec R3 UnitPrice)" "3" "plus before a full-width digit"
assert_eq "$(rec R3 Amount)" "-1" "full-width minus (allowed outside Quantity)"

r=$T/out/rejects.csv
row() { grep -a "^$T/in.csv,$1," "$r" || fail "no rejects row for line $1"; }
row 3 | grep -q "E_FORMAT,DosageForm '99' is not in the mapping's value map" || fail "line 3: $(row 3)"
row 5 | grep -q "E_FORMAT,BillDate '2026/2/30' matches none of the mapping's date formats" || fail "line 5: $(row 5)"
row 6 | grep -q "E_NEGATIVE_QTY,Quantity -3 is below zero" || fail "line 6: $(row 6)"
row 7 | grep -q "E_FORMAT,Quantity '++5' is not a number" || fail "line 7: $(row 7)"
row 8 | grep -q "E_FORMAT,ExpiryDate '2028-02-14' matches none" || fail "line 8: $(row 8)"
assert_eq "$(grep -ac "^$T/in.csv," "$r")" 5 "rejected rows"
echo "mapping transforms hold end to end"
