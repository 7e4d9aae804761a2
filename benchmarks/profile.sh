#!/usr/bin/env bash
# benchmarks/profile.sh — where the converter's CPU goes, before and after a
# change: `perf record` of convert with streaming signing on one input, for
# each given binary, and a table of CPU seconds per part (libcsv, UTF-8
# validation, escaping, copies, catalog lookups, transforms, SHA-256, the
# kernel, the rest), from `perf report`.
#
#   benchmarks/profile.sh INPUT.csv CATALOG_DIR PKI_DIR BINARY...
#
# e.g. with the main branch built in /tmp/main/build:
#   benchmarks/profile.sh benchmarks/data/SALE-1M.csv benchmarks/data/catalogs \
#       benchmarks/data/pki /tmp/main/build/drugflow build/drugflow
# Needs perf (Debian package linux-perf). Samples are cpu-clock at 1 kHz,
# so the table's seconds are CPU seconds over all threads.
set -euo pipefail
if (($# < 4)); then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
input=$1 catalogs=$2 pki=$3
shift 3
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT

# part SYMBOL DSO: the part of the table a sample of SYMBOL in DSO belongs to.
parts_awk='
function part(sym, dso) {
    if (dso ~ /libcsv/) return "libcsv (csv_parse)"
    if (dso ~ /kernel/) return "kernel (read, write, page cache)"
    if (dso ~ /libcrypto/) return "SHA-256 and RSA (libcrypto)"
    if (sym ~ /valid_utf8|text_scan|utf8_valid_prefix/) return "UTF-8 validation"
    if (sym ~ /escape/) return "XML escaping"
    if (sym ~ /memmove|memcpy/) return "copies (memmove, memcpy)"
    if (sym ~ /catalog_add|catalog_load|^grow$|load_csv|yaml/) return "loading catalogs, mapping, key"
    if (sym ~ /find_slot|memcmp|catalog/) return "catalog lookups"
    if (sym ~ /transform|trim|date|decimal|decode/) return "transforms and formats"
    if (sym ~ /memchr/) return "memchr"
    return "the rest"
}
$1 ~ /%$/ && NF >= 5 {
    dso = $3; sym = $5
    total[part(sym, dso)] += $2
}
END { for (k in total) printf "%s\t%d\n", k, total[k] }'

n=0
for bin in "$@"; do
    n=$((n + 1))
    out=$work/out$n
    mkdir -p "$out"
    perf record -q -F 1000 -o "$work/perf$n.data" "$bin" convert --mapping samples/mappings/sale.yaml \
        --catalogs "$catalogs" --config samples/drugflow.yaml --period 2026-10 --out "$out" \
        --created-at 2026-11-01T02:00:00+08:00 --sign streaming --key "$pki/ent-a.p12" \
        --passphrase-file "$pki/passphrase" -q "$input" 2>/dev/null || true
    # Samples per part (-n); CPU seconds = samples / 1000 Hz.
    perf report -i "$work/perf$n.data" --no-children -n --sort dso,symbol --stdio -g none 2>/dev/null |
        awk "$parts_awk" | sort >"$work/parts$n"
    awk -F'\t' '{ s += $2 } END { print s }' "$work/parts$n" | sed "s|^|$bin: samples |" >&2
    awk -F'\t' 'NR == FNR { s += $2; next } { printf "%s\t%.2f\t%.1f\n", $1, $2 / 1000, 100 * $2 / s }' \
        "$work/parts$n" "$work/parts$n" >"$work/secs$n"
done

# The table: one column pair per binary.
{
    printf '| part |'
    for bin in "$@"; do printf ' %s CPU s | %% |' "$bin"; done
    printf '\n|---|'
    for _ in "$@"; do printf -- '---:|---:|'; done
    printf '\n'
    cut -f1 "$work"/secs* | sort -u | while IFS= read -r part; do
        printf '| %s |' "$part"
        for ((i = 1; i <= n; i++)); do
            awk -F'\t' -v p="$part" '$1 == p { printf " %.2f | %.1f%% |", $2, $3; f = 1 } END { if (!f) printf " - | - |" }' \
                "$work/secs$i"
        done
        printf '\n'
    done
    printf '| total |'
    for ((i = 1; i <= n; i++)); do awk -F'\t' '{ s += $2 } END { printf " %.2f | 100%% |", s }' "$work/secs$i"; done
    printf '\n'
}
echo
