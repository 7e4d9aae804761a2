#!/usr/bin/env bash
# tests/e2e/t_verify_hostile_xml.sh — XML from users and from the network is parsed
# with no network access, no DTD loading and no entity expansion (issue 7):
# external-entity documents (file via a FIFO that would block the parser if
# it were opened; http to a local listener that records any connection;
# external DTD; parameter entity) and a billion-laughs document, given to
# `drugflow verify` and uploaded to drugflow-sim, are refused quickly, in
# little memory, touching neither the FIFO nor the listener.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

mkfifo "$T/fifo"
# A TCP listener that writes $T/connected if anything connects to it.
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
open(sys.argv[1] + "/listener-port", "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); open(sys.argv[1] + "/connected", "w").write("yes"); c.close()
' "$T" &
LISTENER=$!
on_exit "kill $LISTENER"
for i in $(seq 1 100); do [ -s "$T/listener-port" ] && break; sleep 0.05; done
LPORT=$(cat "$T/listener-port")

head='<?xml version="1.0" encoding="UTF-8"?>'
body='<DataFile version="1.0"><Header><EnterpriseCode>&e;</EnterpriseCode></Header></DataFile>'
printf '%s\n<!DOCTYPE DataFile [<!ENTITY e SYSTEM "file://%s/fifo">]>\n%s\n' "$head" "$T" "$body" >"$T/xxe-file.xml"
printf '%s\n<!DOCTYPE DataFile [<!ENTITY e SYSTEM "http://127.0.0.1:%s/e">]>\n%s\n' "$head" "$LPORT" "$body" \
    >"$T/xxe-http.xml"
printf '%s\n<!DOCTYPE DataFile SYSTEM "http://127.0.0.1:%s/d.dtd">\n<DataFile/>\n' "$head" "$LPORT" >"$T/dtd-http.xml"
printf '%s\n<!DOCTYPE DataFile SYSTEM "file://%s/fifo">\n<DataFile/>\n' "$head" "$T" >"$T/dtd-file.xml"
printf '%s\n<!DOCTYPE DataFile [<!ENTITY %% p SYSTEM "file://%s/fifo"> %%p;]>\n<DataFile/>\n' "$head" "$T" \
    >"$T/param.xml"
{
    printf '%s\n<!DOCTYPE DataFile [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n' "$head"
    prev=a
    for n in b c d e f g h i j k; do
        printf '<!ENTITY %s "%s">\n' "$n" "$(for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$prev"; done)"
        prev=$n
    done
    printf ']>\n<DataFile version="1.0"><Header><EnterpriseCode>&k;</EnterpriseCode></Header></DataFile>\n'
} >"$T/laughs.xml"
# The same attacks after a validly signed file's XML declaration (the
# signature no longer matters: the DOCTYPE must be refused first).
signed "$T/good.xml" "$A" 2026-10 2 0 0 ent-a
sed "1a <!DOCTYPE DataFile [<!ENTITY e SYSTEM \"file://$T/fifo\">]>" "$T/good.xml" |
    sed 's|<EnterpriseName>[^<]*</EnterpriseName>|<EnterpriseName>\&e;</EnterpriseName>|' >"$T/signed-xxe.xml"
grep -q '&e;' "$T/signed-xxe.xml" || fail "signed-xxe.xml not made"
evil=(xxe-file xxe-http dtd-http dtd-file param laughs signed-xxe)

# drugflow verify: each refused for its DOCTYPE, fast, in bounded memory
# (2 GB of address space; not under ASan, which reserves terabytes).
vlimit=2000000
case "$(ldd "$DF" 2>/dev/null)" in *libasan*) vlimit=unlimited ;; esac
"$DF" verify --ca "$PKI/ca.pem" "$T/good.xml" >/dev/null || fail "the good file does not verify"
for f in "${evil[@]}"; do
    rc=0
    out=$( (ulimit -v "$vlimit"; timeout 20 "$DF" verify --ca "$PKI/ca.pem" "$T/$f.xml") 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || fail "verify $f: exit $rc (124 = hung on the FIFO or the network): $out"
    case "$out" in *"DOCTYPE declaration is not allowed"*) ;; *) fail "verify $f: $out" ;; esac
done
rc=0
out=$(timeout 20 "$DF" verify --json --ca "$PKI/ca.pem" "$T/laughs.xml") || rc=$?
[ "$rc" -eq 1 ] || fail "verify --json laughs: exit $rc"
case "$out" in *'"valid":false'*DOCTYPE*) ;; *) fail "verify --json: $out" ;; esac

# drugflow-sim: uploads refused with 2003 before anything is expanded or
# fetched; the server keeps serving.
seed "$T/data" "$A"
sim_start "$T/data"
for f in "${evil[@]}"; do
    r=$(as a toUploadFile.do -F "file=@$T/$f.xml;type=application/xml")
    assert_eq "$(xval "$r" Code)" 2003 "upload $f: $r"
    case "$r" in *DOCTYPE*) ;; *) fail "upload $f: message should name the DOCTYPE: $r" ;; esac
done
id=$(upload a "$T/good.xml")
r=$(result a "$id")
assert_eq "$(xval "$r" Status)" PASSED "good file after the attacks: $r"
sim_stop

[ ! -e "$T/connected" ] || fail "something connected to the listener: a parser fetched over the network"
echo "external entities, external DTDs and billion laughs refused by verify and drugflow-sim"
