#!/usr/bin/env bash
# Through a corporate proxy (issue 11): tls.proxy, DRUGFLOW_PROXY and the
# standard https_proxy each take catalog pull and a whole run through a
# local CONNECT proxy (TLS stays end to end: the server still sees the
# enterprise certificate); `tls.proxy: none` goes direct; a proxy that is
# down, refuses the tunnel or wants credentials each gets its own message
# naming the proxy (its password masked); a malformed setting stops before
# anything is sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

PROXY=$BUILD/connect-proxy
[ -x "$PROXY" ] || fail "$PROXY is missing: make $PROXY"
PIDS=()
on_exit 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done'
proxy_start() { # NAME [options] — sets PP_NAME to its port
    local name=$1
    shift
    "$PROXY" --port-file "$T/$name.port" --log "$T/$name.log" "$@" &
    PIDS+=($!)
    local i
    for i in $(seq 1 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
    [ -s "$T/$name.port" ] || fail "the proxy $name did not start"
    touch "$T/$name.log"
    eval "PP_$name=$(cat "$T/$name.port")"
}
proxy_start open
proxy_start deny --deny
proxy_start auth --auth "$(printf 'ent:s3cret' | base64)"

seed "$T/data" "$A"
sim_start "$T/data"
dfconf() { # FILE [proxy setting]
    sim_config "$1" "tls: {ca: $PKI/ca.pem, connect_timeout: 5, transfer_timeout: 20${2:+, proxy: $2}}" \
        "upload: {parallel: 2, attempts: 2, retry_base_ms: 20, status_timeout: 60}"
}
tunnels() { grep -c "^CONNECT localhost:$PORT 200$" "$T/$1.log" || true; }
pull() { rc=0; "$DF" catalog pull -c "$@" >"$T/pull.out" 2>"$T/pull.err" || rc=$?; }

# tls.proxy: the catalogs and a whole run go through the tunnel.
dfconf "$T/p.yaml" "http://127.0.0.1:$PP_open"
pull "$T/p.yaml"
assert_eq "$rc" 0 "pull through tls.proxy: $(cat "$T/pull.err")"
[ "$(tunnels open)" -ge 1 ] || fail "no tunnel through the proxy"
rc=0
"$DF" run -c "$T/p.yaml" -q -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --chunk-records 5 \
    "$ROOT/samples/exports/sale.csv" >"$T/run.out" 2>"$T/run.err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/run.err"; fail "run through the proxy exited $rc"; }
assert_contains "$T/run.out" "PASSED"
log_has "$T/sim.log" "$A"
n_open=$(tunnels open)
# DRUGFLOW_PROXY, then https_proxy, with no tls.proxy.
dfconf "$T/d.yaml"
DRUGFLOW_PROXY=http://127.0.0.1:$PP_open pull "$T/d.yaml"
assert_eq "$rc" 0 "pull through DRUGFLOW_PROXY: $(cat "$T/pull.err")"
[ "$(tunnels open)" -gt "$n_open" ] || fail "DRUGFLOW_PROXY was not used"
n_open=$(tunnels open)
https_proxy=http://127.0.0.1:$PP_open pull "$T/d.yaml"
assert_eq "$rc" 0 "pull through https_proxy: $(cat "$T/pull.err")"
[ "$(tunnels open)" -gt "$n_open" ] || fail "https_proxy was not used"
# none: direct, even with https_proxy pointing at nothing.
dfconf "$T/n.yaml" none
https_proxy=http://127.0.0.1:1 pull "$T/n.yaml"
assert_eq "$rc" 0 "tls.proxy none goes direct: $(cat "$T/pull.err")"

# Failures: each names the proxy and says what to do.
dfconf "$T/down.yaml" "http://proxyuser:pw0rd@127.0.0.1:1"
pull "$T/down.yaml"
assert_eq "$rc" 4 "proxy down"
assert_contains "$T/pull.err" "through the proxy http://proxyuser:\*\*\*@127.0.0.1:1: is it running"
assert_not_contains "$T/pull.err" "pw0rd"
dfconf "$T/deny.yaml" "http://127.0.0.1:$PP_deny"
pull "$T/deny.yaml"
assert_eq "$rc" 4 "tunnel refused"
assert_contains "$T/pull.err" "the proxy http://127.0.0.1:$PP_deny refuses the tunnel to the server (HTTP 403)"
assert_eq "$(grep -c ' 403$' "$T/deny.log")" 1 "a refused tunnel is not retried"
dfconf "$T/noauth.yaml" "http://127.0.0.1:$PP_auth"
pull "$T/noauth.yaml"
assert_eq "$rc" 4 "credentials missing"
assert_contains "$T/pull.err" "asks for credentials (HTTP 407): give them in tls.proxy or DRUGFLOW_PROXY as http://USER:PASSWORD@host:port"
dfconf "$T/auth.yaml" "http://ent:s3cret@127.0.0.1:$PP_auth"
pull "$T/auth.yaml"
assert_eq "$rc" 0 "credentials given: $(cat "$T/pull.err")"
[ "$(tunnels auth)" -ge 1 ] || fail "no tunnel through the authenticating proxy"
dfconf "$T/bad.yaml" "ftp://127.0.0.1:21"
pull "$T/bad.yaml"
assert_eq "$rc" 2 "malformed proxy setting"
assert_contains "$T/pull.err" "tls.proxy (or DRUGFLOW_PROXY) 'ftp://127.0.0.1:21' is not a proxy address"
echo "the proxy carries every request, and its failures are clear"
