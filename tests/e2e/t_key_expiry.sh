#!/usr/bin/env bash
# Expiry ahead (issue 11): every command that loads the enterprise
# certificate warns when it ends within 30 days, naming the date; one
# valid for longer draws no warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
. "$(dirname "$0")/pki-extra.sh"

issue_extra soon "$A" "-1 day" "+10 days"
issue_extra later "$A" "-1 day" "+40 days"
when=$(date -u -d "$(openssl x509 -in "$T/soon.pem" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC')
seed "$T/data" "$A"
sim_start "$T/data"
conf() {
    sim_config "$T/$1.yaml" "workspace: $T/ws-$1" "certificate: {key: $T/$1.p12, passphrase_file: $PKI/passphrase}" \
        "upload: {attempts: 2, retry_base_ms: 20, status_timeout: 30}"
}
conf soon
conf later
# (standard error is not a terminal here: the line is a log line, "… drugflow[PID] warning: …")
warning="drugflow\[[0-9]*\] warning: the certificate in $T/soon.p12 (CN $A) expires on $when, in \(9\|10\) days: renew it"
for cmd in "catalog pull" "status" "upload"; do
    # shellcheck disable=SC2086
    "$DF" $cmd -c "$T/soon.yaml" >"$T/out" 2>"$T/err" || true
    assert_contains "$T/err" "$warning"
    # shellcheck disable=SC2086
    "$DF" $cmd -c "$T/later.yaml" >"$T/out" 2>"$T/err" || true
    assert_not_contains "$T/err" "warning: the certificate"
done
# config check and doctor show it as a check of its own.
for cmd in "config check" doctor; do
    # shellcheck disable=SC2086
    "$DF" $cmd -c "$T/soon.yaml" >"$T/out" 2>"$T/err" || true
    grep -qE "^expiry +WARN  the certificate expires on $when, in (9|10) days" "$T/out" || fail "$cmd: $(cat "$T/out")"
    # shellcheck disable=SC2086
    "$DF" $cmd -c "$T/later.yaml" >"$T/out" 2>"$T/err" || true
    grep -qE "^expiry +ok  " "$T/out" || fail "$cmd (40 days): $(cat "$T/out")"
done
rc=0
"$DF" convert -c "$T/soon.yaml" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 -o "$T/out-conv" --no-catalogs -q \
    "$ROOT/samples/exports/sale.csv" 2>"$T/conv.err" || rc=$?
[ "$rc" -le 1 ] || fail "convert exit $rc: $(cat "$T/conv.err")"
assert_contains "$T/conv.err" "$warning"
rc=0
"$DF" run -c "$T/soon.yaml" -m "$ROOT/samples/mappings/sale.yaml" -p 2026-10 --no-catalogs -q \
    "$ROOT/samples/exports/sale.csv" >/dev/null 2>"$T/run.err" || rc=$?
[ "$rc" -le 1 ] || fail "run exit $rc: $(cat "$T/run.err")"
assert_eq "$(grep -c "warning: the certificate" "$T/run.err")" 1 "one warning per run"
echo "expiry ahead is warned about, with the date"
