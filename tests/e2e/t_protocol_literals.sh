#!/usr/bin/env bash
# tests/e2e/t_protocol_literals.sh — issue 13's "grep finds nothing": none of
# the wire protocol's names that used to be C constants is one any more, in
# the product's C sources (base config mapping converter writer workspace
# uploader simulator cli; tests and benchmarks are not the product).
#
# What is checked: the C code with its comments removed (comments may name
# the interface, as documentation), in two parts: the text of its string
# literals, and the code outside them. In literals: the answer element names
# of gd-v1 as words (Response, Code, Message, FileId, Duplicate, Version,
# Files, File, FileName, ReceivedAt, Status, Total, Passed, Failed, Errors,
# Error), its attributes as XML attributes (seq=", code=", op="), the form
# fields ("since", "fileId", since=, fileId=) and the part (a literal given
# to curl_mime_name or compared with a form key), the content
# type application/xml, the entry paths and clientAccept, the catalog ops as
# literals ("ADD", "UPDATE", "DELETE"), the file states PENDING and
# PROCESSING, the code numbers 1001 2001 2002 2003 2004 5000 as words, and
# any W3C or XML-DSig URI (w3.org, xmldsig). In code: a code number after
# case, ==, != or as an argument, and `code == 0` / `code != 0`.
# PASSED, PARTIAL and FAILED are also drugflow's own journal states
# (workspace/journal.c) and its report's words (uploader/status.c, cli/): there
# they are allowed; anywhere else not.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PRODUCT_DIRS="base config mapping converter writer workspace uploader simulator cli"

# Prints "FILE:LINE:S:text" for each string literal and "FILE:LINE:C:code"
# for each line's code outside literals, comments removed.
split_c() {
    awk '
    FNR == 1 { incom = 0 }
    /^[ \t]*#[ \t]*include/ { next }
    {
        s = $0; code = ""; i = 1; n = length(s)
        while (i <= n) {
            c = substr(s, i, 1); d = substr(s, i, 2)
            if (incom) { if (d == "*/") { incom = 0; i += 2 } else i++; continue }
            if (d == "/*") { incom = 1; i += 2; continue }
            if (d == "//") break
            if (c == "\x27") {  # a character literal
                j = i + 1; while (j <= n && substr(s, j, 1) != "\x27") j += (substr(s, j, 1) == "\\") ? 2 : 1
                code = code " "; i = j + 1; continue
            }
            if (c == "\"") {
                j = i + 1; lit = ""
                while (j <= n && substr(s, j, 1) != "\"") {
                    if (substr(s, j, 1) == "\\") { lit = lit substr(s, j, 2); j += 2 } else { lit = lit substr(s, j, 1); j++ }
                }
                print FILENAME ":" FNR ":S:" lit
                code = code " \"\" "; i = j + 1; continue
            }
            code = code c; i++
        }
        print FILENAME ":" FNR ":C:" code
    }' "$@"
}

files=$(for d in $PRODUCT_DIRS; do ls "$d"/*.[ch]; done)
# shellcheck disable=SC2086
split_c $files >"$T/split"
grep ':S:' "$T/split" >"$T/lits" || true
grep ':C:' "$T/split" >"$T/code" || true
[ "$(wc -l <"$T/lits")" -gt 1000 ] || fail "too few string literals found: the splitter is broken"

hits=$T/hits
: >"$hits"
lit_words='Response|Code|Message|FileId|Duplicate|Version|Files|File|FileName|ReceivedAt|Status|Total|Passed|Failed|Errors|Error|PENDING|PROCESSING|1001|2001|2002|2003|2004|5000'
grep -E ":S:(.*[^A-Za-z0-9_])?($lit_words)([^A-Za-z0-9_].*)?$" "$T/lits" >>"$hits" || true
grep -E ':S:.*(^|[^A-Za-z0-9_])(seq|code|op)=\\"' "$T/lits" >>"$hits" || true
grep -E ':S:(since|fileId|ADD|UPDATE|DELETE)$' "$T/lits" >>"$hits" || true
# The upload part and its type as literals where the HTTP code names them.
grep -E ':C:.*(curl_mime_(name|type)\([^)]*""|strcmp\(key, *""\))' "$T/code" >>"$hits" || true
grep -E ':S:.*(since=|fileId=|application/xml|clientAccept|toOperationCommodity|toContactsBusiness|toUploadFile|toDowloadFileDeal|w3\.org|xmldsig)' \
    "$T/lits" >>"$hits" || true
grep -E ':S:(.*[^A-Za-z0-9_])?(PASSED|PARTIAL|FAILED)([^A-Za-z0-9_].*)?$' "$T/lits" |
    grep -vE '^(workspace/journal\.c|uploader/status\.c|cli/[a-z_]+\.[ch]):' >>"$hits" || true
codes='1001|2001|2002|2003|2004|5000'
grep -E ":C:.*(case +($codes)[^0-9]|[=!]= *($codes)([^0-9]|$)|[(,] *($codes) *[,)])" "$T/code" >>"$hits" || true
grep -E ':C:.*code *[=!]= *0([^0-9x.]|$)' "$T/code" >>"$hits" || true
[ ! -s "$hits" ] || fail "protocol names as C literals (they belong in the profile):
$(sort -u "$hits" | head -n 30)"

# The check can fail: today's main had all of these.
cat >"$T/old.c" <<'EOF'
static const char E_RESPONSE[] = "Response", E_CODE[] = "Code";
int f(int code) { if (code == 5000) return 1; switch (code) { case 2004: return 2; } return code != 0; }
const char *p = "since", *u = "http://www.w3.org/2000/09/xmldsig#", *s = "<Error seq=\"%lld\" code=\"%s\">";
void g(void) { curl_mime_name(part, "file"); }
/* a comment naming Response, 5000 and PENDING is fine */
const char *st = "PENDING";
EOF
split_c "$T/old.c" >"$T/old.split"
n=$(grep -cE ":S:(.*[^A-Za-z0-9_])?($lit_words)([^A-Za-z0-9_].*)?$|:S:(since)$|:S:.*w3\.org|:S:.*(seq|code)=\\\\\"" "$T/old.split")
[ "$n" -ge 5 ] || fail "the check finds only $n of the 6 literals of the old code"
grep -qE ":C:.*[=!]= *($codes)([^0-9]|$)" "$T/old.split" || fail "the check misses 'code == 5000'"
grep -qE ":C:.*case +($codes)[^0-9]" "$T/old.split" || fail "the check misses 'case 2004:'"
grep -qE ':C:.*curl_mime_name\([^)]*""' "$T/old.split" || fail "the check misses the part name"
! grep -q ':S:.*a comment naming' "$T/old.split" || fail "a comment was taken for code"
echo "no protocol name of gd-v1 is a C literal in $(echo "$files" | wc -w) product sources"
