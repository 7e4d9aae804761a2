#!/usr/bin/env bash
# The rooms keep their shape (README "Layout"): cli/ includes no library
# internals (no OpenSSL, SQLite, libxml2, xmlsec, libcurl, libyaml or libcsv
# header, even through another header); no function of the product is
# longer than 150 lines; every source file says at its top what it is for.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PRODUCT_DIRS="base config mapping converter writer workspace report uploader doctor simulator cli"
cflags=$(pkg-config --cflags libxml-2.0 xmlsec1-openssl libcurl 2>/dev/null)

# cli/: the headers each file pulls in, transitively.
bad=""
for f in cli/*.c; do
    m=$(gcc -std=c11 -D_GNU_SOURCE -I. -I"$BUILD/include" $cflags -DXMLSEC_CRYPTO_OPENSSL -M "$f") ||
        fail "$f: cannot list its headers (gcc -M)"
    deps=$(echo "$m" | tr ' \\' '\n\n' |
        grep -E '/(openssl|libxml|xmlsec1?/xmlsec|curl|gnutls)/|/(sqlite3|yaml|csv)\.h$' || true)
    [ -z "$deps" ] || bad="$bad $f:$(echo "$deps" | head -n 1)"
done
[ -z "$bad" ] || fail "cli/ reaches library internals:$bad"

# Function length: a definition starts at a line with an identifier in column
# 0 and ends at the next '}' in column 0 (the project's formatting).
long=$(for d in $PRODUCT_DIRS; do
    for f in "$d"/*.c; do
        awk -v F="$f" '
            /^[A-Za-z_].*\(/ && !/;[ \t]*$/ { cand = FNR; name = $0 }
            /^\{/ && cand { start = cand; fn = name; cand = 0 }
            /^[A-Za-z_].*\)[ \t]*\{[ \t]*$/ { start = FNR; fn = $0; cand = 0 }
            /^\}/ && start { if (FNR - start + 1 > 150) printf "%s:%d: %d lines: %s\n", F, start, FNR - start + 1, fn; start = 0 }
        ' "$f"
    done
done)
[ -z "$long" ] || fail "functions longer than 150 lines:
$long"

# A comment at the top of every source file, naming the file.
for d in $PRODUCT_DIRS; do
    for f in "$d"/*.[ch]; do
        head -n 1 "$f" | grep -q "^/\* $f — " || fail "$f does not start with '/* $f — what it is for'"
    done
done
# The check can fail: a long function is found.
printf 'int f(void)\n{\n%s\n}\n' "$(for i in $(seq 160); do echo "    x();"; done)" >"$T/long.c"
n=$(awk '/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { cand = FNR } /^\{/ && cand { start = cand; cand = 0 }
         /^\}/ && start { print FNR - start + 1; start = 0 }' "$T/long.c")
[ "$n" -gt 150 ] || fail "the length check does not see a 160-line function"
echo "layout as documented"
