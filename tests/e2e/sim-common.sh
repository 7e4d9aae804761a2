# tests/e2e/sim-common.sh — helpers for the drugflow-sim end-to-end tests
# (t_sim_*.sh and every script that runs drugflow against it), sourced
# after lib.sh: the test PKI (made once per build dir), seeded enterprises,
# starting and stopping the server on a port it picks, a drugflow
# configuration for it (sim_config), curl with enterprise certificates, and
# reading answers.

FIX=$ROOT/tests/e2e/sim-fixtures.sh
A=91440101MA59TEST0A
B=91440101MA59TEST0B
SIM_PIDS=()

# The test PKI, shared by the scripts of one build (made under a lock).
PKI=$BUILD/e2e-pki
(
    flock 9
    [ -f "$PKI/done" ] && [ -f "$PKI/sm2-ca.pem" ] ||
        { "$ROOT/samples/pki/make-pki.sh" --force --sm2 "$PKI" >/dev/null && touch "$PKI/done"; }
) 9>"$BUILD/e2e-pki.lock"
PASS=$(cat "$PKI/passphrase")

# seed DATA CODE [CATDIR] — registers CODE with the catalogs of CATDIR
# (commodities.csv, partners.csv; default $T/cat, the fixture catalogs
# unless the script made its own there).
seed() {
    local cat=${3:-$T/cat}
    [ -n "${3:-}" ] || [ -d "$T/cat" ] || "$FIX" catalogs "$T/cat"
    "$SIM" seed --data "$1" --enterprise "$2" --profile "$ROOT/samples/profile/gd-v1.yaml" \
        --commodities "$cat/commodities.csv" --partners "$cat/partners.csv" >/dev/null
}

# sim_start DATA [serve options...] — starts the server; sets PORT, SIM_PID.
sim_start() {
    local data=$1
    shift
    rm -f "$T/port"
    "$SIM" serve --data "$data" --pki "$PKI" --profile "$ROOT/samples/profile/gd-v1.yaml" \
        --schema "$ROOT/samples/schema/gd-v1.xsd" --port 0 --port-file "$T/port" \
        --log "$T/sim.log" "$@" >"$T/sim.out" 2>>"$T/sim.err" &
    SIM_PID=$!
    SIM_PIDS+=("$SIM_PID")
    local i
    for i in $(seq 1 100); do
        [ -s "$T/port" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/sim.err" >&2; fail "drugflow-sim did not start"; }
        sleep 0.05
    done
    [ -s "$T/port" ] || fail "drugflow-sim wrote no port file"
    PORT=$(cat "$T/port")
    URL=https://localhost:$PORT/data/clientAccept
}

# sim_config FILE ["key: value"...] — a drugflow configuration for
# enterprise A against the running server ($URL, after sim_start) with the
# test PKI; each "key: value" argument replaces the line of that top-level
# key below, or is added (catalogs:, profile:, ...).
sim_config() {
    local file=$1 line key
    shift
    local -A given=()
    for line in "$@"; do given[${line%%:*}]=$line; done
    [ -n "${given[endpoint]+set}" ] || [ -n "${URL:-}" ] || fail "sim_config: no endpoint (sim_start first)"
    local defaults=(
        "enterprise: {code: $A, name: 广州样例医药连锁有限公司}"
        "endpoint: ${URL:-}/"
        "workspace: $T/ws"
        "tls: {ca: $PKI/ca.pem, connect_timeout: 5, transfer_timeout: 20}"
        "certificate: {key: $PKI/ent-a.p12, passphrase_file: $PKI/passphrase}"
        "upload: {parallel: 4, attempts: 6, retry_base_ms: 20, status_timeout: 60}"
    )
    {
        for line in "${defaults[@]}"; do
            key=${line%%:*}
            if [ -n "${given[$key]+set}" ]; then
                printf '%s\n' "${given[$key]}"
                unset "given[$key]"
            else
                printf '%s\n' "$line"
            fi
        done
        for line in "$@"; do [ -z "${given[${line%%:*}]+set}" ] || printf '%s\n' "$line"; done
    } >"$file"
}

# sim_stop — SIGTERM and wait; fails if the exit status is not 0.
sim_stop() {
    kill -TERM "$SIM_PID"
    local rc=0
    wait "$SIM_PID" || rc=$?
    [ "$rc" -eq 0 ] || fail "drugflow-sim exited $rc after SIGTERM"
}
_sim_kill_all() { local p; for p in "${SIM_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; }
on_exit _sim_kill_all

# as WHO ENTRY [curl args...] — POSTs to an entry with enterprise WHO's
# certificate (a, b: PEM key + cert; ap12: PKCS#12) and prints the body.
as() {
    local who=$1 entry=$2
    shift 2
    local cert
    case "$who" in
        a) cert=(--cert "$PKI/ent-a.pem" --key "$PKI/ent-a.key" --pass "$PASS") ;;
        b) cert=(--cert "$PKI/ent-b.pem" --key "$PKI/ent-b.key" --pass "$PASS") ;;
        ap12) cert=(--cert-type P12 --cert "$PKI/ent-a.p12:$PASS") ;;
        bp12) cert=(--cert-type P12 --cert "$PKI/ent-b.p12:$PASS") ;;
    esac
    curl -sS --max-time 20 --cacert "$PKI/ca.pem" "${cert[@]}" "$URL/$entry" "$@"
}

# xval XML ELEMENT — text of the first ELEMENT in an answer.
xval() { printf '%s' "$1" | sed -n "s:.*<$2>\([^<]*\)</$2>.*:\1:p" | head -n1; }

# upload WHO FILE — prints the FileId (asserting Code 0).
upload() {
    local r
    r=$(as "$1" toUploadFile.do -F "file=@$2;type=application/xml")
    [ "$(xval "$r" Code)" = 0 ] || fail "upload of $2 answered: $r"
    xval "$r" FileId
}

# result WHO ID — waits until the file is processed; prints the answer.
result() {
    local r i
    for i in $(seq 1 200); do
        r=$(as "$1" toDowloadFileDeal.do -d "fileId=$2")
        case "$(xval "$r" Status)" in PENDING | PROCESSING) sleep 0.05 ;; *) break ;; esac
    done
    printf '%s' "$r"
}

# signed OUT CODE PERIOD N NBAD NNEG SIGNER — a signed SALE file.
signed() {
    "$FIX" datafile "$T/unsigned.xml" "$2" "$3" "$4" "$5" "$6"
    "$FIX" sign "$T/unsigned.xml" "$PKI/$7.p12" "$PKI/passphrase" "$1"
}

# log_has FILE PATTERN — the request log is written when a request completes,
# just after the client got its answer: waits up to 2.5 s for PATTERN.
log_has() {
    local i
    for i in $(seq 1 50); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    fail "$1 has no line matching '$2': $(tail -n 5 "$1" 2>/dev/null)"
}
