#!/usr/bin/env bash
# `drugflow doctor` (issue 11): every check passes against drugflow-sim
# with a good setup (exit 0, --json for monitoring); then each thing that
# can be wrong before a month's batch is broken in turn, and the doctor
# names it, says what to do, and exits 1 — or warns and exits 0 for what
# is not yet a failure (a certificate ending soon, old catalogs, results
# still pending). `config check` (its subset) keeps its exit codes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
. "$(dirname "$0")/pki-extra.sh"

seed "$T/data" "$A"
sim_start "$T/data" --archived 2026-09
GOOD_URL=$URL
issue_extra soon "$A" "-1 day" "+12 days"
issue_extra nosign "$A" "-1 day" "+400 days" "critical,keyEncipherment" "emailProtection"

# conf NAME [KEY=VALUE...] — $T/NAME.yaml from the good settings with some replaced.
conf() {
    local name=$1
    shift
    local key=$PKI/ent-a.p12 pass=$PKI/passphrase code=$A ca=$PKI/ca.pem certca=$PKI/ca.pem url=$GOOD_URL/ \
        ws=$T/ws cats=
    local kv
    for kv in "$@"; do eval "${kv%%=*}=\"\${kv#*=}\""; done
    cat >"$T/$name.yaml" <<CONF
enterprise: {code: $code, name: 广州样例医药连锁有限公司}
endpoint: $url
workspace: $ws
${cats:+catalogs: $cats}
tls: {ca: $ca, connect_timeout: 3, transfer_timeout: 10}
certificate: {key: "$key", passphrase_file: $pass, ca: $certca}
upload: {parallel: 2, attempts: 2, retry_base_ms: 20, status_timeout: 20}
CONF
}
# doc NAME WANT_RC CHECK STATUS PATTERN [doctor args...] — runs doctor -c $T/NAME.yaml;
# the line of CHECK must have STATUS and PATTERN (and a "→" fix line when not ok).
doc() {
    local name=$1 want=$2 check=$3 status=$4 pattern=$5
    shift 5
    rc=0
    "$DF" doctor -c "$T/$name.yaml" "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$T/$name.out" "$T/$name.err"; fail "$name: doctor exited $rc, not $want"; }
    grep -qE "^$check +$status  .*$pattern" "$T/$name.out" ||
        { cat "$T/$name.out"; fail "$name: no '$check $status … $pattern' line"; }
    if [ "$status" != ok ]; then
        grep -A1 -E "^$check +$status " "$T/$name.out" | grep -q "^ \+→ " ||
            { cat "$T/$name.out"; fail "$name: no fix under the $check line"; }
    fi
}

# All good: pull the catalogs first; every check passes, the chain too.
conf good
"$DF" catalog pull -c "$T/good.yaml" >/dev/null
doc good 0 certificate ok "key and certificate of $A, matching" "$ROOT/samples/exports/sale.csv"
for c in config enterprise profile ca certificate identity expiry "key usage" chain workspace endpoint dns tcp \
    tls server clock disk catalogs journal; do
    grep -qE "^$c +ok  " "$T/good.out" || { cat "$T/good.out"; fail "check $c did not pass"; }
done
assert_not_contains "$T/good.out" "FAIL"
assert_contains "$T/good.out" "clocks agree"
assert_contains "$T/good.out" "issued by the CA in $PKI/ca.pem"
"$DF" doctor -c "$T/good.yaml" --json >"$T/good.json"
assert_contains "$T/good.json" '"check": "tls", "status": "ok", "ok": true'
assert_contains "$T/good.json" '"failed": 0, "warnings": 0, "exit": 0}'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/good.json" 2>/dev/null ||
    { command -v python3 >/dev/null && fail "--json is not one JSON document"; }
# A minimal machine or container has no /etc/hosts: localhost is still the loopback address, as curl
# resolves it (RFC 6761), and the doctor must not stop at "does not resolve" (a fresh Debian root did).
if unshare -m true 2>/dev/null; then
    : >"$T/nohosts"
    unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$T/nohosts" \
        "$DF" doctor -c "$T/good.yaml" >"$T/nohosts.out" 2>&1 || { cat "$T/nohosts.out"; fail "doctor without /etc/hosts"; }
    grep -qE "^dns +ok +server localhost resolves to .*127\.0\.0\.1" "$T/nohosts.out" ||
        { cat "$T/nohosts.out"; fail "localhost without /etc/hosts"; }
else
    echo "note: no mount namespace here (not root); localhost without /etc/hosts not checked"
fi
"$DF" config check -c "$T/good.yaml" >"$T/cc.out" || { cat "$T/cc.out"; fail "config check fails"; }
assert_not_contains "$T/cc.out" "catalogs"

