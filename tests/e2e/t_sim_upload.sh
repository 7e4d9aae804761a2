#!/usr/bin/env bash
# tests/e2e/t_sim_upload.sh — upload and processing in drugflow-sim: a signed
# file gets a FileId at once and PASSED or PARTIAL (with the right counts
# and error codes) once processed; duplicates; E_SIGNER, E_SIGNATURE,
# E_ENTERPRISE, E_SCHEMA; enterprises cannot read each other's results.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
seed "$T/data" "$B"
sim_start "$T/data"

# A clean file: PASSED.
signed "$T/good.xml" "$A" 2026-10 20 0 0 ent-a
id=$(upload ap12 "$T/good.xml")
[ ${#id} -eq 32 ] || fail "FileId '$id'"
r=$(result a "$id")
assert_eq "$(xval "$r" Status)" PASSED "clean file: $r"
assert_eq "$(xval "$r" Total)" 20
assert_eq "$(xval "$r" Passed)" 20
assert_eq "$(xval "$r" Failed)" 0
assert_eq "$(xval "$r" FileName)" good.xml

# Same bytes again: same FileId, Duplicate true.
r=$(as a toUploadFile.do -F "file=@$T/good.xml;type=application/xml")
assert_eq "$(xval "$r" FileId)" "$id" "duplicate FileId"
assert_eq "$(xval "$r" Duplicate)" true
assert_eq "$(ls "$T/data/$A/files" | wc -l)" 1 "one stored file"

# 3 unknown partners and 2 negative quantities among 10 records: PARTIAL.
signed "$T/partial.xml" "$A" 2026-10 10 3 2 ent-a
r=$(as a toUploadFile.do -F "file=@$T/partial.xml;type=application/xml")
assert_eq "$(xval "$r" Duplicate)" false
pid=$(xval "$r" FileId)
r=$(result a "$pid")
assert_eq "$(xval "$r" Status)" PARTIAL "partial: $r"
assert_eq "$(xval "$r" Total)" 10
assert_eq "$(xval "$r" Passed)" 5
assert_eq "$(xval "$r" Failed)" 5
assert_eq "$(printf '%s' "$r" | grep -o 'code="E_PARTNER_UNMATCHED"' | wc -l)" 3 "partner errors"
assert_eq "$(printf '%s' "$r" | grep -o 'code="E_NEGATIVE_QTY"' | wc -l)" 2 "quantity errors"
printf '%s' "$r" | grep -q '<Error seq="1" code="E_PARTNER_UNMATCHED">PartnerName' || fail "error seq: $r"
printf '%s' "$r" | grep -q '<Error seq="5" code="E_NEGATIVE_QTY">' || fail "error seq 5: $r"

# More than 100 failing records: at most 100 errors listed, all counted.
signed "$T/many.xml" "$A" 2026-10 150 120 0 ent-a
r=$(result a "$(upload a "$T/many.xml")")
assert_eq "$(xval "$r" Failed)" 120
assert_eq "$(printf '%s' "$r" | grep -o '<Error ' | wc -l)" 100 "error list capped"

# Signed by B, uploaded by A: E_SIGNER.
signed "$T/by-b.xml" "$A" 2026-10 4 0 0 ent-b
r=$(result a "$(upload a "$T/by-b.xml")")
assert_eq "$(xval "$r" Status)" FAILED
printf '%s' "$r" | grep -q 'code="E_SIGNER"' || fail "E_SIGNER: $r"

# Changed after signing: E_SIGNATURE.
sed 's/<Quantity>2</<Quantity>3</' "$T/good.xml" >"$T/tampered.xml"
cmp -s "$T/good.xml" "$T/tampered.xml" && fail "tampering changed nothing"
r=$(result a "$(upload a "$T/tampered.xml")")
assert_eq "$(xval "$r" Status)" FAILED
printf '%s' "$r" | grep -q 'code="E_SIGNATURE"' || fail "E_SIGNATURE: $r"

# Signed by A but its header names B: E_ENTERPRISE.
signed "$T/hdr-b.xml" "$B" 2026-10 4 0 0 ent-a
r=$(result a "$(upload a "$T/hdr-b.xml")")
printf '%s' "$r" | grep -q 'code="E_ENTERPRISE"' || fail "E_ENTERPRISE: $r"

# Validly signed but not matching the schema (a field missing): E_SCHEMA.
"$FIX" datafile "$T/u.xml" "$A" 2026-10 3
sed 's|<Unit>盒</Unit>||' "$T/u.xml" >"$T/u2.xml"
"$FIX" sign "$T/u2.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/schema.xml"
r=$(result a "$(upload a "$T/schema.xml")")
printf '%s' "$r" | grep -q 'code="E_SCHEMA"' || fail "E_SCHEMA: $r"

# Isolation: B sees nothing of A's files, by id or by time.
r=$(as b toDowloadFileDeal.do -d "fileId=$id")
assert_eq "$(xval "$r" Code)" 0
printf '%s' "$r" | grep -q '<FileId>' && fail "B reads A's result: $r"
r=$(as b toDowloadFileDeal.do -d since=2000-01-01T00:00:00Z)
printf '%s' "$r" | grep -q '<FileId>' && fail "B lists A's files: $r"
# A lists its own by time; several fileId at once.
r=$(as a toDowloadFileDeal.do --data-urlencode since=2000-01-01T00:00:00+08:00)
assert_eq "$(printf "%s" "$r" | grep -o "<File>" | wc -l)" 7 "A's files since 2000 (encoded)"
r=$(as a toDowloadFileDeal.do -d since=2000-01-01T00:00:00+08:00)
assert_eq "$(printf '%s' "$r" | grep -o '<File>' | wc -l)" 7 "A's files since 2000"
r=$(as a toDowloadFileDeal.do -d "fileId=$id" -d "fileId=$pid" -d fileId=unknown)
assert_eq "$(printf '%s' "$r" | grep -o '<File>' | wc -l)" 2 "two known ids"
r=$(as a toDowloadFileDeal.do -d since=2999-01-01)
assert_eq "$(printf '%s' "$r" | grep -o '<File>' | wc -l)" 0 "nothing in the future"
# The same bytes from B are B's own file.
signed "$T/b.xml" "$B" 2026-10 2 0 0 ent-b
r=$(result b "$(upload b "$T/b.xml")")
assert_eq "$(xval "$r" Status)" PASSED "B's own file: $r"
# The same new file from 6 clients at once: one FileId, exactly one
# Duplicate false, stored and processed once.
signed "$T/race.xml" "$A" 2026-10 30 0 0 ent-a
pids=()
for i in 1 2 3 4 5 6; do
    as a toUploadFile.do -F "file=@$T/race.xml" >"$T/race$i.out" &
    pids+=($!)
done
wait "${pids[@]}"
assert_eq "$(cat "$T"/race?.out | sed -n 's:.*<FileId>\([^<]*\)</FileId>.*:\1:p' | sort -u | wc -l)" 1 "one FileId"
assert_eq "$(cat "$T"/race?.out | grep -c '<Duplicate>false</Duplicate>')" 1 "one first upload"
rid=$(sed -n 's:.*<FileId>\([^<]*\)</FileId>.*:\1:p' "$T/race1.out")
assert_eq "$(xval "$(result a "$rid")" Status)" PASSED
assert_eq "$(sqlite3 "$T/data/$A/state.db" "select count(*) from files where id='$rid'")" 1
sim_stop

# 5000 when the processing queue is full: one worker busy with a big file,
# a queue of one.
sim_start "$T/data" --workers 1 --queue 1
signed "$T/big.xml" "$A" 2026-11 30000 0 0 ent-a
signed "$T/q1.xml" "$A" 2026-11 3 0 0 ent-a
signed "$T/q2.xml" "$A" 2026-11 4 0 0 ent-a
bid=$(upload a "$T/big.xml")
q1=$(upload a "$T/q1.xml")
r=$(as a toUploadFile.do -F "file=@$T/q2.xml")
assert_eq "$(xval "$r" Code)" 5000 "queue full: $r"
assert_eq "$(xval "$(result a "$bid")" Status)" PASSED
assert_eq "$(xval "$(result a "$q1")" Status)" PASSED
upload a "$T/q2.xml" >/dev/null
sim_stop
echo "t_sim_upload: ok"
