#!/usr/bin/env bash
# tests/soak.sh — `make soak`: `drugflow run` of SOAK_ROWS (default 1M) rows
# against drugflow-sim with 30% faults (10% HTTP 5xx, 10% connections reset
# mid-body, 10% stalled requests) and random kills, repeated (issue 7).
#
# A round is one batch (its own period): `drugflow run` is started, killed
# with SIGKILL at a random moment (and now and then the server too, then
# restarted on the same data), and started again with the same command until
# it completes. After each round:
#   - the server holds every chunk of the batch exactly once: as many stored
#     files for the period as chunks in the batch folder, and their SHA-256
#     are those of the chunks, each once;
#   - every stored file was processed, and the server's records are the
#     records of the chunks (sum of RecordCount);
#   - accepted + rejected = the input: the server's records plus the rows in
#     rejects.csv equal gen's row count, and the server failed none (gen's
#     bad rows are exactly the rows the converter rejects).
#
# Environment: BUILD (binaries, default build/), SOAK_ROWS, SOAK_ROUNDS (3),
# SOAK_KILLS (kills per round at most, 3), SOAK_SEED (1), SOAK_DIR (kept
# workspace; default a temp dir removed on success). Needs the uploader's
# `drugflow run`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ROOT=$(cd "$here/.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
ROWS=${SOAK_ROWS:-1000000}
ROUNDS=${SOAK_ROUNDS:-3}
KILLS=${SOAK_KILLS:-3}
RANDOM=${SOAK_SEED:-1}
. "$ROOT/tests/e2e/lib.sh"
. "$ROOT/tests/e2e/sim-common.sh"
[ -n "${SOAK_DIR:-}" ] && { mkdir -p "$SOAK_DIR"; T=$SOAK_DIR; }
"$DF" run --help >/dev/null 2>&1 || { echo "soak: drugflow run is not built (the uploader is not on this branch)"; exit 2; }
log() { echo "soak: $(date +%T) $*"; }

log "generating $ROWS rows"
"$GEN" --rows "$ROWS" --bad-share 0.02 --seed "${SOAK_SEED:-1}" --catalogs "$T/cat" --commodities 20000 \
    --partners 2000 --out "$T/in.csv" --expect "$T/expect.json" >/dev/null 2>&1
rows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"])' "$T/expect.json")
"$SIM" seed --data "$T/data" --enterprise "$A" --profile "$ROOT/samples/profile/gd-v1.yaml" \
    --commodities "$T/cat/commodities.csv" --partners "$T/cat/partners.csv" >/dev/null
cat >"$T/cfg.yaml" <<YAML
enterprise:
  code: $A
  name: 测试医药有限公司
tls:
  ca: $PKI/ca.pem
  connect_timeout: 5
  transfer_timeout: 30
certificate:
  key: $PKI/ent-a.p12
  passphrase_env: DRUGFLOW_PASSPHRASE
workspace: $T/ws
upload:
  attempts: 12
  status_timeout: 1800
YAML
export DRUGFLOW_PASSPHRASE=$PASS
FAULTS=(--fault-5xx 0.1 --fault-reset 0.1 --fault-stall 0.1)
start_sim() { sim_start "$T/data" "${FAULTS[@]}" --fault-seed "$RANDOM" --workers 2; }
start_sim
est=$(( ROWS / 10000 + 5 )) # seconds within which to kill, until a round has been timed

sql() { sqlite3 "$T/data/$A/state.db" "$@"; }
for round in $(seq 1 "$ROUNDS"); do
    period=$(printf '2025-%02d' $(( (round - 1) % 12 + 1 )))
    batch=$period-SALE-01
    cmd=("$DF" run -c "$T/cfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" --catalogs "$T/cat" -p "$period"
         --endpoint "$URL/" -q --json "$T/in.csv")
    kills=0 attempt=0 t0=$(date +%s)
    while :; do
        attempt=$((attempt + 1))
        [ "$attempt" -le $((KILLS + 20)) ] || fail "round $round: no completion after $attempt attempts"
        "${cmd[@]}" >"$T/run.out" 2>"$T/run.err" &
        pid=$!
        if [ "$kills" -lt "$KILLS" ]; then
            # a random moment within the time the last complete run took
            sleep "$((RANDOM % est)).$((RANDOM % 10))"
            if kill -0 "$pid" 2>/dev/null; then
                kill -KILL "$pid"
                kills=$((kills + 1))
                if [ $((RANDOM % 4)) -eq 0 ]; then
                    log "round $round: killed drugflow run and drugflow-sim"
                    kill -KILL "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
                    URL_OLD=$URL; start_sim
                    cmd=("${cmd[@]/#$URL_OLD\//$URL/}")
                else
                    log "round $round: killed drugflow run"
                fi
            fi
        fi
        rc=0
        wait "$pid" || rc=$?
        case "$rc" in
            0 | 1) break ;;
            137) continue ;;
            4 | 5) log "round $round: run exited $rc, again: $(grep -v -e '^ ' -e 'journal in' "$T/run.err" | tail -n 2 | tr '\n' ' ')"; continue ;;
            *) cat "$T/run.err" >&2; fail "round $round: drugflow run exited $rc" ;;
        esac
    done
    log "round $round: completed after $attempt attempt(s), $kills kill(s)"
    est=$(( $(date +%s) - t0 ))
    [ "$est" -ge 2 ] || est=2

    # Every chunk on the server exactly once.
    dir=$T/ws/$batch
    chunks=$(ls "$dir"/"$batch"_*.xml | wc -l)
    [ "$chunks" -gt 0 ] || fail "round $round: no chunks in $dir"
    (cd "$dir" && sha256sum "$batch"_*.xml | awk '{print $1}' | sort) >"$T/local.sha"
    sql "SELECT sha FROM files WHERE period='$period' ORDER BY sha" >"$T/server.sha"
    diff "$T/local.sha" "$T/server.sha" >/dev/null ||
        fail "round $round: the server's files are not the $chunks chunks exactly once: $(diff "$T/local.sha" "$T/server.sha" | head)"
    # Processed, and the records add up.
    pending=$(sql "SELECT count(*) FROM files WHERE period='$period' AND status IN (0, 1)")  # pending, processing (df_server_state)
    assert_eq "$pending" 0 "round $round: files still pending"
    read -r total passed failed < <(sql -separator ' ' "SELECT sum(total), sum(passed), sum(failed) FROM files WHERE period='$period'")
    records=$(cat "$dir"/"$batch"_*.xml | grep -o '<RecordCount>[0-9]*' | sed 's/<RecordCount>//' | awk '{s += $1} END {print s}')
    assert_eq "$total" "$records" "round $round: server records vs chunk records"
    assert_eq "$failed" 0 "round $round: server-side failures"
    rejected=$(python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], encoding="utf-8-sig"))); print(len(r)-1)' \
        "$dir/rejects.csv")
    assert_eq "$((passed + failed + rejected))" "$rows" "round $round: accepted + rejected vs input"
    log "round $round: $chunks chunks once each; $passed accepted + $rejected rejected = $rows rows"
done
sim_stop
log "$ROUNDS round(s) passed"
