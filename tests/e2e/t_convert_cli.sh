#!/usr/bin/env bash
# The convert command line: --help, usage errors (2), exit 0 when every row is
# accepted and 1 when some are rejected, and no progress bar on a stderr that
# is not a terminal (but one on a terminal).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
run() { rc=0; "$DF" "$@" >"$T/out" 2>"$T/err" || rc=$?; }

# --help: the usage on stdout, exit 0, nothing on stderr.
run convert --help
assert_eq "$rc" 0 "convert --help"
assert_contains "$T/out" "usage: drugflow convert --mapping FILE --period YYYY-MM --out DIR"
assert_contains "$T/out" "--chunk-records N"
assert_contains "$T/out" "Exit status: 0 success"
[ ! -s "$T/err" ] || fail "convert --help wrote to stderr"
run convert -h
assert_eq "$rc" 0 "convert -h"
run --help
assert_eq "$rc" 0 "drugflow --help"
assert_contains "$T/out" "convert"

# Usage errors: 2, a message and a pointer to --help, and nothing written.
usage_error() { # WHAT ARGS...
    local what=$1
    shift
    run convert "$@"
    assert_eq "$rc" 2 "$what: exit status"
    grep -qE "^drugflow|^[0-9-]+T[0-9:.]+[+-][0-9:]+ drugflow\[[0-9]+\] error: " "$T/err" || fail "$what: no message: $(cat "$T/err")"
    [ ! -e "$T/u" ] || fail "$what: the output folder was created"
}
usage_error "no arguments"
usage_error "no mapping" -c "$SAMPLES/drugflow.yaml" -p 2026-10 -o "$T/u" "$SAMPLES/exports/sale.csv"
usage_error "no period" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -o "$T/u" "$SAMPLES/exports/sale.csv"
usage_error "bad period" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-13 -o "$T/u" "$SAMPLES/exports/sale.csv"
usage_error "no output" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 "$SAMPLES/exports/sale.csv"
usage_error "no input" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u"
usage_error "chunk bytes too small" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --chunk-bytes 1K "$SAMPLES/exports/sale.csv"
usage_error "chunk records 0" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --chunk-records 0 "$SAMPLES/exports/sale.csv"
usage_error "threads 0" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --threads 0 "$SAMPLES/exports/sale.csv"
usage_error "unknown option" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --chunks 5 "$SAMPLES/exports/sale.csv"
usage_error "bad batch id" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --batch-id "a/b" "$SAMPLES/exports/sale.csv"
# --created-at goes into every chunk as CreatedAt (xs:dateTime): anything the
# schema would refuse is refused here.
for bad in yesterday 2026-13-45T99:99:99Z 2026-11-01T02:00:00+0800 "2026-11-01T02:00:00+08:00 " 2026-02-29T00:00:00Z \
    2026-11-01T24:00:00Z 2026-11-01T02:60:00Z 2026-11-01T02:00:00+15:00 2026-11-01 2026-11-01T02:00:00; do
    usage_error "created-at $bad" -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/u" --created-at "$bad" \
        "$SAMPLES/exports/sale.csv"
done
for good in 2028-02-29T23:59:59Z 2026-11-01T02:00:00+08:00 2026-11-01T02:00:00-05:30 2026-11-01T02:00:00+14:00; do
    rm -rf "$T/ca"
    run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/ca" -q --created-at "$good" "$SAMPLES/exports/sale.csv"
    assert_eq "$rc" 1 "created-at $good"
    validate "$T/ca/2026-10-SALE-01_00001.xml"
    assert_eq "$(xml_str "$T/ca/2026-10-SALE-01_00001.xml" /DataFile/Header/CreatedAt)" "$good" "CreatedAt $good"
done
usage_error "no catalogs" -m "$SALE" -p 2026-10 -o "$T/u" --enterprise-code 91440101MA59TEST0A --enterprise-name x \
    --profile "$SAMPLES/profile/gd-v1.yaml" "$SAMPLES/exports/sale.csv"
run unknown-command
assert_eq "$rc" 2 "unknown command"

# Exit 0: every row accepted; exit 1: some rejected. Both write the summary
# on stderr (without -q) and the JSON on stdout (with --json).
gen_sale 30 0 "$T/good.csv"
run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/good" --json "$T/good.csv"
assert_eq "$rc" 0 "all rows accepted"
assert_eq "$(json_num "$T/out" rejected)" 0 "rejected"
assert_contains "$T/err" "30 rows read, 30 accepted, 0 rejected, 1 chunk"
run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/some" "$SAMPLES/exports/sale.csv"
assert_eq "$rc" 1 "some rows rejected"
assert_contains "$T/err" "21 rows read, 13 accepted, 8 rejected"
[ ! -s "$T/out" ] || fail "without --json, nothing on stdout"
run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/quiet" -q "$SAMPLES/exports/sale.csv"
assert_eq "$rc" 1 "-q"
[ ! -s "$T/err" ] || fail "-q still wrote: $(cat "$T/err")"

# Progress: never on a stderr that is not a terminal, even for a long run...
gen_sale 40000 0 "$T/long.csv"
run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/long" "$T/long.csv"
assert_eq "$rc" 0 "long run"
if grep -q $'\r' "$T/err" || grep -q 'rows/s ETA' "$T/err"; then fail "progress on a stderr that is not a terminal"; fi
# ...and on a terminal it does appear (the check above can fail).
if command -v script >/dev/null; then
    rm -rf "$T/long"
    script -qec "'$DF' convert -c '$SAMPLES/drugflow.yaml' -m '$SALE' -p 2026-10 -o '$T/long' '$T/long.csv'" /dev/null \
        >"$T/tty" 2>&1 </dev/null || true
    grep -q 'rows/s ETA' "$T/tty" || fail "no progress on a terminal: $(head -c 300 "$T/tty")"
fi
# --no-progress wins over a terminal; --progress forces it without one.
run convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 -o "$T/forced" --progress -q "$T/good.csv"
grep -q 'rows/s ETA' "$T/err" || fail "--progress did not show progress"
echo "command line as documented"
