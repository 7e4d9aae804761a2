#!/usr/bin/env bash
# benchmarks/run.sh — times drugflow's stages on synthetic ERP exports against
# two ceilings (cat, and libcsv parse-only: build/csvparse) and a peer (a
# Python reference converter plus the stock `xmlsec1 --sign`, benchmarks/peer.py),
# all in the same run, and writes benchmarks/results/<date>-<host>[-quick].{md,tsv,png}.
#
#   benchmarks/run.sh quick|full      (normally via `make bench-quick` / `make bench`)
#
# Builds nothing: build/gen and build/csvparse must exist; stages that need
# build/drugflow are skipped, with the reason, when it is missing or fails.
# Environment: BENCH_10M=1 adds 10M-row inputs; BENCH_REPS=N overrides the
# runs per stage (full 3, quick 1); BENCH_BAD_SHARE=S makes that share of rows
# bad (default 0); BUILD=dir takes the binaries from elsewhere.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: benchmarks/run.sh quick|full
  quick   100k rows of SALE and INVENTORY, 1 run per stage
  full    10k, 100k and 1M rows of SALE and INVENTORY, 3 runs per stage
Environment: BENCH_10M=1 (add 10M rows), BENCH_REPS=N, BENCH_BAD_SHARE=S, BUILD=dir.
Writes benchmarks/results/<date>-<host>[-quick].{md,tsv,png}; see benchmarks/README.md.
EOF
}

MODE=${1:-}
case $MODE in
quick | full) ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GEN=$BUILD/gen
CSVPARSE=$BUILD/csvparse
DRUGFLOW=$BUILD/drugflow
DATA=benchmarks/data
RESULTS=benchmarks/results
SEED=1
BAD_SHARE=${BENCH_BAD_SHARE:-0}
TYPES=(SALE INVENTORY)
NPROC=$(nproc)

for binary in "$GEN" "$CSVPARSE"; do
    if [[ ! -x $binary ]]; then
        echo "run.sh: $binary is missing: run 'make $binary' (or 'make bench') first" >&2
        exit 1
    fi
done

if [[ $MODE == full ]]; then
    SIZES=(10000 100000 1000000)
    REPS=${BENCH_REPS:-3}
else
    SIZES=(100000)
    REPS=${BENCH_REPS:-1}
fi
if [[ ${BENCH_10M:-0} == 1 ]]; then
    SIZES+=(10000000)
fi
# The size the target ratios are computed at: the largest one up to 1M.
REF_ROWS=0
for rows in "${SIZES[@]}"; do
    if ((rows <= 1000000 && rows > REF_ROWS)); then REF_ROWS=$rows; fi
done

HOST=${HOSTNAME:-$(uname -n)}
HOST=${HOST%%.*}
STAMP="$(date +%F)-$HOST"
if [[ $MODE == quick ]]; then STAMP+="-quick"; fi
mkdir -p "$DATA" "$RESULTS"
TSV=$RESULTS/$STAMP.tsv
MD=$RESULTS/$STAMP.md
PNG=$RESULTS/$STAMP.png

WORK=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-bench.XXXXXX")
CONVERT_OUT=$DATA/out
trap 'rm -rf "$WORK" "$CONVERT_OUT"' EXIT

GNU_TIME=
if [[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q GNU; then
    GNU_TIME=/usr/bin/time
else
    echo "run.sh: GNU time (/usr/bin/time, Debian package 'time') not found:" \
        "CPU from bash's time, peak RSS not measured" >&2
fi

human_rows() { # 10000 -> 10k, 1000000 -> 1M
    local n=$1
    if ((n >= 1000000 && n % 1000000 == 0)); then echo "$((n / 1000000))M"
    elif ((n >= 1000 && n % 1000 == 0)); then echo "$((n / 1000))k"
    else echo "$n"; fi
}

# ------------------------------------------------------------------ measuring

# measure CMD...: runs CMD once with stdout to $M_STDOUT and stderr to
# $WORK/stderr; sets M_RC, M_WALL (s, from date +%s%N around the run),
# M_CPU (user+sys s) and M_RSS (peak resident KiB, "-" without GNU time).
M_STDOUT=/dev/null
measure() {
    local start end user sys rss
    start=$(date +%s%N)
    if [[ -n $GNU_TIME ]]; then
        "$GNU_TIME" -f '%U %S %M' -o "$WORK/time" -- "$@" >"$M_STDOUT" 2>"$WORK/stderr" && M_RC=0 || M_RC=$?
    else
        local TIMEFORMAT='%U %S -'
        { time "$@" >"$M_STDOUT" 2>"$WORK/stderr"; } 2>"$WORK/time" && M_RC=0 || M_RC=$?
    fi
    end=$(date +%s%N)
    read -r user sys rss < <(tail -n 1 "$WORK/time") || true
    M_WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    M_CPU=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.3f", u + s }')
    M_RSS=${rss:--}
}

# stats V...: "median min max" of the numbers.
stats() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'
}

failure_reason() { # the failed command's stderr in one line, without "Try ... --help"
    local line
    line=$(grep -v -e '^[[:space:]]*$' -e "^Try '" "$WORK/stderr" | head -n 3 | paste -sd ';' |
        sed 's/;/; /g' | cut -c1-200) || true
    if [[ -z $line ]]; then
        if ((M_RC > 128)); then line="killed by signal $((M_RC - 128))"; else line="exit status $M_RC"; fi
    fi
    printf '%s' "$line"
}

SKIPPED=() # "stage type rows: reason"
printf '# stage\ttype\trows\tbytes\truns\twall_median_s\twall_min_s\twall_max_s\tcpu_median_s\tpeak_rss_kib\n' >"$TSV"

# stage_result STAGE TYPE ROWS FILE "WALL..." "CPU..." "RSS...": appends the
# stage's line to the TSV and prints it.
stage_result() {
    local stage=$1 type=$2 rows=$3 file=$4 bytes wall cpu rss w_med w_min w_max
    local -a walls cpus rsss
    read -r -a walls <<<"$5"
    read -r -a cpus <<<"$6"
    read -r -a rsss <<<"$7"
    bytes=$(stat -c %s "$file")
    wall=$(stats "${walls[@]}")
    cpu=$(stats "${cpus[@]}" | cut -d' ' -f1)
    if [[ ${rsss[0]} == - ]]; then rss=-; else rss=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1); fi
    read -r w_med w_min w_max <<<"$wall"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stage" "$type" "$rows" "$bytes" "${#walls[@]}" \
        "$w_med" "$w_min" "$w_max" "$cpu" "$rss" >>"$TSV"
    awk -v s="$stage" -v t="$type" -v r="$(human_rows "$rows")" -v n="$rows" -v b="$bytes" \
        -v m="$w_med" -v lo="$w_min" -v hi="$w_max" -v rss="$rss" 'BEGIN {
        printf "  %-26s %-9s %5s  %8.3f s (%.3f-%.3f)  %10.0f rows/s  %7.1f MB/s  RSS %s\n",
            s, t, r, m, lo, hi, n / m, b / 1e6 / m, rss == "-" ? "-" : sprintf("%.1f MiB", rss / 1024) }'
}

