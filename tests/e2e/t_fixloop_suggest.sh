#!/usr/bin/env bash
# tests/e2e/t_fixloop_suggest.sh — near misses explained (issue 12): every
# kind of almost-right partner and commodity the issue names gets its
# catalog entry suggested with how it differs, in rejects.csv (suggestion
# column), the summary's top list (text and --json) and fixlist.csv;
# matching stays exact (the rows are still rejected, nothing else is sent);
# the truly missing entries go to missing-partners.csv and
# missing-commodities.csv in the portal's catalog format, filled from the
# rows' own fields, and load as a catalog.
. "$(dirname "$0")/lib.sh"

cat >"$T/partners.csv" <<'EOF2'
Name,CreditCode,LicenseNo
广州市第3大药房（连锁）有限公司,91440101MA5X00003A,粤AA0200003
深圳市海王星辰医药有限公司,91440300192178311Y,粤AA7550002
EOF2
cat >"$T/commodities.csv" <<'EOF2'
DrugCode,PackSpec,DrugName,Spec,DosageForm,Manufacturer,ApprovalNo
86900000000011,0.25g*24粒/盒,阿莫西林胶囊,0.25g,胶囊剂,广州白云山制药股份有限公司,国药准字H44021111
86900000000028,10mg*30片/盒,氨氯地平片,10mg,片剂,华润三九医药股份有限公司,国药准字H20003222
EOF2
H=单据编号,单据日期,往来单位,药品本位码,通用名称,规格,包装规格,剂型,生产企业,批准文号,批号,生产日期,有效期至,数量,单位,单价,金额
row() { # BILL PARTNER DRUGCODE PACKSPEC
    printf '%s,2026-10-04,%s,%s,阿莫西林胶囊,0.25g,%s,胶囊剂,广州白云山制药股份有限公司,国药准字H44021111,B1,2026-01-01,2028-01-01,3,盒,1.00,3.00\n' "$@"
}
{
    echo "$H"
    row OK1 深圳市海王星辰医药有限公司 86900000000011 '0.25g*24粒/盒'
    row P1 '广州市第3大药房(连锁)有限公司' 86900000000011 '0.25g*24粒/盒'
    row P2 '广州市第３大药房（连锁）有限公司' 86900000000011 '0.25g*24粒/盒'
    row P3 '"深圳市海王星辰医药有限公司  "' 86900000000011 '0.25g*24粒/盒'
    row P4 深圳市海王星辰医药有限责任公司 86900000000011 '0.25g*24粒/盒'
    row P5 汕头市潮南区新开药店 86900000000011 '0.25g*24粒/盒'
    row C1 深圳市海王星辰医药有限公司 86900000000011 '0.25g×24粒/盒'
    row C2 深圳市海王星辰医药有限公司 86900000000011 '0.25gx24粒/盒'
    row C3 深圳市海王星辰医药有限公司 86900000000011 '0.25g*48粒/盒'
    row C4 深圳市海王星辰医药有限公司 86900000000099 '5ml*6支/盒'
    row C5 深圳市海王星辰医药有限公司 86900000000099 '5ml*6支/盒'
} >"$T/in.csv"
# The mapping keeps spaces (trim: false) so that the doubled space reaches the check.
sed "s/^  PartnerName: .*/  PartnerName: {column: 往来单位, trim: false}/" "$ROOT/samples/mappings/sale.yaml" >"$T/map.yaml"
grep -q 'trim: false' "$T/map.yaml" || fail "mapping edit did not apply"
rc=0
"$DF" convert --config "$ROOT/samples/drugflow.yaml" -m "$T/map.yaml" --partners "$T/partners.csv" \
    --commodities "$T/commodities.csv" -p 2026-10 -o "$T/out" --json "$T/in.csv" >"$T/sum.json" 2>"$T/sum.err" || rc=$?
assert_eq "$rc" 1 "rows rejected"
# Matching stays exact: only OK1 is accepted.
grep -q '"accepted":1,' "$T/sum.json" || fail "accepted: $(cat "$T/sum.json")"

# suggestion column of rejects.csv, row by row
sug() { grep -a "^$T/in.csv,[0-9]*,.*,$1,2026-10-04" "$T/out/rejects.csv" | head -n 1; }
while IFS='|' read -r bill want; do
    line=$(sug "$bill")
    [ -n "$line" ] || fail "$bill not in rejects.csv"
    case "$line" in *"$want"*) ;; *) fail "$bill: want '$want' in: $line" ;; esac
