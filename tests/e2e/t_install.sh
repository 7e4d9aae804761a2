#!/usr/bin/env bash
# tests/e2e/t_install.sh — make install and make uninstall (issue 16):
#  - `make install-only DESTDIR=D PREFIX=P SYSCONFDIR=E` puts the binaries,
#    man pages, completion, shipped files, docs, systemd units (their paths
#    following PREFIX) and the example configuration under D, and nothing
#    elsewhere;
#  - the installed binaries find the shipped profile and schema by
#    themselves, and the example configuration loads;
#  - the installed month-end job (what drugflow@NAME.service runs), with the
#    environment the unit gives it (key and passphrase as credentials, the
#    workspace in the state directory), pulls the catalogs and runs every
#    mapping's export of the period against drugflow-sim; a mapping without
#    its export fails the job and names the file;
#  - a second install keeps a changed configuration; `make uninstall` removes
#    everything but E/drugflow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

D=$T/root P=/opt/df E=/opt/df/etc
vars=(DESTDIR="$D" PREFIX="$P" SYSCONFDIR="$E" BUILD="$BUILD")
command -v scdoc >/dev/null || fail "scdoc is missing (Debian package scdoc; make deps-test installs it)"
make -C "$ROOT" --no-print-directory -s install-only "${vars[@]}" >"$T/install.log" 2>&1 \
    || { cat "$T/install.log"; fail "make install-only failed"; }

for f in bin/drugflow bin/drugflow-sim share/man/man1/drugflow.1 share/man/man1/drugflow-sim.1 \
         share/man/man5/drugflow.yaml.5 share/man/man5/drugflow-mapping.5 \
         share/bash-completion/completions/drugflow share/bash-completion/completions/drugflow-sim \
         share/drugflow/profile/gd-v1.yaml share/drugflow/schema/gd-v1.xsd share/drugflow/mappings/sale.yaml \
         share/drugflow/pki/make-pki.sh share/drugflow/demo.sh share/drugflow/drugflow.yaml \
         share/doc/drugflow/README.md share/doc/drugflow/drugflow-sim.md libexec/drugflow/month-end \
         lib/systemd/system/drugflow@.service lib/systemd/system/drugflow@.timer; do
    assert_file "$D$P/$f"
done
assert_file "$D$E/drugflow/drugflow.yaml"
[ -x "$D$P/libexec/drugflow/month-end" ] && [ -x "$D$P/share/drugflow/pki/make-pki.sh" ] \
    || fail "month-end or make-pki.sh is not executable"
