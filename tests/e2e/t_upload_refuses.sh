#!/usr/bin/env bash
# tests/e2e/t_upload_refuses.sh — `drugflow upload FILE` takes only signed
# data files of the profile: a CSV, another XML, an unsigned chunk, a
# renamed chunk and a truncated one are refused with the reason and exit 2,
# and nothing reaches the server; a server answering HTTP 200 with an empty
# body is reported as "empty answer".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
sim_start "$T/data"
dfconf() {
    sim_config "$T/df.yaml" "upload: {parallel: 2, attempts: 2, retry_base_ms: 20, status_timeout: 30}"
}
dfconf
export DRUGFLOW_CONFIG=$T/df.yaml
conv() { # conv OUT [convert options]
    local out=$1
    shift
    "$DF" convert -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 -o "$out" --no-catalogs \
        --batch-id UP-REF "$@" "$ROOT/samples/exports/sale.csv" || [ $? -eq 1 ]
}
conv "$T/unsigned" --sign none
conv "$T/signed" --sign streaming --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase"
good=$T/signed/UP-REF_00001.xml
assert_file "$good"

# refused: reason  file
mkdir -p "$T/bad"
cp "$ROOT/samples/exports/sale.csv" "$T/bad/CSV_00001.xml"
printf '<?xml version="1.0"?>\n<Other><Header/></Other>\n' >"$T/bad/OTHER_00001.xml"
cp "$T/unsigned/UP-REF_00001.xml" "$T/bad/UNSIGNED_00001.xml"
cp "$good" "$T/bad/RENAMED_00001.xml"
head -c 2000 "$good" >"$T/bad/UP-REF_00002.xml"
sed 's:</Header>:</Header><!-- x -->:; s:<Signature xmlns="http\://www.w3.org/2000/09/xmldsig#">:<Signature>:' "$good" \
    >"$T/bad/NOSIGNS_00001.xml"
sed 's:<Signature xmlns:<!-- --><Signature xmlns:; s:</Signature>:</Signature><Extra/>:' "$good" >"$T/bad/LATE_00001.xml"
sed 's:</BatchId>:</BatchId><BatchId>x</BatchId>:' "$good" >"$T/bad/TWICE_00001.xml"
for c in "not a data file of profile gd-v1:CSV_00001.xml" "root element is <Other>:OTHER_00001.xml" \
         "not signed:UNSIGNED_00001.xml" "the file name says batch RENAMED:RENAMED_00001.xml" \
         "not signed:UP-REF_00002.xml" "not signed:NOSIGNS_00001.xml" "not signed:LATE_00001.xml" \
         "BatchId> twice:TWICE_00001.xml"; do
    want=${c%%:*} f=${c##*:}
    rc=0
    "$DF" upload "$T/bad/$f" >"$T/out" 2>"$T/err" || rc=$?
    assert_eq "$rc" 2 "upload $f"
    assert_contains "$T/err" "$want"
    assert_contains "$T/err" "$f"
done
assert_not_contains "$T/sim.log" "toUploadFile.do"
assert_eq "$(sqlite3 "$T/ws/journal.sqlite" "select count(*) from chunks")" 0 "nothing journaled"

# the signed chunk goes through (and a folder with only good files)
"$DF" upload --json "$T/signed" >"$T/up.json"
assert_contains "$T/up.json" '"uploaded": 1'
sim_stop

# an empty HTTP 200 answer is named as such, not "out of memory"
sim_start "$T/data" --fault-empty 1
dfconf
conv "$T/signed2" --sign streaming --key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase" --batch-id UP-EMPTY
rc=0
"$DF" upload "$T/signed2" >"$T/out" 2>"$T/err" || rc=$?
assert_eq "$rc" 4 "upload against empty answers"
assert_contains "$T/err" "empty answer"
assert_not_contains "$T/err" "out of memory"
rc=0
"$DF" status --no-wait >"$T/out" 2>"$T/err" || rc=$?
assert_eq "$rc" 4 "status against empty answers"
assert_contains "$T/err" "empty answer"
sim_stop
echo ok