done <<'CASES'
P1|did you mean ""广州市第3大药房（连锁）有限公司"" (differs: half-width brackets)
P2|did you mean ""广州市第3大药房（连锁）有限公司"" (differs: full-width digits)
P3|did you mean ""深圳市海王星辰医药有限公司"" (differs: extra spaces)
P4|did you mean ""深圳市海王星辰医药有限公司"" (differs: 有限责任公司 for 有限公司)
C1|did you mean (""86900000000011"", ""0.25g*24粒/盒"") (differs: multiplication sign (×, x or *))
C2|did you mean (""86900000000011"", ""0.25g*24粒/盒"") (differs: multiplication sign (×, x or *))
C3|did you mean (""86900000000011"", ""0.25g*24粒/盒"") (differs: PackSpec '48' → '24')
CASES
case "$(sug P5)" in *"did you mean"*) fail "P5 is truly missing: $(sug P5)" ;; esac
case "$(sug C4)" in *"did you mean"*) fail "C4 is truly missing: $(sug C4)" ;; esac
# The message quotes the whole name.
grep -q "PartnerName '深圳市海王星辰医药有限责任公司' is not in the partner catalog" "$T/out/rejects.csv" ||
    fail "message does not quote the name whole"

# The summary's top list, on stderr and in --json.
assert_contains "$T/sum.err" 'did you mean "广州市第3大药房（连锁）有限公司" (differs: half-width brackets)'
grep -q '"suggestion":"did you mean \\"广州市第3大药房（连锁）有限公司\\" (differs: half-width brackets)"' \
    "$T/sum.json" || fail "no suggestion in the JSON summary"

# Truly missing entries, in the portal's format, filled from the rows.
assert_contains "$T/sum.err" "missing-partners.csv"
mp=$T/out/missing-partners.csv mc=$T/out/missing-commodities.csv
assert_eq "$(sed -n 1p "$mp" | tr -d '\r\357\273\277')" "Name,CreditCode,LicenseNo" "missing-partners.csv header"
assert_eq "$(sed -n '2,$p' "$mp" | tr -d '\r')" "汕头市潮南区新开药店,," "missing partners: only the truly missing"
assert_eq "$(sed -n 1p "$mc" | tr -d '\r\357\273\277')" "DrugCode,PackSpec,DrugName,Spec,DosageForm,Manufacturer,ApprovalNo" \
    "missing-commodities.csv header"
# C4 and C5 are one entry; C3 (an edit away: maybe a new pack size) is listed too; C1, C2 are spellings.
assert_eq "$(grep -c 86900000000099 "$mc")" 1 "one row per missing entry"
assert_contains "$mc" "86900000000099,5ml\*6支/盒,阿莫西林胶囊,0.25g,胶囊剂,广州白云山制药股份有限公司,国药准字H44021111"
assert_contains "$mc" "0.25g\*48粒/盒"
assert_not_contains "$mc" "×"
# Imported (here: loaded as the catalog), they make those rows match.
cat "$T/partners.csv" <(sed 1d "$mp") >"$T/p2.csv"
cat "$T/commodities.csv" <(sed 1d "$mc") >"$T/c2.csv"
rc=0
"$DF" convert --config "$ROOT/samples/drugflow.yaml" -m "$T/map.yaml" --partners "$T/p2.csv" --commodities "$T/c2.csv" \
    -p 2026-10 -o "$T/out2" -q "$T/in.csv" || rc=$?
grep -aq ",P5,2026-10-04" "$T/out2/rejects.csv" && fail "P5 still rejected after the import"
grep -aq ",C4,2026-10-04" "$T/out2/rejects.csv" && fail "C4 still rejected after the import"

# --no-suggestions: the same rejects, no suggestions.
"$DF" convert --config "$ROOT/samples/drugflow.yaml" -m "$T/map.yaml" --partners "$T/partners.csv" \
    --commodities "$T/commodities.csv" -p 2026-10 -o "$T/out3" -q --no-suggestions "$T/in.csv" || true
assert_not_contains "$T/out3/rejects.csv" "did you mean"
assert_eq "$(wc -l <"$T/out3/rejects.csv")" "$(wc -l <"$T/out/rejects.csv")" "same rejects without suggestions"
echo "t_fixloop_suggest: ok"
