#!/usr/bin/env bash
# benchmarks/xlsx-bench.sh — the .xlsx reader (converter/xlsx.c) at scale:
# a SALE export of XLSX_ROWS rows (default 1M) from gen, written as .xlsx by
# csv2xlsx (numbers as number cells, three date columns as Excel dates),
# read through df_xlsx_next by xlsxread twice: shared strings in memory,
# then spilled to a file (1 MiB of memory). Prints rows/s and peak RSS.
# Usage: benchmarks/xlsx-bench.sh [DIR]   (BUILD=build by default)
set -euo pipefail
BUILD=${BUILD:-build}
ROWS=${XLSX_ROWS:-1000000}
DIR=${1:-$(mktemp -d "${TMPDIR:-/tmp}/xlsx-bench.XXXXXX")}
mkdir -p "$DIR"
[ -s "$DIR/sale.csv" ] || "$BUILD/gen" --type SALE --rows "$ROWS" --out "$DIR/sale.csv"
[ -s "$DIR/sale.xlsx" ] || "$BUILD/csv2xlsx" --numbers --date-col 2 --date-col 12 --date-col 13 "$DIR/sale.csv" "$DIR/sale.xlsx"
echo "xlsx: $ROWS SALE rows, $(stat -c %s "$DIR/sale.xlsx") bytes"
for mem in default 1048576; do
    args=()
    [ "$mem" = default ] || args=(--sst-memory "$mem")
    /usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KiB" "$BUILD/xlsxread" "${args[@]}" "$DIR/sale.xlsx"
done
