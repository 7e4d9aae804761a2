#!/usr/bin/env bash
# tests/e2e/t_sim_tls.sh — drugflow-sim's mutual TLS: a client without a
# certificate, with an expired one or with one from a foreign CA is refused
# in the handshake (TLS 1.2 and 1.3); a registered enterprise is served with
# PEM or PKCS#12 credentials; an unregistered one gets Code 1001; --help.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

for cmd in serve seed catalog-add catalog-delete; do
    "$SIM" "$cmd" --help >"$T/help" || fail "$cmd --help failed"
    assert_contains "$T/help" "Exit status"
done
expect_status 2 "$SIM" serve --no-such-option
expect_status 2 "$SIM"

seed "$T/data" "$A"
sim_start "$T/data"

req='POST /data/clientAccept/toOperationCommodity.do HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsince=0'
# probe NAME VERSION [s_client cert options] — prints what the server answered.
probe() {
    local name=$1 v=$2
    shift 2
    printf "$req" | timeout 10 openssl s_client -brief -ign_eof -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" \
        "$v" "$@" >"$T/probe-$name$v" 2>&1 || echo "rc=$?" >>"$T/probe-$name$v"
}
for v in -tls1_2 -tls1_3; do
    probe none "$v"
    probe expired "$v" -cert "$PKI/expired.pem" -key "$PKI/expired.key" -pass "pass:$PASS"
    probe foreign "$v" -cert "$PKI/foreign.pem" -key "$PKI/foreign.key" -pass "pass:$PASS"
    probe good "$v" -cert "$PKI/ent-a.pem" -key "$PKI/ent-a.key" -pass "pass:$PASS"
    for n in none expired foreign; do
        assert_not_contains "$T/probe-$n$v" "HTTP/1.1"
    done
    assert_contains "$T/probe-good$v" "HTTP/1.1 200"
    assert_contains "$T/probe-good$v" "<Code>0</Code>"
done
# In TLS 1.2 the client's certificate is part of the handshake proper: the
# refused clients never see it complete.
for n in none expired foreign; do
    assert_not_contains "$T/probe-$n-tls1_2" "CONNECTION ESTABLISHED"
    assert_contains "$T/probe-$n-tls1_2" "rc="
done
# TLS 1.1 is refused.
if printf '' | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cert "$PKI/ent-a.pem" \
    -key "$PKI/ent-a.key" -pass "pass:$PASS" >"$T/tls11" 2>&1; then
    grep -q "Cipher is (NONE)" "$T/tls11" || fail "TLS 1.1 accepted"
fi

# curl with PEM and with PKCS#12.
r=$(as a toOperationCommodity.do -d since=0)
assert_eq "$(xval "$r" Code)" 0 "PEM client"
assert_eq "$(xval "$r" Version)" 1
r=$(as ap12 toContactsBusiness.do -d since=0)
assert_eq "$(xval "$r" Code)" 0 "PKCS#12 client"
printf '%s' "$r" | grep -q '<Partner op="ADD"><Name>广州市越秀区康民大药房</Name>' || fail "partners: $r"
# B's certificate is valid but B is not registered.
r=$(as b toOperationCommodity.do -d since=0)
assert_eq "$(xval "$r" Code)" 1001 "unregistered enterprise"
# The server certificate is for localhost and 127.0.0.1 and verifies.
curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/ent-a.pem" --key "$PKI/ent-a.key" --pass "$PASS" \
    "https://127.0.0.1:$PORT/data/clientAccept/toContactsBusiness.do" -d since=0 | grep -q '<Code>0</Code>'
# One log line per request with enterprise, entry, outcome and milliseconds.
log_has "$T/sim.log" "enterprise=$A entry=toContactsBusiness.do outcome=code=0 http=200 ms="
# SIGHUP reopens the log (rotation).
mv "$T/sim.log" "$T/sim.log.1"
kill -HUP "$SIM_PID"
sleep 0.2
as a toOperationCommodity.do -d since=5 >/dev/null
log_has "$T/sim.log" "entry=toOperationCommodity.do"
sim_stop
echo "t_sim_tls: ok"
