#!/usr/bin/env bash
# Parallel parsing (issue 14): a file cut into byte ranges parsed by several
# workers gives the very same chunks and rejects.csv as one worker, and as
# the sequential pipeline a FIFO or a pipe on stdin falls back to: for 1, 2
# and 8 threads, with ranges made tiny (DRUGFLOW_RANGE_BYTES) so that range
# edges fall inside quoted fields holding LF and CRLF, on CRLFs, inside
# doubled quotes, and inside multi-byte UTF-8, GBK and GB18030 characters.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/convert/helpers.sh"

SALE=$SAMPLES/mappings/sale.yaml
same_output() { # DIR_A DIR_B WHAT — same chunk files and rejects.csv, byte for byte
    [ -d "$2" ] || fail "$3: no output: $(cat "$2.err" 2>/dev/null)"
    local a b f
    a=$(cd "$1" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    b=$(cd "$2" && ls -1 *.xml rejects.csv | tr '\n' ' ')
    assert_eq "$b" "$a" "$3: the same files"
    for f in $a; do cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs"; done
}
json_stat() { grep -o "\"$2\":[0-9]*" "$1" | head -n 1 | cut -d: -f2; } # FILE KEY

# A SALE export with bad rows, where many rows hold quoted fields over
# several lines (LF, and CRLF which the XML keeps as &#xD;), doubled quotes
# and a quoted first field.
gen_sale 3000 13 "$T/base.csv"
LC_ALL=C awk 'NR > 1 && NR % 3 == 0 { sub(/,阿莫西林胶囊,/, ",\"阿莫西林\n胶囊\",") }
    NR > 1 && NR % 4 == 0 { sub(/,氨氯地平片,/, ",\"氨氯地平\r\n片\r\n（薄膜衣）\",") }
    NR > 1 && NR % 5 == 0 { sub(/,华润三九医药股份有限公司,/, ",\"华润\"\"三九\"\"医药股份有限公司\",") }
    NR > 1 && NR % 7 == 0 { sub(/^XS/, "\"X\n"); sub(/^"X\n[0-9]*/, "&\"") }
    { print }' "$T/base.csv" >"$T/in.csv"
[ "$(grep -c '^胶囊",' "$T/in.csv")" -gt 100 ] || fail "few quoted newlines in the input"

# The reference: one worker, ranges as large as the default.
mkdir -p "$T/src"
cp "$T/in.csv" "$T/src/sale.csv"
convert "$T/ref" "$SALE" --chunk-records 97 --threads 1 "$T/src/sale.csv"
assert_eq "$rc" 1 "reference: $(cat "$T/ref.err")"
[ "$(chunks "$T/ref" | wc -l)" -gt 20 ] || fail "reference: too few chunks"
[ "$(rejects_body "$T/ref/rejects.csv" | wc -l)" -gt 100 ] || fail "reference: too few rejects"

# The sequential fallback: the same path as a FIFO.
mv "$T/src/sale.csv" "$T/sale.csv"
mkfifo "$T/src/sale.csv"
cat "$T/sale.csv" >"$T/src/sale.csv" &
convert "$T/fifo" "$SALE" --chunk-records 97 --threads 2 --stats "$T/src/sale.csv"
wait
assert_eq "$(json_stat "$T/fifo.json" streamed_inputs)" 1 "the FIFO is streamed"
same_output "$T/ref" "$T/fifo" "FIFO (sequential pipeline)"
rm "$T/src/sale.csv"
mv "$T/sale.csv" "$T/src/sale.csv"

# Tiny ranges, 1, 2 and 8 workers. 61 bytes: several range edges in every
# row; 509 and 4093: an edge every few rows.
reparsed=0
for range in 61 509 4093; do
    for threads in 1 2 8; do
        DRUGFLOW_RANGE_BYTES=$range convert "$T/r$range-$threads" "$SALE" --chunk-records 97 --threads "$threads" \
            --stats "$T/src/sale.csv"
        same_output "$T/ref" "$T/r$range-$threads" "ranges of $range bytes, $threads threads"
        assert_eq "$(json_stat "$T/r$range-$threads.json" streamed_inputs)" 0 "a regular file is split"
        reparsed=$((reparsed + $(json_stat "$T/r$range-$threads.json" reparsed)))
    done
done
# Edges did fall inside quoted newlines: guesses were wrong and ranges were
# parsed again.
[ "$reparsed" -gt 0 ] || fail "no range was parsed again: the edges missed the quoted newlines"
echo "ranges parsed again after a wrong guess: $reparsed"

# A range whose rows do not fit one block (here: many rejected rows, more
# rejects.csv text than a block holds) is cut, and the rest of it parsed as a
# continuation: the same output again.
gen_sale 12000 2 "$T/allbad.csv"
convert "$T/allbad1" "$SALE" --threads 1 "$T/allbad.csv"
DRUGFLOW_RANGE_BYTES=1048576 convert "$T/allbad2" "$SALE" --threads 2 --stats "$T/allbad.csv"
same_output "$T/allbad1" "$T/allbad2" "continued ranges"
[ "$(json_stat "$T/allbad2.json" continued)" -gt 0 ] || fail "no range was continued"

# Chunk limits by bytes as well as records, across range edges.
DRUGFLOW_RANGE_BYTES=509 convert "$T/bytes8" "$SALE" --chunk-bytes 64K --threads 8 "$T/src/sale.csv"
convert "$T/bytes1" "$SALE" --chunk-bytes 64K --threads 1 "$T/src/sale.csv"
same_output "$T/bytes1" "$T/bytes8" "64 KiB chunks"

# A pipe on stdin (/dev/stdin) is streamed too: the same chunks.
cat "$T/src/sale.csv" | convert "$T/stdin" "$SALE" --chunk-records 97 --threads 2 /dev/stdin
for f in $(cd "$T/ref" && ls *.xml); do cmp -s "$T/ref/$f" "$T/stdin/$f" || fail "stdin: $f differs"; done
diff <(rejects_body "$T/ref/rejects.csv" | cut -d, -f2-) <(rejects_body "$T/stdin/rejects.csv" | cut -d, -f2-) \
    >/dev/null || fail "stdin: rejects differ"

# GBK (two-byte characters) and GB18030 (also four bytes: U+20000, 𠀀):
# range edges inside characters, the same output as the stream.
mapping() { # NAME ENCODING [DELIMITER]
    sed -e "s/^encoding: UTF-8 .*/encoding: $2/" -e "s/^  delimiter: \",\"/  delimiter: \"${3:-,}\"/" "$SALE" \
        >"$T/$1.yaml"
}
mapping gbk GBK
mapping gb18030 GB18030
# (without the rows of invalid UTF-8, which iconv cannot convert)
grep -av $'\377' "$T/src/sale.csv" >"$T/valid.csv"
grep -av '𠀀' "$T/valid.csv" >"$T/nou.csv"
iconv -f UTF-8 -t GBK "$T/nou.csv" >"$T/gbk.csv"
iconv -f UTF-8 -t GB18030 "$T/valid.csv" >"$T/gb18030.csv"
grep -q $'\x95\x32\x82\x36' "$T/gb18030.csv" || fail "no four-byte GB18030 character in the input"
for enc in gbk gb18030; do
    mkfifo "$T/$enc.fifo"
    cat "$T/$enc.csv" >"$T/$enc.fifo" &
    convert "$T/$enc-fifo" "$T/$enc.yaml" --chunk-records 97 --threads 2 "$T/$enc.fifo"
    wait
    for range in 7 61 1021; do
        for threads in 1 2 8; do
            DRUGFLOW_RANGE_BYTES=$range convert "$T/$enc-$range-$threads" "$T/$enc.yaml" --chunk-records 97 \
                --threads "$threads" --stats "$T/$enc.csv"
            assert_eq "$(json_stat "$T/$enc-$range-$threads.json" streamed_inputs)" 0 "$enc is split"
            for f in $(cd "$T/$enc-fifo" && ls *.xml); do
                cmp -s "$T/$enc-fifo/$f" "$T/$enc-$range-$threads/$f" ||
                    fail "$enc, ranges of $range bytes, $threads threads: $f differs"
            done
            assert_eq "$(chunks "$T/$enc-$range-$threads" | wc -l)" "$(chunks "$T/$enc-fifo" | wc -l)" "$enc: chunks"
            diff <(rejects_body "$T/$enc-fifo/rejects.csv" | cut -d, -f2-) \
                <(rejects_body "$T/$enc-$range-$threads/rejects.csv" | cut -d, -f2-) >/dev/null ||
                fail "$enc, ranges of $range bytes, $threads threads: rejects differ"
        done
    done
done
# GBK's chunks are the UTF-8 file's (minus the rows GBK cannot hold).
convert "$T/nou" "$SALE" --chunk-records 97 "$T/nou.csv"
for f in $(cd "$T/nou" && ls *.xml); do cmp -s "$T/nou/$f" "$T/gbk-61-8/$f" || fail "GBK vs UTF-8: $f differs"; done

# A GBK dialect whose delimiter can be a trail byte ('|', 0x7C) is not
# trusted to ranges: it is streamed, with the same result.
mapping gbkpipe GBK '|'
tr ',' '|' <"$T/base.csv" | grep -av '𠀀' | grep -av $'\377' | iconv -f UTF-8 -t GBK >"$T/pipe.csv"
DRUGFLOW_RANGE_BYTES=61 convert "$T/pipe8" "$T/gbkpipe.yaml" --chunk-records 97 --threads 8 --stats "$T/pipe.csv"
assert_eq "$(json_stat "$T/pipe8.json" streamed_inputs)" 1 "GBK with '|' is streamed"
[ "$(chunks "$T/pipe8" | wc -l)" -gt 10 ] || fail "GBK with '|': no chunks ($(cat "$T/pipe8.err"))"

# Several inputs: numbering and rejects run on across them, split or not.
DRUGFLOW_RANGE_BYTES=509 convert "$T/multi8" "$SALE" --chunk-records 97 --threads 8 "$T/src/sale.csv" \
    "$T/nou.csv" "$T/src/sale.csv"
convert "$T/multi1" "$SALE" --chunk-records 97 --threads 1 "$T/src/sale.csv" "$T/nou.csv" "$T/src/sale.csv"
same_output "$T/multi1" "$T/multi8" "three inputs"
# One of them a FIFO (streamed alone, between ranges of the others).
for threads in 1 2 8; do
    rm -f "$T/mid.csv"
    mkfifo "$T/mid.csv"
    cat "$T/nou.csv" >"$T/mid.csv" &
    DRUGFLOW_RANGE_BYTES=509 convert "$T/mixed$threads" "$SALE" --chunk-records 97 --threads "$threads" \
        "$T/src/sale.csv" "$T/mid.csv" "$T/src/sale.csv"
    wait
    for f in $(cd "$T/multi1" && ls *.xml); do
        cmp -s "$T/multi1/$f" "$T/mixed$threads/$f" || fail "a FIFO between files, $threads threads: $f differs"
    done
    assert_eq "$(chunks "$T/mixed$threads" | wc -l)" "$(chunks "$T/multi1" | wc -l)" "FIFO between files: chunks"
done
echo "parallel ranges give the sequential output"
