#!/usr/bin/env bash
# tests/e2e/rename-protocol.sh — derives, mechanically, a profile in which
# every name of the interface is different from a given one (gd-v1 or
# gd-v1-sm2), with everything that must agree with it: the data file schema,
# the mappings and the portal's catalog CSV headers. For t_protocol_rename.sh.
#
#   rename-protocol.sh PROFILE SCHEMA MAPPINGS_DIR CATALOGS_DIR OUT
#
# The new name of a name is rot13 of its letters with its digits mirrored
# (0<->9, 1<->8, ...): Response -> Erfcbafr, toUploadFile.do ->
# gbHcybnqSvyr.qb, 2004 -> 7995, PENDING -> CRAQVAT. Renamed are the
# values that name something on the wire or in a file: entries, the
# endpoints' path, every element and attribute of the data file, the field
# names, the document type codes, the catalog elements and columns, and the
# whole protocol: section (form fields, part, content types, answer
# elements and attributes, op values, the duplicate flag's values, code
# numbers, states). Kept are the profile's own keys (drugflow's roles),
# numbers that are limits, titles, reason codes and the signature: section
# (its URIs are W3C's or the SM2 profile's). Comments are dropped.
#
# Writes OUT/profile.yaml, OUT/schema.xsd, OUT/mappings/*.yaml,
# OUT/catalogs/{commodities,partners}.csv and OUT/names: one line
# "KIND NAME" per original name (KIND: word, attr, form, code, path, token),
# what t_protocol_rename.sh looks for in every file.
set -euo pipefail
[ $# -eq 5 ] || { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
profile=$1 schema=$2 mappings=$3 catalogs=$4 out=$5
mkdir -p "$out/mappings" "$out/catalogs"

# The awk function R: rot13 of letters, digits mirrored.
RENAME_AWK='
function R(s,   i, c, o, p) {
    o = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        p = index(U, c); if (p) { o = o substr(U, (p + 12) % 26 + 1, 1); continue }
        p = index(L, c); if (p) { o = o substr(L, (p + 12) % 26 + 1, 1); continue }
        p = index(D, c); if (p) { o = o substr(D, 11 - p, 1); continue }
        o = o c
    }
    return o
}
# Every identifier of s (not after "@", not a YAML key of drugflow) renamed.
function Rids(s, kind,   o, m) {
    o = ""
    while (match(s, /[A-Za-z_][A-Za-z0-9_.-]*/)) {
        m = substr(s, RSTART, RLENGTH)
        if (substr(s, RSTART - 1, 1) == "@" || m == "fields" || m == "title") o = o substr(s, 1, RSTART + RLENGTH - 1)
        else { o = o substr(s, 1, RSTART - 1) R(m); note(kind, m) }
        s = substr(s, RSTART + RLENGTH)
    }
    return o s
}
function note(kind, name) { if (!((kind, name) in seen)) { seen[kind, name] = 1; print kind, name > NAMES } }
BEGIN { U = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; L = "abcdefghijklmnopqrstuvwxyz"; D = "0123456789" }
'

