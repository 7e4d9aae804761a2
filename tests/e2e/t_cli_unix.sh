#!/usr/bin/env bash
# The command line as Unix tools behave (issue 16): '-' reads an export
# from standard input (a pipe, a redirected file), --rejects - writes the
# rejected rows to standard output, the --json summaries carry the version,
# and standard error is a log when it is not a terminal: every line starts
# with the time, drugflow[PID] and a level (info, warning, error, debug with
# -v); on a terminal messages stay as they are.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
IN=$SAMPLES/exports/sale.csv
base=(convert -c "$SAMPLES/drugflow.yaml" -m "$SALE" -p 2026-10 --created-at "$CREATED")
"$DF" "${base[@]}" -o "$T/file" -q "$IN" || true

# 1. '-' as standard input: a pipe and a redirect give the chunk a file gives.
rc=0; cat "$IN" | "$DF" "${base[@]}" -o "$T/pipe" -q - || rc=$?
assert_eq "$rc" 1 "from a pipe (rows rejected)"
cmp -s "$T/file/2026-10-SALE-01_00001.xml" "$T/pipe/2026-10-SALE-01_00001.xml" || fail "a pipe gives other bytes"
assert_contains "$T/pipe/rejects.csv" "/dev/stdin,15,E_NEGATIVE_QTY"
rc=0; "$DF" "${base[@]}" -o "$T/redir" -q - <"$IN" || rc=$?
assert_eq "$rc" 1 "from a redirected file"
cmp -s "$T/file/2026-10-SALE-01_00001.xml" "$T/redir/2026-10-SALE-01_00001.xml" || fail "a redirect gives other bytes"
rc=0; "$DF" "${base[@]}" -o "$T/twice" - - <"$IN" 2>"$T/twice.err" || rc=$?
assert_eq "$rc" 2 "standard input twice"
assert_contains "$T/twice.err" "standard input ('-') can be read once only"

# 2. --rejects -: the rows on standard output, no rejects.csv, the rest as usual.
rc=0; "$DF" "${base[@]}" -o "$T/rout" -q --rejects - "$IN" >"$T/rejects.out" || rc=$?
assert_eq "$rc" 1 "--rejects -"
[ ! -e "$T/rout/rejects.csv" ] || fail "--rejects - still wrote rejects.csv"
assert_eq "$(grep -c 'E_' "$T/rejects.out")" 8 "the 8 rejected rows on standard output"
head -n 1 "$T/rejects.out" | grep -q '^file,line,reasons,message' || fail "no header on standard output"
assert_file "$T/rout/missing-partners.csv"
rc=0; "$DF" "${base[@]}" -o "$T/rj" --rejects - --json "$IN" >/dev/null 2>"$T/rj.err" || rc=$?
assert_eq "$rc" 2 "--rejects - with --json"
assert_contains "$T/rj.err" "give --rejects FILE"

# 3. The version in --json summaries.
v=$("$DF" --version | cut -d' ' -f2)
[ -n "$v" ] || fail "no version"
"$DF" "${base[@]}" -o "$T/js" -q --json "$IN" >"$T/js.json" || true
grep -q "^{\"version\": \"$v\", " "$T/js.json" || fail "convert --json: no version: $(head -c 120 "$T/js.json")"
"$DF" doctor -c "$SAMPLES/drugflow.yaml" --offline --json >"$T/doc.json" 2>/dev/null || true
grep -q "^{\"version\": \"$v\", " "$T/doc.json" || fail "doctor --json: no version"
"$DF" verify --ca /dev/null --json "$T/file/2026-10-SALE-01_00001.xml" >"$T/verify.json" 2>/dev/null || true
grep -q "^{\"version\": \"$v\", " "$T/verify.json" || fail "verify --json: no version: $(cat "$T/verify.json")"

# 4. Standard error as a log: time, program[pid], level.
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} drugflow\[[0-9]+\] '
"$DF" "${base[@]}" -o "$T/log" "$IN" 2>"$T/log.err" || true
[ -s "$T/log.err" ] || fail "no summary on standard error"
bad=$(grep -cvE "${stamp}(info|warning|error|debug): " "$T/log.err" || true)
assert_eq "$bad" 0 "every line of standard error is a log line: $(grep -vE "$stamp" "$T/log.err" | head -n 2)"
grep -qE "${stamp}info: SALE batch 2026-10-SALE-01: 21 rows read" "$T/log.err" || fail "the summary is not info"
rc=0; "$DF" "${base[@]}" -o "$T/bad" --threads 0 "$IN" 2>"$T/bad.err" || rc=$?
assert_eq "$rc" 2 "usage error"
grep -qE "${stamp}error: drugflow convert: --threads takes 1 to 64" "$T/bad.err" || fail "a usage error is not an error line: $(cat "$T/bad.err")"
rc=0; "$DF" "${base[@]}" -o "$T/missing" "$T/nope.csv" 2>"$T/missing.err" || rc=$?
grep -qE "${stamp}error: $T/nope.csv: cannot read the input" "$T/missing.err" || fail "a failure is not an error line: $(cat "$T/missing.err")"
# -v: debug lines, before or after the command
"$DF" -v "${base[@]}" -o "$T/v1" -q "$IN" 2>"$T/v1.err" || true
grep -qE "${stamp}debug: configuration $SAMPLES/drugflow.yaml; profile .*gd-v1.yaml; mapping $SALE \(SALE, " "$T/v1.err" ||
    fail "drugflow -v convert: no debug line: $(cat "$T/v1.err")"
"$DF" "${base[@]}" -v -o "$T/v2" -q "$IN" 2>"$T/v2.err" || true
grep -qE "${stamp}debug: " "$T/v2.err" || fail "convert -v: no debug line"
"$DF" "${base[@]}" -o "$T/v3" -q "$IN" 2>"$T/v3.err" || true
if grep -q "debug:" "$T/v3.err"; then fail "debug lines without -v"; fi
# On a terminal: messages as they are, no prefix.
if command -v script >/dev/null; then
    script -qec "'$DF' convert -c '$SAMPLES/drugflow.yaml' -m '$SALE' -p 2026-10 -o '$T/tty' --threads 0 '$IN'" /dev/null \
        >"$T/tty.out" 2>&1 </dev/null || true
    grep -q "^drugflow convert: --threads takes 1 to 64" "$T/tty.out" || fail "on a terminal: $(cat "$T/tty.out")"
    if grep -qE "drugflow\[[0-9]+\]" "$T/tty.out"; then fail "a log prefix on a terminal"; fi
fi
echo "stdin, --rejects -, versions and log lines as documented"
