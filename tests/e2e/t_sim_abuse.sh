#!/usr/bin/env bash
# tests/e2e/t_sim_abuse.sh — drugflow-sim under load and abuse: 260
# connections that never finish the TLS handshake (silent, or trickling a
# byte at a time) do not lock an honest client out; the archived-period
# check (2004) finds the Header behind any padding, and a file whose Header
# cannot be read at upload is 2003; TERM stops the server within moments
# while a worker is busy, the file left PENDING and processed after the
# restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
IDLE=$BUILD/idle-conns
seed "$T/data" "$A"
code_of() { xval "$1" Code; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- idle and trickling connections ----
sim_start "$T/data" --connection-timeout 3 --handshake-timeout 2
# 260 silent connections from one address (127.0.0.2): at most 64 are
# taken, and an honest client elsewhere is answered at once.
"$IDLE" 127.0.0.1 "$PORT" 260 5 127.0.0.2 >"$T/idle.out" &
idle=$!
for i in $(seq 50); do grep -q ready "$T/idle.out" && break; sleep 0.1; done
grep -q "ready connected=260" "$T/idle.out" || fail "idle connections not open: $(cat "$T/idle.out")"
t0=$(date +%s%N)
r=$(as a toDowloadFileDeal.do -d since=2026-01-01 --max-time 5) || true
assert_eq "$(code_of "$r")" 0 "honest request beside 260 idle connections: $r"
[ "$(ms_since "$t0")" -lt 3000 ] || fail "the honest request waited $(ms_since "$t0") ms"
wait "$idle"
# every silent connection was closed: refused over the per-address limit,
# or timed out (the handshake included) after 3 s
grep -q "done connected=260 closed=260" "$T/idle.out" || fail "silent connections left open: $(cat "$T/idle.out")"
# 260 from the honest client's own address: after the timeout it gets in
"$IDLE" 127.0.0.1 "$PORT" 260 5 127.0.0.1 >"$T/idle2.out" &
idle=$!
for i in $(seq 50); do grep -q ready "$T/idle2.out" && break; sleep 0.1; done
t0=$(date +%s%N)
ok=0
while [ "$(ms_since "$t0")" -lt 7000 ]; do
    r=$(as a toDowloadFileDeal.do -d since=2026-01-01 --max-time 2 2>/dev/null) || true
    [ "$(code_of "$r")" = 0 ] && { ok=1; break; }
    sleep 0.2
done
[ "$ok" = 1 ] || fail "the honest client never got in beside 260 idle connections of its own address"
wait "$idle"
# a handshake trickling a byte every 300 ms is cut at --handshake-timeout
"$IDLE" 127.0.0.1 "$PORT" 5 4 127.0.0.3 300 >"$T/trickle.out"
grep -q "done connected=5 closed=5" "$T/trickle.out" || fail "trickling handshakes kept open: $(cat "$T/trickle.out")"
sim_stop
sim_start "$T/data" --connection-timeout 30 --handshake-timeout 30
"$IDLE" 127.0.0.1 "$PORT" 5 3 127.0.0.3 300 >"$T/trickle2.out"
grep -q "closed=0" "$T/trickle2.out" || fail "the trickle test proves nothing: $(cat "$T/trickle2.out")"
sim_stop

# ---- the Header is found wherever it is ----
sim_start "$T/data" --archived 2026-09
"$FIX" datafile "$T/u.xml" "$A" 2026-09 3
pad=$(head -c 100000 /dev/zero | tr '\0' ' ')
# 100 KB of whitespace, then of a comment, before the Header
sed "s|^<Header>|$pad<Header>|" "$T/u.xml" >"$T/pad-ws.xml"
sed "s|^<Header>|<!--$pad--><Header>|" "$T/u.xml" >"$T/pad-comment.xml"
"$FIX" sign "$T/pad-ws.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/pad-ws-signed.xml"
for f in pad-ws pad-comment pad-ws-signed; do
    r=$(as a toUploadFile.do -F "file=@$T/$f.xml;type=application/xml")
    assert_eq "$(code_of "$r")" 2004 "$f: archived period behind padding: $r"
done
# the same padding with a period that is not archived: accepted and PASSED
sed 's|<Period>2026-09</Period>|<Period>2026-10</Period>|; s|2026-09-15|2026-10-15|g; s|2026-09-SALE|2026-10-SALE|' \
    "$T/pad-ws.xml" >"$T/pad-oct.xml"
"$FIX" sign "$T/pad-oct.xml" "$PKI/ent-a.p12" "$PKI/passphrase" "$T/pad-oct-signed.xml"
r=$(result a "$(upload a "$T/pad-oct-signed.xml")")
assert_eq "$(xval "$r" Status)" PASSED "padded, not archived: $r"
# a Header that cannot be read at upload is 2003, however far in
"$FIX" datafile "$T/o.xml" "$A" 2026-10 3
sed '/^<Header>/,/^<\/Header>/d' "$T/o.xml" >"$T/noheader.xml"
sed '/<Period>/d' "$T/o.xml" >"$T/noperiod.xml"
sed 's|<Period>2026-10</Period>|<Period>2026-13</Period>|' "$T/o.xml" >"$T/badperiod.xml"
sed 's|<Period>2026-10</Period>|<Period>2026-10</Period><Period>2026-09</Period>|' "$T/o.xml" >"$T/twoperiods.xml"
sed "s|^<Header>|$pad<Header>|" "$T/o.xml" >"$T/padded-o.xml"
head -c 100150 "$T/padded-o.xml" >"$T/cutheader.xml"
for f in noheader noperiod badperiod twoperiods cutheader; do
    r=$(as a toUploadFile.do -F "file=@$T/$f.xml;type=application/xml")
    assert_eq "$(code_of "$r")" 2003 "$f: $r"
done
r=$(as a toUploadFile.do -F "file=@$T/noheader.xml;type=application/xml")
printf '%s' "$r" | grep -q "Header" || fail "2003 does not name the Header: $r"
sim_stop

# ---- TERM while a worker is busy ----
signed "$T/slow.xml" "$A" 2026-10 2000 0 0 ent-a
sim_start "$T/data" --workers 1 --record-delay-us 5000   # 2000 records: 10 s of processing
id=$(upload a "$T/slow.xml")
for i in $(seq 100); do
    st=$(xval "$(as a toDowloadFileDeal.do -d "fileId=$id")" Status)
    [ "$st" = PROCESSING ] && break
    sleep 0.05
done
assert_eq "$st" PROCESSING "the file is being processed"
sleep 0.5
t0=$(date +%s%N)
sim_stop
[ "$(ms_since "$t0")" -lt 2000 ] || fail "TERM took $(ms_since "$t0") ms while a worker was busy"
# (drugflow-sim stores a file's state as its number: 0 is pending, mapping/protocol.h)
assert_eq "$(sqlite3 "$T/data/$A/state.db" "select status from files where id='$id'")" 0 "left pending"
sim_start "$T/data"
r=$(result a "$id")
assert_eq "$(xval "$r" Status)" PASSED "processed after the restart: $r"
assert_eq "$(xval "$r" Total)" 2000 "every record, from the start"
sim_stop
echo ok
