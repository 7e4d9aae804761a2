#!/usr/bin/env bash
# samples/demo.sh — `make demo`: the whole month-end flow on the samples,
# against drugflow-sim on loopback. Makes the test PKI in a scratch folder,
# starts the server on a free port, registers enterprise A with the sample
# catalogs, runs `drugflow catalog pull` and `drugflow run` on every sample
# export (bad rows included), prints the converter's summary and the
# server's results, and stops the server. Nothing outside the scratch folder
# (printed at the end; DEMO_DIR to choose it) is written.
# It runs from a checkout (samples/demo.sh, with build/'s binaries, or
# $BUILD's) and installed (/usr/share/drugflow/demo.sh, with drugflow and
# drugflow-sim from PATH): the files beside it are laid out the same way.
set -euo pipefail
samples=$(cd "$(dirname "$0")" && pwd)
if [ -n "${BUILD:-}" ] || [ -x "$samples/../build/drugflow" ]; then
    build=${BUILD:-$samples/../build}
    DF=$build/drugflow
    SIM=$build/drugflow-sim
else
    DF=$(command -v drugflow) || { echo "demo: drugflow is not installed, nor built in $samples/../build" >&2; exit 1; }
    SIM=$(command -v drugflow-sim) || { echo "demo: drugflow-sim is not installed" >&2; exit 1; }
fi
dir=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/drugflow-demo.XXXXXX")}
mkdir -p "$dir"
A=91440101MA59TEST0A
sim_pid=
stop() { [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; sim_pid=; }
trap stop EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "test PKI ($samples/pki/make-pki.sh) in $dir/pki"
"$samples/pki/make-pki.sh" "$dir/pki"

say "drugflow-sim on loopback, enterprise $A seeded with $samples/catalogs"
"$SIM" seed --data "$dir/data" --enterprise "$A" --profile "$samples/profile/gd-v1.yaml" \
    --commodities "$samples/catalogs/commodities.csv" --partners "$samples/catalogs/partners.csv"
rm -f "$dir/port"
"$SIM" serve --data "$dir/data" --pki "$dir/pki" --profile "$samples/profile/gd-v1.yaml" \
    --schema "$samples/schema/gd-v1.xsd" --port 0 --port-file "$dir/port" --log "$dir/sim.log" \
    >"$dir/sim.out" 2>"$dir/sim.err" &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
[ -s "$dir/port" ] || { cat "$dir/sim.err" >&2; echo "demo: drugflow-sim did not start" >&2; exit 1; }
port=$(cat "$dir/port")
echo "listening on https://localhost:$port/data/clientAccept/"

cat >"$dir/drugflow.yaml" <<CONF
# The demo's configuration: enterprise A of the test PKI against drugflow-sim.
enterprise:
  code: $A
  name: 广州样例医药连锁有限公司
endpoint: https://localhost:$port/data/clientAccept/
workspace: workspace
tls:
  ca: pki/ca.pem
certificate:
  key: pki/ent-a.p12
  passphrase_file: pki/passphrase
convert:
  chunk_records: 5
upload:
  parallel: 4
  attempts: 6
  retry_base_ms: 100
  status_timeout: 60
CONF
export DRUGFLOW_CONFIG=$dir/drugflow.yaml

say "drugflow config check"
"$DF" config check

say "drugflow catalog pull"
"$DF" catalog pull

status=0
for m in purchase purchase_return sale sale_return inventory unqualified damage; do
    say "drugflow run --mapping $samples/mappings/$m.yaml --period 2026-10 $samples/exports/$m.csv"
    rc=0
    "$DF" run --mapping "$samples/mappings/$m.yaml" --period 2026-10 "$samples/exports/$m.csv" || rc=$?
    echo "(exit status $rc: $( [ $rc = 0 ] && echo 'all passed' || { [ $rc = 1 ] && echo 'rows rejected or files not all PASSED (see rejects.csv, server-errors.csv)'; } || echo 'see above'))"
    [ "$rc" -le 1 ] || status=$rc
done

say "drugflow status (every batch of the workspace)"
"$DF" status --no-wait || true

stop
say "done: server stopped; files in $dir (workspace/<batch>/: chunks, rejects.csv, server-errors.csv)"
exit "$status"