# The profile: a line at a time, knowing its section (column 0) and
# subsection (column 2), the value being what follows "key: ".
awk -v NAMES="$out/names" "$RENAME_AWK"'
function strip(s) { sub(/[ \t]+#.*$/, "", s); return s }
/^[ \t]*#/ || /^[ \t]*$/ { next }
{ line = strip($0) }
/^[a-z_]+:/ { top = $1; sub(/:.*/, "", top); sub2 = "" }
/^  [a-z_]+:[ \t]*$/ { sub2 = $1; sub(/:.*/, "", sub2) }
function key_of(l,   k) { k = l; sub(/^[ \t]*/, "", k); sub(/:.*/, "", k); return k }
function val_of(l,   v) { v = l; sub(/^[^:]*:[ \t]*/, "", v); return v }
function head_of(l,   h) { h = l; sub(/:.*/, "", h); return h ":" }
function put(kind, l,   k, v, q) {
    v = val_of(l); q = ""
    if (v ~ /^".*"$/) { q = "\""; v = substr(v, 2, length(v) - 2) }
    note(kind, v)
    print head_of(l) " " q R(v) q
}
top == "profile" { print "profile: " R("gd-v1") "-renamed"; next }
top == "endpoints" && /^  / {
    v = val_of(line); match(v, /^https:\/\/[^\/]+/)
    note("path", substr(v, RLENGTH + 1))
    print head_of(line) " " substr(v, 1, RLENGTH) R(substr(v, RLENGTH + 1)); next }
top == "entries" && /^  / { put("path", line); next }
top == "datafile" && /^    / { k = key_of(line); note("word", k); print "    " R(k) ": " val_of(line); next }
top == "datafile" && /^  / {
    k = key_of(line)
    if (k == "version" || k == "header_fields" || k ~ /_max_/) { print line; next }
    put(k == "version_attribute" ? "attr" : "word", line); next }
top == "fields" && /^  / { k = key_of(line); note("word", k); sub(/^  [^:]*:/, "  " R(k) ":", line); print line; next }
top == "groups" && /^  [a-z_]+:/ { print head_of(line) Rids(substr(line, length(head_of(line)) + 1), "word"); next }
top == "groups" && /^  / { print Rids(line, "word"); next }
top == "doc_types" && /^  / {
    k = key_of(line); note("word", k)
    i = index(line, "fields:")
    print "  " R(k) ":" substr(line, length(head_of(line)) + 1, i - length(head_of(line)) - 1) \
          "fields:" Rids(substr(line, i + 7), "word"); next }
top == "catalogs" && /^    (list|item):/ { put("word", line); next }
top == "catalogs" && /^    (columns|key|record_fields):/ { print head_of(line) Rids(substr(line, length(head_of(line)) + 1), "word"); next }
top == "protocol" && sub2 == "requests" && /^    / {
    k = key_of(line); if (k ~ /_max_/) { print line; next }
    put(k ~ /content_type/ ? "token" : "form", line); next }
top == "protocol" && sub2 == "answer" && /^    / {
    k = key_of(line); if (k == "errors_max") { print line; next }
    if (k == "content_type") { v = val_of(line); gsub(/"/, "", v); t = v; sub(/;.*/, "", t); note("token", t)
                               print "    content_type: \"" R(t) substr(v, length(t) + 1) "\""; next }
    put(k ~ /^(op_attribute|error_seq|error_code)$/ ? "attr" : k ~ /^(op_|duplicate_)/ ? "token" : "word", line); next }
top == "protocol" && sub2 == "codes" && /^    [0-9]+:/ { k = key_of(line); note("code", k); sub(/^    [0-9]+:/, "    " R(k) ":", line); print line; next }
top == "protocol" && sub2 == "states" && /^    / { put("word", line); next }
{ print line }
' "$profile" >"$out/profile.yaml"

# The schema: the values of name=, type=, ref= and value= that are names.
awk -v NAMES=/dev/null -v LIST="$out/names" "$RENAME_AWK"'
BEGIN { while ((getline l < LIST) > 0) { split(l, f, " "); if (f[1] == "word" || f[1] == "attr") is[f[2]] = 1 } }
{
    o = ""; s = $0
    while (match(s, /(name|type|ref|value)="[^"]*"/)) {
        a = substr(s, RSTART, RLENGTH); i = index(a, "\""); v = substr(a, i + 1, length(a) - i - 1)
        o = o substr(s, 1, RSTART - 1) substr(a, 1, i) (v in is ? R(v) : v) "\""
        s = substr(s, RSTART + RLENGTH)
    }
    print o s
}' "$schema" | awk '/<!--/ { skip = 1 } !skip { print } /-->/ { skip = 0 }' >"$out/schema.xsd"

# The mappings: the document type and the field names (the keys under fields:).
for m in "$mappings"/*.yaml; do
    awk -v NAMES=/dev/null "$RENAME_AWK"'
    /^[ \t]*#/ { next }
    /^doc_type:/ { v = $2; print "doc_type: " R(v); next }
    /^[a-z_]+:/ { infields = ($1 == "fields:") }
    infields && /^  [A-Za-z_]/ { k = $1; sub(/:.*/, "", k); l = $0; sub(/^  [^:]*:/, "  " R(k) ":", l); print l; next }
    { print }' "$m" >"$out/mappings/$(basename "$m")"
done

# The catalogs: the header row's column names.
for c in "$catalogs"/*.csv; do
    awk -v NAMES=/dev/null "$RENAME_AWK"'
    NR == 1 { n = split($0, h, ","); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? "," : "") R(h[i]); print o; next }
    { print }' "$c" >"$out/catalogs/$(basename "$c")"
done
sort -u -o "$out/names" "$out/names"