# run_stage STAGE TYPE ROWS FILE CMD...: REPS timed runs of CMD; appends a
# line to the TSV, or prints "skipped: <reason>" when CMD fails, that is when
# its exit status is not one of $OK_STATUSES. Between group_begin and
# group_run the stages are only noted, and group_run then runs them in
# rounds (each stage once per round): on a shared machine the stages that
# are compared meet the same noise.
OK_STATUSES="0"
GROUPING=0
G_STAGE=() G_TYPE=() G_ROWS=() G_FILE=() G_OK=() G_OUT=() G_CMD=() G_BEFORE=()
run_stage() {
    if ((GROUPING)); then
        G_STAGE+=("$1") G_TYPE+=("$2") G_ROWS+=("$3") G_FILE+=("$4") G_OK+=("$OK_STATUSES") G_OUT+=("$M_STDOUT")
        G_BEFORE+=("${BEFORE_EACH:-}")
        shift 4
        G_CMD+=("$(printf '%q ' "$@")")
        return 0
    fi
    group_begin
    run_stage "$@"
    group_run
}
group_begin() { GROUPING=1; }
group_run() {
    GROUPING=0
    local n=${#G_STAGE[@]} i r saved_out=$M_STDOUT
    local -a walls cpus rsss fail
    for ((r = 0; r < REPS; r++)); do
        for ((i = 0; i < n; i++)); do
            [[ -z ${fail[i]:-} ]] || continue
            rm -rf "$CONVERT_OUT"
            mkdir -p "$CONVERT_OUT"
            M_STDOUT=${G_OUT[i]}
            [[ -z ${G_BEFORE[i]} ]] || eval "${G_BEFORE[i]}" # set-up of each run, not timed
            eval "measure ${G_CMD[i]}"
            if [[ " ${G_OK[i]} " != *" $M_RC "* ]]; then
                fail[i]=$(failure_reason)
                continue
            fi
            walls[i]+="$M_WALL " cpus[i]+="$M_CPU " rsss[i]+="$M_RSS "
        done
    done
    M_STDOUT=$saved_out
    for ((i = 0; i < n; i++)); do
        if [[ -n ${fail[i]:-} ]]; then
            printf '  %-26s %-9s %5s  skipped: %s\n' "${G_STAGE[i]}" "${G_TYPE[i]}" "$(human_rows "${G_ROWS[i]}")" \
                "${fail[i]}"
            SKIPPED+=("${G_STAGE[i]} ${G_TYPE[i]} $(human_rows "${G_ROWS[i]}"): ${fail[i]}")
        else
            stage_result "${G_STAGE[i]}" "${G_TYPE[i]}" "${G_ROWS[i]}" "${G_FILE[i]}" "${walls[i]}" "${cpus[i]}" \
                "${rsss[i]}"
        fi
    done
    G_STAGE=() G_TYPE=() G_ROWS=() G_FILE=() G_OK=() G_OUT=() G_CMD=() G_BEFORE=()
}

skip_stage() { # skip_stage STAGE TYPE ROWS REASON
    printf '  %-26s %-9s %5s  skipped: %s\n' "$1" "$2" "$(human_rows "$3")" "$4"
    SKIPPED+=("$1 $2 $(human_rows "$3"): $4")
}

# The test PKI for the signing stages (enterprise A's PKCS#12 and passphrase).
PKI=$DATA/pki
samples/pki/make-pki.sh "$PKI" >/dev/null
SIGN_OPTS=(--key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase")

# ------------------------------------------------------------------- stages

convert_command() { # convert_command TYPE FILE [OPTION...]: the converter's command line
    local type=$1 file=$2
    shift 2
    local mapping
    mapping=samples/mappings/$(tr '[:upper:]' '[:lower:]' <<<"$type").yaml
    CONVERT_CMD=("$DRUGFLOW" convert --mapping "$mapping" --catalogs "$DATA/catalogs"
        --config samples/drugflow.yaml --period 2026-10 --out "$CONVERT_OUT"
        --created-at 2026-11-01T02:00:00+08:00 "$@" "$file")
}

stage_convert() { # stage_convert STAGE TYPE ROWS FILE [OPTION...]
    local stage=$1 type=$2 rows=$3 file=$4
    shift 4
    if [[ ! -x $DRUGFLOW ]]; then
        skip_stage "$stage" "$type" "$rows" "$DRUGFLOW is not built"
        return 0
    fi
    convert_command "$type" "$file" "$@"
    # Exit status 1 is "completed with rejected rows" (BENCH_BAD_SHARE > 0).
    OK_STATUSES="0 1"
    run_stage "$stage" "$type" "$rows" "$file" "${CONVERT_CMD[@]}"
    OK_STATUSES="0"
}

# drugflow run against drugflow-sim on loopback: convert, sign and upload up to
# the last upload confirmed (--no-status; the server's processing deferred, so
# that transfers are measured, not the simulator's checks). Each run is a new
# batch on a server seeded with the benchmark catalogs.
SIM=$BUILD/drugflow-sim
SIM_DIR=$WORK/sim
SIM_PID=
A_CODE=91440101MA59TEST0A
sim_down() {
    if [[ -n $SIM_PID ]]; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}
sim_up() { # sim_up [serve option...]: a fresh server and workspace; exports DRUGFLOW_CONFIG
    sim_down
    rm -rf "$SIM_DIR"
    mkdir -p "$SIM_DIR"
    "$SIM" seed --data "$SIM_DIR/data" --enterprise "$A_CODE" --profile samples/profile/gd-v1.yaml \
        --commodities "$DATA/catalogs/commodities.csv" --partners "$DATA/catalogs/partners.csv" >/dev/null
    "$SIM" serve --data "$SIM_DIR/data" --pki "$PKI" --profile samples/profile/gd-v1.yaml \
        --schema samples/schema/gd-v1.xsd --port 0 --port-file "$SIM_DIR/port" --log /dev/null \
        --queue 100000 --defer-processing "$@" >/dev/null 2>"$SIM_DIR/err" &
    SIM_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do [[ -s $SIM_DIR/port ]] && break; sleep 0.05; done
    [[ -s $SIM_DIR/port ]] || return 1
    cat >"$SIM_DIR/drugflow.yaml" <<CONF
enterprise: {code: $A_CODE, name: 广州样例医药连锁有限公司}
endpoint: https://localhost:$(cat "$SIM_DIR/port")/data/clientAccept/
workspace: $SIM_DIR/ws
tls: {ca: $PWD/$PKI/ca.pem}
certificate: {key: $PWD/$PKI/ent-a.p12, passphrase_file: $PWD/$PKI/passphrase}
CONF
    export DRUGFLOW_CONFIG=$SIM_DIR/drugflow.yaml
    "$DRUGFLOW" catalog pull >/dev/null 2>&1
}

stage_run() { # stage_run STAGE TYPE ROWS FILE UPLOADS [serve option...]
    local stage=$1 type=$2 rows=$3 file=$4 uploads=$5
    shift 5
    if [[ ! -x $SIM ]] || ! sim_up "$@"; then
        skip_stage "$stage" "$type" "$rows" "drugflow-sim did not start: $(head -c 200 "$SIM_DIR/err" 2>/dev/null)"
        sim_down
        return 0
    fi
    local mapping
    mapping=samples/mappings/$(tr '[:upper:]' '[:lower:]' <<<"$type").yaml
    OK_STATUSES="0 1"
    # A new batch id for every run, so that each run uploads everything.
    run_stage "$stage" "$type" "$rows" "$file" bash -c \
        'exec "$0" run -q --no-status --batch-id "B$(date +%s%N)" "$@"' "$DRUGFLOW" \
        --mapping "$mapping" --period 2026-10 --created-at 2026-11-01T02:00:00+08:00 -P "$uploads" "$file"
    OK_STATUSES="0"
    sim_down
}

# drugflow upload of 50 ready chunks (issue 5's latency target): each run
# starts from a fresh server and an empty workspace, so every chunk is sent
# again (a server that already holds them would have them adopted, exactly
# once, and nothing measured).
stage_upload() { # stage_upload STAGE TYPE ROWS FILE UPLOADS CHUNK_DIR [serve option...]
    local stage=$1 type=$2 rows=$3 file=$4 uploads=$5 chunks=$6
    shift 6
    if [[ ! -x $SIM ]] || ! sim_up "$@"; then
        skip_stage "$stage" "$type" "$rows" "drugflow-sim did not start: $(head -c 200 "$SIM_DIR/err" 2>/dev/null)"
        sim_down
        return 0
    fi
    BEFORE_EACH="sim_up $(printf '%q ' "$@")"
    run_stage "$stage" "$type" "$rows" "$file" bash -c 'exec "$0" upload -P "$1" "$2"' "$DRUGFLOW" "$uploads" "$chunks"
    BEFORE_EACH=
    sim_down
}
trap 'sim_down; rm -rf "$WORK" "$CONVERT_OUT"' EXIT

# --------------------------------------------------------------------- data

GEN_COMMANDS=()
echo "== data ($DATA)"
GEN_COMMANDS+=("$GEN --catalogs $DATA/catalogs --seed $SEED")
"$GEN" --catalogs "$DATA/catalogs" --seed "$SEED"
for type in "${TYPES[@]}"; do
    for rows in "${SIZES[@]}"; do
        file=$DATA/$type-$(human_rows "$rows").csv
        cmd=("$GEN" --type "$type" --rows "$rows" --seed "$SEED" --bad-share "$BAD_SHARE"
            --out "$file" --expect "$file.expect.json")
        GEN_COMMANDS+=("${cmd[*]}")
        # Timed once, like a stage; its output is the input of the others.
        M_STDOUT=/dev/null
        measure "${cmd[@]}"
        if ((M_RC != 0)); then
            echo "run.sh: gen failed: $(failure_reason)" >&2
            exit 1
        fi
        bytes=$(stat -c %s "$file")
        printf 'gen\t%s\t%s\t%s\t1\t%s\t%s\t%s\t%s\t%s\n' "$type" "$rows" "$bytes" \
            "$M_WALL" "$M_WALL" "$M_WALL" "$M_CPU" "$M_RSS" >>"$TSV"
        awk -v f="$file" -v n="$rows" -v b="$bytes" -v m="$M_WALL" 'BEGIN {
            printf "  %-36s %11d bytes  gen %.2f s (%.0f rows/s)\n", f, b, m, n / m }'
    done
done

# The test PKI for the signing stages (enterprise A's PKCS#12 and passphrase).
PKI=$DATA/pki
samples/pki/make-pki.sh "$PKI" >/dev/null
SIGN_OPTS=(--key "$PKI/ent-a.p12" --passphrase-file "$PKI/passphrase")

# ------------------------------------------------------------------- stages

echo "== thread scaling of convert with streaming signing (SALE $(human_rows "$REF_ROWS"))"
# 1 and 2 worker threads, and all cores (the default) when there are more.
THREAD_COUNTS=(1)
if ((NPROC >= 2)); then THREAD_COUNTS+=(2); fi
if ((NPROC > 2)); then THREAD_COUNTS+=("$NPROC"); fi
ref_file=$DATA/SALE-$(human_rows "$REF_ROWS").csv
# First, and in at least 5 rounds: a 2-thread run is the one that loses
# when the machine's other jobs take a core, so this comparison wants the
# quietest minutes and the most rounds.
SAVED_REPS=$REPS
[[ $MODE == quick ]] || ((REPS >= 5)) || REPS=5
group_begin
for threads in "${THREAD_COUNTS[@]}"; do
    stage_convert "convert+sign-threads-$threads" SALE "$REF_ROWS" "$ref_file" --threads "$threads" \
        --sign streaming "${SIGN_OPTS[@]}"
done
group_run
REPS=$SAVED_REPS

# One input's stages, in rounds: cat, the parse-only ceiling, convert,
# convert with streaming signing; then the DOM signer (up to 1M rows: it
# takes minutes above).
input_stages() { # input_stages TYPE ROWS
    local type=$1 rows=$2 file
    file=$DATA/$type-$(human_rows "$rows").csv
    group_begin
    M_STDOUT=/dev/null
    run_stage cat "$type" "$rows" "$file" cat "$file"
    M_STDOUT=$WORK/stdout
    run_stage csvparse "$type" "$rows" "$file" "$CSVPARSE" "$file"
    stage_convert convert "$type" "$rows" "$file" --sign none
    stage_convert convert+sign-streaming "$type" "$rows" "$file" --sign streaming "${SIGN_OPTS[@]}"
    group_run
    if ((rows <= 1000000)); then
        stage_convert convert+sign-reference "$type" "$rows" "$file" --sign reference "${SIGN_OPTS[@]}"
    fi
}

echo "== stages ($REPS run(s) each; wall median (min-max), rows/s, input MB/s, peak RSS)"
# The input the main targets are computed on comes first, in at least 5
# rounds, like the thread stages.
SAVED_REPS=$REPS
[[ $MODE == quick ]] || ((REPS >= 5)) || REPS=5
input_stages SALE "$REF_ROWS"
REPS=$SAVED_REPS
for type in "${TYPES[@]}"; do
    for rows in "${SIZES[@]}"; do
        [[ $type == SALE && $rows == "$REF_ROWS" ]] || input_stages "$type" "$rows"
    done
done

# The reference SALE export as an Excel workbook (build/csv2xlsx: shared
# strings, number cells, its date columns as Excel dates): the sheet streams
# through one reader, in bounded memory (target <= 64 MiB at 1M rows).
echo "== convert-xlsx (SALE $(human_rows "$REF_ROWS") as an .xlsx workbook)"
CSV2XLSX=$BUILD/csv2xlsx
xlsx_file=$DATA/SALE-$(human_rows "$REF_ROWS").xlsx
if [[ ! -x $CSV2XLSX ]]; then
    skip_stage convert-xlsx SALE "$REF_ROWS" "$CSV2XLSX is not built (make $CSV2XLSX)"
else
    if [[ ! -s $xlsx_file || $xlsx_file -ot $ref_file ]]; then
        "$CSV2XLSX" --numbers --date-col 2 --date-col 12 --date-col 13 "$ref_file" "$xlsx_file.tmp" &&
            mv "$xlsx_file.tmp" "$xlsx_file"
    fi
    stage_convert convert-xlsx SALE "$REF_ROWS" "$xlsx_file" --sign none
fi

# Where the time goes (--stats), at the reference size and the largest one:
# the per-stage figures the scaling estimate below is made of, and the size
# of the records' provenance lists.
echo "== per-stage costs (convert --stats, streaming signing)"
STATS_SIZES=("$REF_ROWS")
LARGEST=${SIZES[${#SIZES[@]}-1]}
if ((LARGEST != REF_ROWS)); then STATS_SIZES+=("$LARGEST"); fi
for rows in "${STATS_SIZES[@]}"; do
    for threads in "${THREAD_COUNTS[@]}"; do
        if [[ ! -x $DRUGFLOW ]]; then break; fi
        out=$WORK/stats-$rows-$threads
        convert_command SALE "$DATA/SALE-$(human_rows "$rows").csv" --threads "$threads" --sign streaming \
            "${SIGN_OPTS[@]}" --stats -q
        rm -rf "$CONVERT_OUT"
        mkdir -p "$CONVERT_OUT"
        "${CONVERT_CMD[@]}" >/dev/null 2>"$out.txt" || true
        # standard error is a log off a terminal: "TIME drugflow[PID] info: " before each line
        sed -i 's/^[^ ]* drugflow\[[0-9]*\] [a-z]*: //' "$out.txt"
        sed -n '/^stats:/,$p' "$out.txt" | sed "s/^/  [$(human_rows "$rows") SALE, $threads thread(s)] /"
    done
done

# The peer: the same rules and chunks in Python (csv, XMLGenerator), then
# the stock xmlsec1 --sign on each chunk (one run: it takes minutes).
echo "== peer: Python reference converter + stock xmlsec1 --sign (SALE $(human_rows "$REF_ROWS"), 1 run)"
PEER_OUT=$WORK/peer
if command -v python3 >/dev/null && command -v xmlsec1 >/dev/null; then
    SAVED_REPS=$REPS
    REPS=1
    M_STDOUT=$WORK/peer.stdout
    run_stage peer-python SALE "$REF_ROWS" "$ref_file" bash -c 'rm -rf "$1"; exec python3 "$0" --type SALE \
        --catalogs "$2" --out "$1" "$3"' benchmarks/peer.py "$PEER_OUT" "$DATA/catalogs" "$ref_file"
    PEER_COUNTS=$(cat "$WORK/peer.stdout" 2>/dev/null || true)
    run_stage peer-python+xmlsec1 SALE "$REF_ROWS" "$ref_file" bash -c 'rm -rf "$1"; exec python3 "$0" --type SALE \
        --catalogs "$2" --out "$1" --p12 "$3" --passfile "$4" "$5"' benchmarks/peer.py "$PEER_OUT" \
        "$DATA/catalogs" "$PKI/ent-a.p12" "$PKI/passphrase" "$ref_file"
    M_STDOUT=/dev/null
    REPS=$SAVED_REPS
    echo "  peer: $PEER_COUNTS"
else
    skip_stage peer-python+xmlsec1 SALE "$REF_ROWS" "python3 or xmlsec1 not found"
fi

# Near misses (issue 12): the same SALE size with 2% unmatched rows (gen's
# --bad-share 0.08: 1% partners, 1% commodities, 6% other defects), converted
# with and without the near-miss search; and the index's build time for the
# benchmark catalogs (build/nearmiss).
echo "== near misses (SALE $(human_rows "$REF_ROWS"), 2% unmatched rows)"
unmatched_file=$DATA/SALE-$(human_rows "$REF_ROWS")-unmatched2pct.csv
GEN_COMMANDS+=("$GEN --type SALE --rows $REF_ROWS --seed $SEED --bad-share 0.08 --out $unmatched_file")
"$GEN" --type SALE --rows "$REF_ROWS" --seed "$SEED" --bad-share 0.08 --out "$unmatched_file" 2>/dev/null
stage_convert convert-unmatched2pct SALE "$REF_ROWS" "$unmatched_file" --sign none
stage_convert convert-unmatched2pct-nosuggest SALE "$REF_ROWS" "$unmatched_file" --sign none --no-suggestions
NEARMISS_LINES=""
if [[ -x $BUILD/nearmiss ]]; then
    NEARMISS_LINES=$("$BUILD/nearmiss" "$DATA/catalogs/commodities.csv" commodity 20000
        "$BUILD/nearmiss" "$DATA/catalogs/partners.csv" partner 20000)
    echo "$NEARMISS_LINES"
fi

echo "== drugflow run against drugflow-sim on loopback (SALE $(human_rows "$REF_ROWS"), processing deferred)"
stage_run run SALE "$REF_ROWS" "$ref_file" 4
for uploads in 1 8; do
    stage_run "run-P$uploads" SALE "$REF_ROWS" "$ref_file" "$uploads"
    stage_run "run-P$uploads-latency200" SALE "$REF_ROWS" "$ref_file" "$uploads" --latency-ms 200
done
# 50 chunks of 2,000 records (from the 100k SALE input, about 1.2 MB each):
# latency-bound, what the 1/5 target is about; and 50 chunks of the reference
# input (1M rows: 20,000 records, about 12 MB each), where 8 connections are
# bound by the loopback TLS bandwidth that client and server share on this
# machine's cores.
echo "== drugflow upload of 50 signed chunks to drugflow-sim --latency-ms 200"
upload_chunks() { # upload_chunks DIR FILE RECORDS
    "$DRUGFLOW" convert -q --mapping samples/mappings/sale.yaml --catalogs "$DATA/catalogs" \
        --config samples/drugflow.yaml --period 2026-10 --out "$1" --batch-id UP \
        --chunk-records "$3" --sign streaming "${SIGN_OPTS[@]}" "$2" || true
}
SMALL_FILE=$DATA/SALE-100k.csv
[[ -f $SMALL_FILE ]] || "$GEN" --type SALE --rows 100000 --seed "$SEED" --out "$SMALL_FILE"
upload_chunks "$WORK/upload-small" "$SMALL_FILE" 2000
upload_chunks "$WORK/upload-big" "$ref_file" $(((REF_ROWS + 49) / 50))
for uploads in 1 8; do
    stage_upload "upload-P$uploads-latency200" SALE 100000 "$SMALL_FILE" "$uploads" "$WORK/upload-small" \
        --latency-ms 200
done
for uploads in 1 8; do
    stage_upload "upload-big-P$uploads-latency200" SALE "$REF_ROWS" "$ref_file" "$uploads" "$WORK/upload-big" \
        --latency-ms 200
done

# ------------------------------------------------------------------ report

# value STAGE TYPE ROWS COLUMN: a column of the TSV line (6 wall median, 10 RSS KiB).
value() {
    awk -F'\t' -v s="$1" -v t="$2" -v r="$3" -v c="$4" '$1 == s && $2 == t && $3 == r { print $c }' "$TSV"
}

# ratio_line LABEL NUM_STAGE DEN_STAGE TYPE [TARGET [OP]]:
#   "LABEL (1M TYPE): 3.20x (target <= 4x) PASS" — OP is <= (default) or >=.
ratio_line() {
    local label=$1 num=$2 den=$3 type=$4 target=${5:-} op=${6:-<=} a b
    a=$(value "$num" "$type" "$REF_ROWS" 6)
    b=$(value "$den" "$type" "$REF_ROWS" 6)
    local where
    where="$(human_rows "$REF_ROWS") $type"
    if [[ -z $a || -z $b ]]; then
        local missing=$num
        [[ -n $a ]] && missing=$den
        echo "$label ($where): n/a ($missing skipped)${target:+ (target $op $target)}"
        return 0
    fi
    awk -v l="$label" -v w="$where" -v a="$a" -v b="$b" -v t="$target" -v op="$op" 'BEGIN {
        r = a / b
        printf "%s (%s): %.2fx", l, w, r
        if (t != "") {
            v = t + 0
            ok = op == ">=" ? r >= v : r <= v
            printf " (target %s %s) %s", op, t, ok ? "PASS" : "FAIL"
        }
        printf "\n" }'
}

rss_line() { # rss_line [STAGE]: peak RSS of convert (or STAGE) on SALE at the reference size
    local stage=${1:-convert} kib
    kib=$(value "$stage" SALE "$REF_ROWS" 10)
    if [[ -z $kib ]]; then
        echo "peak RSS $stage $(human_rows "$REF_ROWS"): n/a ($stage skipped) (target <= 64 MiB)"
    elif [[ $kib == - ]]; then
        echo "peak RSS $stage $(human_rows "$REF_ROWS"): n/a (not measured: no GNU time) (target <= 64 MiB)"
    else
        awk -v k="$kib" -v r="$(human_rows "$REF_ROWS")" -v s="$stage" 'BEGIN {
            printf "peak RSS %s %s: %.1f MiB (target <= 64 MiB) %s\n", s, r, k / 1024, k <= 65536 ? "PASS" : "FAIL" }'
    fi
}

# Peak RSS of the converter (unsigned and streaming signing, both types) at
# every size: at most 48 MiB, and at the largest size at most 4 MiB more than
# at 1M: what the summary keeps per chunk (df_chunk_result, about 4.2 KB
# each: 2.1 MB for 10M rows) is the only thing that grows with the input.
rss_sizes_line() {
    local rows list="" worst=0 at1m="" atmax="" kib
    for rows in "${SIZES[@]}"; do
        kib=$(awk -F'\t' -v r="$rows" '$3 == r && ($1 == "convert" || $1 == "convert+sign-streaming") &&
            $10 != "-" { if ($10 > m) m = $10 } END { print m + 0 }' "$TSV")
        ((kib > 0)) || continue
        list+="$(human_rows "$rows") $(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB, "
        ((kib > worst)) && worst=$kib
        ((rows == 1000000)) && at1m=$kib
        atmax=$kib
    done
    if [[ -z $list ]]; then
        echo "peak RSS of convert at every size: n/a (not measured) (target <= 48 MiB, not growing)"
        return 0
    fi
    awk -v l="${list%, }" -v w="$worst" -v a="${at1m:-0}" -v m="$atmax" 'BEGIN {
        grow = a > 0 && m > a + 4096
        printf "peak RSS of convert and convert+sign at every size: %s (target <= 48 MiB, past 1M only the per-chunk results) %s\n",
            l, w <= 49152 && !grow ? "PASS" : "FAIL" }'
}

RATIOS=$(
    ratio_line "convert+sign(streaming)/parse-only" convert+sign-streaming csvparse SALE 2.0
    ratio_line "convert/parse-only" convert csvparse SALE 4x
    ratio_line "convert/parse-only" convert csvparse INVENTORY 4x
    ratio_line "convert+sign/convert" convert+sign-streaming convert SALE 1.25x
    ratio_line "convert+sign(reference)/convert" convert+sign-reference convert SALE ""
    ratio_line "parse-only/cat" csvparse cat SALE ""
    for threads in "${THREAD_COUNTS[@]:1}"; do
        what="--threads $threads"
        ((threads == NPROC)) && what+=" (all cores)"
        if ((threads == 2)); then
            ratio_line "convert+sign $what speed-up over --threads 1" convert+sign-threads-1 \
                "convert+sign-threads-$threads" SALE 1.6 ">="
        else
            ratio_line "convert+sign $what speed-up over --threads 1" convert+sign-threads-1 \
                "convert+sign-threads-$threads" SALE ""
        fi
    done
    ratio_line "drugflow speed-up over the peer (Python csv + XMLGenerator, then xmlsec1 --sign)" \
        peer-python+xmlsec1 convert+sign-streaming SALE 30 ">="
    ratio_line "drugflow (unsigned) speed-up over the Python peer (unsigned)" peer-python convert SALE ""
    rss_sizes_line
    rss_line
    rss_line convert-xlsx
    ratio_line "convert of the .xlsx workbook/of the CSV" convert-xlsx convert SALE ""
    ratio_line "run (to the last upload confirmed)/convert+sign" run convert+sign-streaming SALE 1.5x
    ratio_line "convert with near misses/without (2% unmatched rows)" convert-unmatched2pct \
        convert-unmatched2pct-nosuggest SALE 1.05x
    REF_ROWS=100000 ratio_line "upload of 50 chunks of 2,000 records, 200 ms latency: 8 connections/1 connection" \
        upload-P8-latency200 upload-P1-latency200 SALE 0.2x
    ratio_line "upload of 50 chunks of $(((REF_ROWS + 49) / 50)) records, 200 ms latency: 8 connections/1 connection" \
        upload-big-P8-latency200 upload-big-P1-latency200 SALE ""
    ratio_line "run with 200 ms latency: 8 connections/1 connection" run-P8-latency200 run-P1-latency200 SALE ""
)

# The markdown table: one line per measured stage, x csvparse against the
# same file's parse-only median.
TABLE=$(awk -F'\t' '
    function human(n) { return n >= 1e6 && n % 1e6 == 0 ? n / 1e6 "M" : n >= 1e3 && n % 1e3 == 0 ? n / 1e3 "k" : n }
    NR == FNR { if ($1 == "csvparse") parse[$2 " " $3] = $6; next }
    /^#/ { next }
    {
        key = $2 " " $3
        ratio = (key in parse) && $1 != "csvparse" && $1 != "gen" ? sprintf("%.2fx", $6 / parse[key]) : "-"
        rss = $10 == "-" ? "-" : sprintf("%.1f", $10 / 1024)
        printf "| %s | %s | %s | %.1f | %d | %.3f (%.3f–%.3f) | %.3f | %.0f | %.1f | %s | %s |\n",
            $1, $2, human($3), $4 / 1e6, $5, $6, $7, $8, $9, $3 / $6, $4 / 1e6 / $6, rss, ratio
    }' "$TSV" "$TSV")

# text_stat FILE KEY: a figure of convert --stats (without --json, which
# would add a second SHA-256 of every chunk): wall, cpu, sequence, commit,
# provenance_bytes, accepted, chunks.
text_stat() {
    awk -v k="$2" '
        /^stats:/ { if (k == "wall") print $2; if (k == "cpu") print $5 }
        /sequence \(calling thread\)/ && k == "sequence" { print $4 }
        /commit \(fsync, rename\)/ && k == "commit" { print $4 }
        /finish \+ sign chunks/ && k == "chunks" { print $7 }
        /^  provenance/ { if (k == "provenance_bytes") print $7; if (k == "accepted") print $10 }' "$1" 2>/dev/null |
        head -n 1
}

# The --stats figures of each run, the provenance lists' size, and what the
# per-stage costs say about 16 cores: the workers' work divides among them,
# the sequencer's and the committer's does not.
stats_section() {
    local rows threads f
    echo "## Per-stage costs (convert --sign streaming --stats)"
    echo
    echo "Seconds are summed over the threads that did the stage; \"cores\" is that over the wall time."
    echo
    for rows in "${STATS_SIZES[@]}"; do
        for threads in "${THREAD_COUNTS[@]}"; do
            f=$WORK/stats-$rows-$threads
            [[ -s $f.txt ]] || continue
            echo "SALE $(human_rows "$rows"), --threads $threads:"
            echo
            echo '```'
            sed -n '/^stats:/,$p' "$f.txt"
            echo '```'
            echo
        done
    done
    echo "Provenance lists (each record's input and line, in df_chunk_result.lines):"
    echo
    for rows in "${STATS_SIZES[@]}"; do
        f=$WORK/stats-$rows-${THREAD_COUNTS[0]}.txt
        [[ -s $f ]] || continue
        awk -v r="$(human_rows "$rows")" -v b="$(text_stat "$f" provenance_bytes)" -v n="$(text_stat "$f" accepted)" \
            -v c="$(text_stat "$f" chunks)" 'BEGIN {
            printf "- SALE %s: %d bytes for %d records in %d chunks (%.4f bytes per record)\n", r, b, n, c, n ? b / n : 0 }'
    done
    local top=${THREAD_COUNTS[${#THREAD_COUNTS[@]}-1]}
    f=$WORK/stats-$REF_ROWS-$top.txt
    if [[ -s $f ]]; then
        echo
        echo "Scaling estimate from the $(human_rows "$REF_ROWS") run with $top threads:"
        echo
        awk -v cpu="$(text_stat "$f" cpu)" -v se="$(text_stat "$f" sequence)" -v co="$(text_stat "$f" commit)" \
            -v wall="$(text_stat "$f" wall)" -v n="$top" 'BEGIN {
            work = cpu - se
            printf "- CPU of the whole run: %.2f s; of it the sequencer (serial): %.3f s; the rest divides among the\n", cpu, se
            printf "  workers: %.2f s, %.2f s each with %d. The committer waits for the disk: %.2f s of fsync and\n", work, work / n, n, co
            printf "  rename, one chunk after the other, alongside.\n"
            for (k = 4; k <= 64; k *= 2) {
                t = work / k; lim = "the workers"
                if (se > t) { t = se; lim = "the sequencer" }
                if (co > t) { t = co; lim = "the committer (disk)" }
                printf "- %2d cores: about %.2f s, bound by %s (this run: %.2f s)\n", k, t, lim, wall
            }
        }'
    fi
    echo
}

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
MEM_TOTAL=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then COMMIT+=" (dirty)"; fi

{
    echo "# drugflow benchmarks — $(date +%F) on $HOST ($MODE)"
    echo
    echo "- commit: $COMMIT; compiler: $(${CC:-gcc} --version 2>/dev/null | head -n 1)"
    echo "- CPU: ${CPU_MODEL:-unknown}, $NPROC CPUs; memory: ${MEM_TOTAL:-unknown}; kernel $(uname -r)"
    echo "- runs per stage: $REPS; wall is the median (min–max) of the runs; CPU is user+sys (median);"
    if [[ -n $GNU_TIME ]]; then
        echo "  peak RSS is the largest maximum resident set size of the runs (GNU time %M)"
    else
        echo "  peak RSS was not measured (no GNU time)"
    fi
    echo "- inputs are read from the page cache (just generated); MB = 10^6 bytes; RSS in MiB"
    echo "- × csvparse: wall time relative to the libcsv parse-only pass over the same file"
    echo
    echo "## Inputs"
    echo
    echo '```'
    printf '%s\n' "${GEN_COMMANDS[@]}"
    echo '```'
    echo
    echo "## Results"
    echo
    echo "| stage | type | rows | input MB | runs | wall s median (min–max) | CPU s | rows/s | MB/s | peak RSS MiB | × csvparse |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "$TABLE"
    echo
    echo "## Targets"
    echo
    echo '```'
    echo "$RATIOS"
    echo '```'
    echo
    stats_section
    if [[ -n ${PEER_COUNTS:-} ]]; then
        echo "The peer (benchmarks/peer.py) on the same input: $PEER_COUNTS; drugflow: $(text_stat \
            "$WORK/stats-$REF_ROWS-${THREAD_COUNTS[0]}.txt" accepted) accepted."
        echo
    fi
    if [[ -n $NEARMISS_LINES ]]; then
        echo
        echo "## Near-miss index (build/nearmiss)"
        echo
        echo '```'
        echo "$NEARMISS_LINES"
        echo '```'
    fi
    if ((${#SKIPPED[@]})); then
        echo
        echo "## Skipped"
        echo
        printf -- '- %s\n' "${SKIPPED[@]}"
    fi
    echo
    echo "![rows/s and peak RSS vs input size]($(basename "$PNG"))"
} >"$MD"

# The plot: rows/s and peak RSS against input size, one line per stage and type.
plot() {
    if ! command -v gnuplot >/dev/null; then
        echo "plot skipped: gnuplot not found (Debian package gnuplot-nox)"
        return 0
    fi
    mkdir -p "$WORK/plot"
    local series=() key
    while IFS= read -r key; do
        local name=${key//[^A-Za-z0-9_+-]/_}
        awk -F'\t' -v k="$key" '!/^#/ && $1 " " $2 == k && $1 != "gen" && $1 !~ /^convert\+sign-threads-/ {
            printf "%.6f %.1f %s\n", $4 / 1e6, $3 / $6, $10 == "-" ? "NaN" : $10 / 1024 }' "$TSV" |
            sort -g >"$WORK/plot/$name.dat"
        if [[ -s $WORK/plot/$name.dat ]]; then series+=("'$WORK/plot/$name.dat' using 1:COL with linespoints title '$key'"); fi
    done < <(awk -F'\t' '!/^#/ { print $1 " " $2 }' "$TSV" | awk '!seen[$0]++')
    if ((${#series[@]} == 0)); then
        echo "plot skipped: nothing measured"
        return 0
    fi
    local rate_plot rss_plot terminal=png
    rate_plot=$(printf '%s, ' "${series[@]//COL/2}")
    rss_plot=$(printf '%s, ' "${series[@]//COL/3}")
    if gnuplot -e 'set terminal' 2>/dev/null | grep -qw pngcairo; then terminal=pngcairo; fi
    gnuplot <<EOF
set terminal $terminal size 1400,700
set output '$PNG'
set multiplot layout 1,2 title "drugflow benchmarks — $(date +%F) on $HOST ($MODE)"
set grid
set key below horizontal width -2 font ",9"
set logscale x
set xlabel "input size (MB)"
set logscale y
set ylabel "rows/s"
set title "throughput"
plot ${rate_plot%, }
unset logscale y
set yrange [0:*]
set ylabel "peak RSS (MiB)"
set title "peak resident memory"
plot ${rss_plot%, }
unset multiplot
EOF
}
plot

echo "== results: $MD, $TSV, $PNG"
echo "$RATIOS"
