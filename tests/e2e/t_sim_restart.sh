#!/usr/bin/env bash
# tests/e2e/t_sim_restart.sh — drugflow-sim's state across restarts and its
# deferred processing: files wait PENDING under --defer-processing, are
# processed on SIGUSR1 or by a restart without it; FileIds, results and
# catalogs survive; --daemon with a pid file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
sim_start "$T/data" --defer-processing
signed "$T/f1.xml" "$A" 2026-10 5 1 0 ent-a
signed "$T/f2.xml" "$A" 2026-10 6 0 0 ent-a
signed "$T/f3.xml" "$A" 2026-10 7 0 0 ent-a
id1=$(upload a "$T/f1.xml")
id2=$(upload a "$T/f2.xml")
sleep 0.3
r=$(as a toDowloadFileDeal.do -d "fileId=$id1")
assert_eq "$(xval "$r" Status)" PENDING "deferred"
assert_eq "$(xval "$r" Total)" 0 "no counts while PENDING"
sim_stop

# A restart without --defer-processing resumes the PENDING files.
sim_start "$T/data"
r=$(result a "$id1")
assert_eq "$(xval "$r" Status)" PARTIAL "after restart: $r"
r=$(result a "$id2")
assert_eq "$(xval "$r" Status)" PASSED
# Duplicates are still recognised; catalogs are still there.
r=$(as a toUploadFile.do -F "file=@$T/f1.xml")
assert_eq "$(xval "$r" FileId)" "$id1"
assert_eq "$(xval "$r" Duplicate)" true
r=$(as a toContactsBusiness.do -d since=0)
assert_eq "$(xval "$r" Version)" 1
sim_stop

# Archiving a period after the fact: its files already received are still
# duplicates (Code 0), new content for it answers 2004.
sim_start "$T/data" --archived 2026-10
r=$(as a toUploadFile.do -F "file=@$T/f2.xml")
assert_eq "$(xval "$r" Code)" 0 "archived period, known file: $r"
assert_eq "$(xval "$r" Duplicate)" true
signed "$T/f4.xml" "$A" 2026-10 3 0 0 ent-a
r=$(as a toUploadFile.do -F "file=@$T/f4.xml")
assert_eq "$(xval "$r" Code)" 2004 "archived period, new file: $r"
sim_stop

# SIGUSR1 processes what --defer-processing left.
sim_start "$T/data" --defer-processing
id3=$(upload a "$T/f3.xml")
sleep 0.2
assert_eq "$(xval "$(as a toDowloadFileDeal.do -d "fileId=$id3")" Status)" PENDING
kill -USR1 "$SIM_PID"
r=$(result a "$id3")
assert_eq "$(xval "$r" Status)" PASSED "after SIGUSR1: $r"
sim_stop

# --daemon: returns once listening, prints the port, writes the pid file;
# SIGTERM removes it.
"$SIM" serve --daemon --pid-file "$T/sim.pid" --data "$T/data" --pki "$PKI" --port 0 \
    --port-file "$T/port2" --log "$T/daemon.log" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --schema "$ROOT/samples/schema/gd-v1.xsd" >"$T/daemon.out"
assert_file "$T/sim.pid"
dpid=$(cat "$T/sim.pid")
on_exit "kill -KILL $dpid 2>/dev/null"
grep -q "^port=$(cat "$T/port2")\$" "$T/daemon.out" || fail "daemon printed: $(cat "$T/daemon.out")"
PORT=$(cat "$T/port2")
URL=https://localhost:$PORT/data/clientAccept
r=$(as a toDowloadFileDeal.do -d "fileId=$id3")
assert_eq "$(xval "$r" Status)" PASSED "daemon serves the same state"
log_has "$T/daemon.log" "entry=toDowloadFileDeal.do outcome=code=0"
kill -TERM "$dpid"
for i in $(seq 1 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$dpid" 2>/dev/null && fail "daemon did not stop"
[ -e "$T/sim.pid" ] && fail "pid file left behind"
echo "t_sim_restart: ok"
