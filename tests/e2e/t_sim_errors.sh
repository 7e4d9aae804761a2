#!/usr/bin/env bash
# tests/e2e/t_sim_errors.sh — drugflow-sim's error answers (2001, 2002, 2003,
# 2004) and its robustness: malformed multipart bodies, huge headers and
# oversized files get an answer and the server keeps serving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
sim_start "$T/data" --max-upload 200K --max-inflight 300K --archived 2026-08,2026-09
alive() {
    local r
    r=$(as a toOperationCommodity.do -d since=0)
    assert_eq "$(xval "$r" Code)" 0 "server still serving after $1"
}
code_of() { xval "$1" Code; }

# 2001: missing parameters and parts.
assert_eq "$(code_of "$(as a toOperationCommodity.do -X POST)")" 2001 "no since"
assert_eq "$(code_of "$(as a toOperationCommodity.do -d since=abc)")" 2001 "bad since"
assert_eq "$(code_of "$(as a toDowloadFileDeal.do -X POST)")" 2001 "no fileId/since"
assert_eq "$(code_of "$(as a toDowloadFileDeal.do -d since=yesterday)")" 2001 "bad time"
ids=$(for i in $(seq 1 101); do printf -- '-d fileId=%032d ' "$i"; done)
# shellcheck disable=SC2086
assert_eq "$(code_of "$(as a toDowloadFileDeal.do $ids)")" 2001 "101 fileIds"
assert_eq "$(code_of "$(as a toUploadFile.do -F other=x)")" 2001 "no file part"
assert_eq "$(code_of "$(as a toUploadFile.do -X POST)")" 2001 "no body"
assert_eq "$(code_of "$(as a toUploadFile.do --data-binary @/dev/null -H 'Content-Type: text/plain')")" 2001 \
    "not multipart"
# A malformed multipart body (boundary never matches, truncated part).
printf -- '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.xml"\r\n\r\n<DataFile' >"$T/bad-mp"
r=$(as a toUploadFile.do -H 'Content-Type: multipart/form-data; boundary=XYZ' --data-binary @"$T/bad-mp")
assert_eq "$(code_of "$r")" 2001 "truncated multipart: $r"
r=$(as a toUploadFile.do -H 'Content-Type: multipart/form-data' --data-binary @"$T/bad-mp")
assert_eq "$(code_of "$r")" 2001 "multipart without boundary: $r"
alive "malformed multipart"

# 2003: not XML, not well-formed, wrong root, DOCTYPE.
echo "DrugCode,PackSpec" >"$T/x.csv"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/x.csv")")" 2003 "CSV"
"$FIX" datafile "$T/u.xml" "$A" 2026-10 3
head -c 1000 "$T/u.xml" >"$T/trunc.xml"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/trunc.xml")")" 2003 "truncated XML"
printf '<?xml version="1.0"?>\n<Other/>\n' >"$T/root.xml"
r=$(as a toUploadFile.do -F "file=@$T/root.xml")
assert_eq "$(code_of "$r")" 2003 "wrong root"
printf '%s' "$r" | grep -q 'Other' || fail "message names the root: $r"
printf '<?xml version="1.0"?>\n<!DOCTYPE DataFile [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<DataFile>&b;</DataFile>\n' >"$T/dtd.xml"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/dtd.xml")")" 2003 "DOCTYPE"

# 2004: an archived period.
signed "$T/sep.xml" "$A" 2026-09 2 0 0 ent-a
r=$(as a toUploadFile.do -F "file=@$T/sep.xml")
assert_eq "$(code_of "$r")" 2004 "archived period"
printf '%s' "$r" | grep -q '2026-09' || fail "message names the period: $r"
signed "$T/oct.xml" "$A" 2026-10 2 0 0 ent-a
upload a "$T/oct.xml" >/dev/null

# 2002: too large (by Content-Length, answered early).
signed "$T/big.xml" "$A" 2026-10 600 0 0 ent-a
[ "$(stat -c %s "$T/big.xml")" -gt 204800 ] || fail "big.xml not big"
r=$(as a toUploadFile.do -F "file=@$T/big.xml")
assert_eq "$(code_of "$r")" 2002 "too large: $r"
# ... and by counting, for a chunked body without a length.
r=$(as a toUploadFile.do -H 'Transfer-Encoding: chunked' -F "file=@$T/big.xml")
assert_eq "$(code_of "$r")" 2002 "too large, chunked: $r"
# A body far beyond the limit.
head -c 8000000 /dev/zero >"$T/zeros"
r=$(as a toUploadFile.do -F "file=@$T/zeros" || true)
assert_eq "$(code_of "$r")" 2002 "8 MB of zeros: $r"
alive "oversized bodies"

# 5000 busy: one slow upload holds 150 KB of the 300 KB allowed in memory.
signed "$T/mid.xml" "$A" 2026-10 260 0 0 ent-a
[ "$(stat -c %s "$T/mid.xml")" -gt 153600 ] || fail "mid.xml too small"
as a toUploadFile.do -F "file=@$T/mid.xml" --limit-rate 20k -o /dev/null 2>/dev/null &
slow=$!
sleep 0.5
r=$(as a toUploadFile.do -F "file=@$T/mid.xml")
assert_eq "$(code_of "$r")" 5000 "busy: $r"
kill "$slow" 2>/dev/null || true
wait "$slow" 2>/dev/null || true
for i in $(seq 1 50); do
    r=$(as a toUploadFile.do -F "file=@$T/mid.xml")
    [ "$(code_of "$r")" = 0 ] && break
    sleep 0.1
done
assert_eq "$(code_of "$r")" 0 "memory released after the slow client left: $r"

# Huge headers: an HTTP error (431/413/400) or a closed connection, never a hang.
{ printf 'X-Big: '; head -c 300000 /dev/zero | tr '\0' 'x'; echo; } >"$T/big-header"
st=$(as a toOperationCommodity.do -d since=0 -H @"$T/big-header" -o /dev/null -w '%{http_code}' || true)
case "$st" in 4*|000) ;; *) fail "huge header answered $st" ;; esac
alive "huge headers"

# Not an entry; not POST.
st=$(as a nothing.do -d since=0 -o /dev/null -w '%{http_code}')
assert_eq "$st" 404 "unknown entry"
st=$(as a toOperationCommodity.do -o /dev/null -w '%{http_code}')
assert_eq "$st" 405 "GET"
alive "bad requests"
sim_stop

# By default (--upload-check header) a file broken after its first 64 KiB
# is accepted and FAILED in processing (E_SCHEMA); --upload-check full
# answers 2003 at once. Non-XML and a wrong root are 2003 either way.
signed "$T/long.xml" "$A" 2026-10 400 0 0 ent-a
head -c 150000 "$T/long.xml" >"$T/cut.xml"
sim_start "$T/data"
r=$(result a "$(upload a "$T/cut.xml")")
assert_eq "$(xval "$r" Status)" FAILED "cut file: $r"
printf '%s' "$r" | grep -q 'code="E_SCHEMA">not well-formed' || fail "cut file error: $r"
sim_stop
sim_start "$T/data" --upload-check full
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/cut.xml")")" 2003 "cut file, full check"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/x.csv")")" 2003 "CSV, full check"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/root.xml")")" 2003 "root, full check"
assert_eq "$(code_of "$(as a toUploadFile.do -F "file=@$T/dtd.xml")")" 2003 "DOCTYPE, full check"
sim_stop
echo "t_sim_errors: ok"
