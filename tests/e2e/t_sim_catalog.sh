#!/usr/bin/env bash
# tests/e2e/t_sim_catalog.sh — drugflow-sim's catalog entries: since=0 gives
# everything, since=V only the changes after version V as ADD, UPDATE and
# DELETE (from a re-seed, catalog-add and catalog-delete), with the current
# Version; the catalogs are what processing checks records against.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
sim_start "$T/data"
count() { printf '%s' "$1" | grep -o "$2" | wc -l; }

r=$(as a toContactsBusiness.do -d since=0)
assert_eq "$(xval "$r" Version)" 1
assert_eq "$(count "$r" '<Partner op="ADD">')" 3
r=$(as a toContactsBusiness.do -d since=1)
assert_eq "$(xval "$r" Version)" 1
assert_eq "$(count "$r" '<Partner ')" 0 "nothing after the current version"
printf '%s' "$r" | grep -q '<Partners></Partners>' || fail "empty list element: $r"

# A file naming a partner not yet in the catalog is PARTIAL.
"$FIX" datafile "$T/u.xml" "$A" 2026-10 4 1
"$FIX" sign "$T/u.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/one-bad.xml"
r=$(result a "$(upload a "$T/one-bad.xml")")
assert_eq "$(xval "$r" Status)" PARTIAL

# Re-seed with one partner changed, one removed, one new (未登记药房1, the
# partner of the file above).
cat >"$T/partners2.csv" <<'CSV'
Name,CreditCode,LicenseNo
广州市越秀区康民大药房,91440104MA5CUST01,粤AA0200001-NEW
深圳市福田区平安医院,12440300MA5CUST03,PDY00003
未登记药房1,91440104MA5CUST09,粤AA0200009
CSV
"$SIM" seed --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --partners "$T/partners2.csv" >"$T/seed2.out"
assert_contains "$T/seed2.out" "3 changes, version 2"
r=$(as a toContactsBusiness.do -d since=1)
assert_eq "$(xval "$r" Version)" 2
assert_eq "$(count "$r" '<Partner ')" 3 "three changes: $r"
printf '%s' "$r" | grep -q '<Partner op="UPDATE"><Name>广州市越秀区康民大药房</Name><CreditCode>91440104MA5CUST01</CreditCode><LicenseNo>粤AA0200001-NEW</LicenseNo>' || fail "UPDATE: $r"
printf '%s' "$r" | grep -q '<Partner op="DELETE"><Name>佛山市禅城区仁和药店</Name>' || fail "DELETE: $r"
printf '%s' "$r" | grep -q '<Partner op="ADD"><Name>未登记药房1</Name>' || fail "ADD: $r"
r=$(as a toContactsBusiness.do -d since=0)
assert_eq "$(count "$r" '<Partner op="ADD">')" 3 "since=0: the current catalog"
printf '%s' "$r" | grep -q '佛山市禅城区仁和药店' && fail "deleted partner in since=0: $r"
# The same seed again changes nothing.
"$SIM" seed --data "$T/data" --enterprise "$A" --partners "$T/partners2.csv" >"$T/seed3.out"
assert_contains "$T/seed3.out" "0 changes, version 2"

# The server checks against the new catalog at once: the added partner
# passes, the deleted one (record 4) fails.
"$FIX" datafile "$T/u.xml" "$A" 2026-11 4 1
"$FIX" sign "$T/u.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/now.xml"
r=$(result a "$(upload a "$T/now.xml")")
assert_eq "$(xval "$r" Failed)" 1 "after re-seed: $r"
printf '%s' "$r" | grep -q '<Error seq="4" code="E_PARTNER_UNMATCHED">PartnerName .佛山市禅城区仁和药店' ||
    fail "deleted partner: $r"

# catalog-add merges; catalog-delete removes one commodity.
printf 'DrugCode,PackSpec,DrugName\n86900000000009,1盒,新药\n' >"$T/add.csv"
"$SIM" catalog-add --data "$T/data" --enterprise "$A" --commodities "$T/add.csv" >/dev/null
"$SIM" catalog-delete --data "$T/data" --enterprise "$A" --catalog commodity \
    --key 86900000000002 --key '10ml*10支/盒' >/dev/null
expect_status 1 "$SIM" catalog-delete --data "$T/data" --enterprise "$A" --catalog commodity \
    --key 86900000000002 --key '10ml*10支/盒'
r=$(as a toOperationCommodity.do -d since=1)
assert_eq "$(xval "$r" Version)" 3
assert_eq "$(count "$r" '<Commodity op="ADD"><DrugCode>86900000000009</DrugCode><PackSpec>1盒</PackSpec>')" 1 "added: $r"
assert_eq "$(count "$r" '<Commodity op="DELETE"><DrugCode>86900000000002</DrugCode>')" 1 "deleted: $r"
r=$(as a toOperationCommodity.do -d since=0)
assert_eq "$(count "$r" '<Commodity op="ADD">')" 3 "current commodities"
printf '%s' "$r" | grep -q '深圳某某制药, 有限公司' || fail "quoted CSV field: $r"
# A missing key column is refused; an unknown enterprise too.
printf 'Name\nX\n' >"$T/bad.csv"
expect_status 1 "$SIM" catalog-add --data "$T/data" --enterprise "$A" --commodities "$T/bad.csv"
expect_status 1 "$SIM" catalog-add --data "$T/data" --enterprise "$B" --commodities "$T/add.csv"
expect_status 1 "$SIM" seed --data "$T/data" --enterprise "../etc" --commodities "$T/add.csv"
# Values with escaped characters and character references match the catalog
# character for character after parsing.
printf 'Name,CreditCode,LicenseNo\nA&B <大> 药房,1,2\n' >"$T/amp.csv"
"$SIM" catalog-add --data "$T/data" --enterprise "$A" --partners "$T/amp.csv" >/dev/null
"$FIX" datafile "$T/u.xml" "$A" 2026-12 2
sed -i '0,/<PartnerName>[^<]*</s//<PartnerName>A\&amp;B \&lt;\&#x5927;\&gt; 药房</' "$T/u.xml"
grep -q 'A&amp;B &lt;&#x5927;&gt; 药房' "$T/u.xml" || fail "fixture edit"
"$FIX" sign "$T/u.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/amp.xml"
r=$(result a "$(upload a "$T/amp.xml")")
assert_eq "$(xval "$r" Total)" 2 "escaped partner name: $r"
printf '%s' "$r" | grep -q 'E_PARTNER_UNMATCHED' && fail "escaped partner name unmatched: $r"
r=$(as a toContactsBusiness.do -d since=0)
printf '%s' "$r" | grep -q '<Name>A&amp;B &lt;大&gt; 药房</Name>' || fail "escaped in the answer: $r"
sim_stop
echo "t_sim_catalog: ok"