# The configuration and the certificate.
printf 'enterprise: {code: %s\ntls: [\n' "$A" >"$T/broken.yaml"
doc broken 1 config FAIL "$T/broken.yaml:[0-9]+"
conf wrongpass pass="$T/wrong"
printf 'nope\n' >"$T/wrong"
chmod 600 "$T/wrong"
doc wrongpass 1 certificate FAIL "wrong passphrase for $PKI/ent-a.p12"
conf expired key="$PKI/expired.p12" code=91440101MA59EXPIRD
doc expired 1 certificate FAIL "expired on"
conf other key="$PKI/ent-b.p12"
doc other 1 identity FAIL "issued to $B, not to the configured enterprise $A"
conf soon key="$T/soon.p12"
doc soon 0 expiry WARN "the certificate expires on [0-9-]+ [0-9:]+ UTC, in 1[12] days"
conf nosign key="$T/nosign.p12"
doc nosign 1 "key usage" FAIL "does not allow digital signatures"
conf foreign key="$PKI/foreign.p12" code=91440101MA59FOREIG
doc foreign 1 chain FAIL "does not chain to $PKI/ca.pem"
# The way to the server.
conf wrongca ca="$PKI/foreign-ca.pem"
doc wrongca 1 tls FAIL "" && assert_contains "$T/wrongca.out" "not signed by a CA drugflow trusts: set tls.ca"
sim_start "$T/data" --listen 127.0.0.2
conf hostname url="https://127.0.0.2:$PORT/data/clientAccept/"
doc hostname 1 tls FAIL "" && assert_contains "$T/hostname.out" "not for this host name"
conf nodns url="https://drugflow-doctor.invalid/data/clientAccept/"
doc nodns 1 dns FAIL "drugflow-doctor.invalid does not resolve"
grep -qE "^tcp +skip " "$T/nodns.out" || fail "later steps not skipped after DNS"
conf down url="https://localhost:1/data/clientAccept/"
doc down 1 tcp FAIL "no TCP connection to localhost port 1"
# A clock two hours ahead (faketime shifts this process's clock only).
command -v faketime >/dev/null || fail "faketime is missing (Debian: faketime; 'make deps' installs it)"
# (faketime is an LD_PRELOAD library: an ASan build must be told to accept it first.)
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    faketime -f '+2h' "$DF" doctor -c "$T/good.yaml" >"$T/skew.out" 2>&1 || true
grep -qE "^clock +FAIL  this machine's clock is 7[12][0-9][0-9] s ahead of the server's" "$T/skew.out" ||
    { cat "$T/skew.out"; fail "a clock 2 h ahead is not a clock FAIL"; }
# The workspace, catalogs, disk and journal.
conf nocats ws="$T/ws-fresh"
doc nocats 1 catalogs FAIL "the commodity catalog is not in the workspace"
sqlite3 "$T/ws/journal.sqlite" "update catalog_versions set pulled = '2026-01-01T00:00:00Z' where cat = 'partner'"
doc good 0 catalogs WARN "the partner catalog is [0-9]+ days old"
touch "$T/afile"
conf nows ws="$T/afile/ws"
doc nows 1 workspace FAIL "$T/afile/ws"
doc good 0 disk ok "free in $T/ws"
doc good 1 disk FAIL "a batch needs about" --expect 900000G
"$DF" run -c "$T/good.yaml" -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --no-catalogs --no-status \
    "$ROOT/samples/exports/sale.csv" >/dev/null 2>&1 || true
doc good 0 journal WARN "uploaded and waiting for the server's results"
conf unsent url="https://localhost:1/data/clientAccept/" ws="$T/ws-unsent"
"$DF" run -c "$T/unsent.yaml" -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --no-catalogs \
    "$ROOT/samples/exports/sale.csv" >/dev/null 2>&1 || true
doc unsent 1 journal FAIL "1 chunk\(s\) written but not on the server yet \(first in batch 2026-10-SALE-01\)" --offline
# A chunk the server refused for good: a period it has archived (Code 2004).
conf refused ws="$T/ws-refused"
"$DF" run -c "$T/refused.yaml" -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-09 --no-catalogs \
    "$ROOT/samples/exports/sale.csv" >/dev/null 2>&1 || true
doc refused 1 journal FAIL "1 chunk\(s\) refused by the server; first: 2026-09-SALE-01_00001.xml: Code 2004"
# An enterprise the server does not know: the server step says Code 1001.
conf unknown key="$PKI/ent-b.p12" code="$B" ws="$T/ws-unknown"
doc unknown 1 server FAIL "Code 1001"
"$DF" doctor -c "$T/refused.yaml" --json >"$T/refused.json" || true
assert_contains "$T/refused.json" '"check": "journal", "status": "fail", "ok": false'
assert_contains "$T/refused.json" '"exit": 1}'
# Bad input to the doctor itself.
expect_status 2 "$DF" doctor --expect lots
expect_status 2 "$DF" doctor --catalog-max-age 0
doc good 1 input FAIL "$T/missing.csv" "$T/missing.csv"
# config check: 2 for a local problem, 4 for the network, as before.
expect_status 2 "$DF" config check -c "$T/wrongpass.yaml"
expect_status 4 "$DF" config check -c "$T/down.yaml"
echo "the doctor finds what a batch needs and says what to do"