outside=$(cd "$D" && find . -type f | grep -v "^\.$P/" || true)
[ -z "$outside" ] || fail "installed outside PREFIX and SYSCONFDIR: $outside"
for m in "$D$P"/share/man/man*/*; do grep -q '^\.TH ' "$m" || fail "$m is not a rendered man page"; done
unit=$D$P/lib/systemd/system/drugflow@.service
assert_contains "$unit" "^ExecStart=$P/libexec/drugflow/month-end %i$"
assert_contains "$unit" "^LoadCredential=passphrase:$E/drugflow/%i.passphrase$"
assert_contains "$unit" "^Environment=DRUGFLOW_PASSPHRASE_FILE=%d/passphrase$"
assert_contains "$unit" "^StateDirectory=drugflow/%i$"
assert_contains "$D$P/lib/systemd/system/drugflow@.timer" "^Persistent=true$"
assert_not_contains "$unit" "@[A-Z]*@"
assert_not_contains "$D$P/libexec/drugflow/month-end" "@[A-Z]*@"

# The installed binaries, run from elsewhere, find the shipped files themselves.
IB=$D$P/bin
"$IB/drugflow" --version | grep -qE '^drugflow [0-9]' || fail "installed drugflow --version"
"$IB/drugflow-sim" -V | grep -qE '^drugflow-sim [0-9]' || fail "installed drugflow-sim -V"
(cd "$T" && "$IB/drugflow-sim" seed --data "$T/simdata" --enterprise "$A" \
    --commodities "$D$P/share/drugflow/catalogs/commodities.csv" \
    --partners "$D$P/share/drugflow/catalogs/partners.csv") >"$T/seed.log" 2>&1 \
    || { cat "$T/seed.log"; fail "installed drugflow-sim seed without --profile"; }
rc=0; (cd "$T" && "$IB/drugflow" config check -c "$D$E/drugflow/drugflow.yaml" --offline) >"$T/check.out" 2>&1 || rc=$?
grep -qE '^config +ok' "$T/check.out" || { cat "$T/check.out"; fail "the example configuration does not load"; }
grep -qE "^profile +ok +$D$P/bin/../share/drugflow/profile/gd-v1.yaml" "$T/check.out" \
    || { cat "$T/check.out"; fail "installed drugflow does not find the shipped profile"; }

# The month-end job as drugflow@acme.service runs it, against drugflow-sim.
SIM=$IB/drugflow-sim
sim_start "$T/simdata"
mkdir -p "$T/etc/acme.mappings" "$T/srv/acme/2026-10" "$T/cred" "$T/state"
cp "$D$P/share/drugflow/mappings/sale.yaml" "$D$P/share/drugflow/mappings/inventory.yaml" "$T/etc/acme.mappings/"
cp "$D$P/share/drugflow/exports/sale.csv" "$D$P/share/drugflow/exports/inventory.csv" "$T/srv/acme/2026-10/"
install -m 600 "$PKI/ent-a.p12" "$T/cred/key"
install -m 600 "$PKI/passphrase" "$T/cred/passphrase"
cat >"$T/etc/acme.yaml" <<EOF
enterprise:
  code: $A
  name: 广州样例医药连锁有限公司
endpoint: https://localhost:$PORT/data/clientAccept/
tls:
  ca: $PKI/ca.pem
upload:
  retry_base_ms: 100
  status_timeout: 60
EOF
month_end() {
    env PATH="$IB:$PATH" DRUGFLOW_CONFIG="$T/etc/acme.yaml" DRUGFLOW_WORKSPACE="$T/state/acme" \
        DRUGFLOW_KEY="$T/cred/key" DRUGFLOW_PASSPHRASE_FILE="$T/cred/passphrase" \
        DRUGFLOW_MAPPINGS="$T/etc/acme.mappings" DRUGFLOW_EXPORTS="$T/srv/acme" "$@" \
        "$D$P/libexec/drugflow/month-end" acme
}
rc=0; month_end DRUGFLOW_PERIOD=2026-10 >"$T/me.out" 2>"$T/me.err" || rc=$?
cat "$T/me.err"
# The sample exports hold rows that are rejected on purpose: exit 1.
assert_eq "$rc" 1 "month-end exit status (sample rows rejected)"
assert_contains "$T/me.err" "month-end acme: sale: exit 1"
assert_contains "$T/me.err" "month-end acme: inventory: exit 1"
for b in 2026-10-SALE-01 2026-10-INVENTORY-01; do
    ls "$T/state/acme/$b/${b}_00001.xml" >/dev/null || fail "no chunk of batch $b in the workspace"
    assert_file "$T/state/acme/$b/rejects.csv"
done
assert_contains "$T/me.out" "PASSED"
# A mapping without its export: the job fails and says which file is missing;
# the default period is the month before this one.
cp "$D$P/share/drugflow/mappings/damage.yaml" "$T/etc/acme.mappings/"
rc=0; month_end >"$T/me2.out" 2>"$T/me2.err" || rc=$?
last=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
assert_contains "$T/me2.err" "period $last,"
assert_contains "$T/me2.err" "damage: no export $T/srv/acme/$last/damage.csv"
[ "$rc" -ge 2 ] || fail "month-end with a missing export exited $rc"
sim_stop

# Reinstalling keeps a changed configuration; uninstall keeps only it.
echo "# changed" >>"$D$E/drugflow/drugflow.yaml"
make -C "$ROOT" --no-print-directory -s install-only "${vars[@]}" >"$T/install2.log" 2>&1 || fail "second install"
assert_contains "$D$E/drugflow/drugflow.yaml" "^# changed$"
make -C "$ROOT" --no-print-directory -s uninstall "${vars[@]}" >"$T/uninstall.log" 2>&1 || fail "make uninstall"
left=$(cd "$D" && find . ! -type d | sort)
assert_eq "$left" "./opt/df/etc/drugflow/drugflow.yaml" "files left after make uninstall"
echo "install: files in place, binaries find the shipped files, month-end ran, uninstall left only the configuration"
