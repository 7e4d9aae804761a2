#!/usr/bin/env bash
# tests/e2e/t_run_bigchunk.sh — a full-size chunk (20,000 records, over
# 10 MB) converted and signed with the defaults is accepted by drugflow-sim
# and passes processing. Regression (found by the soak test): the upload
# check gave libxml2's push parser the whole file at once, whose look-ahead
# gives up past 10 MB ("Huge input lookup"), so every default-size chunk
# was refused with 2003.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

cat >"$T/cfg.yaml" <<YAML
enterprise:
  code: $A
  name: 测试医药有限公司
YAML
"$GEN" --rows 20000 --catalogs "$T/cat" --commodities 2000 --partners 500 --out "$T/in.csv" >/dev/null 2>&1
DRUGFLOW_PASSPHRASE=$PASS "$DF" convert -c "$T/cfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" \
    --catalogs "$T/cat" --period 2026-10 --out "$T/out" --key "$PKI/ent-a.p12" -q "$T/in.csv"
f=$T/out/2026-10-SALE-01_00001.xml
size=$(stat -c %s "$f")
[ "$size" -gt 10000000 ] || fail "the chunk is only $size bytes: not big enough to test"
seed "$T/data" "$A"
sim_start "$T/data"
id=$(upload a "$f")
r=$(result a "$id")
assert_eq "$(xval "$r" Status)" PASSED "a $size-byte chunk: $r"
assert_eq "$(xval "$r" Total)" 20000 "records of the chunk"
sim_stop
echo "a $size-byte chunk of 20000 records accepted and PASSED"
