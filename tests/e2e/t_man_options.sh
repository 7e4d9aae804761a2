#!/usr/bin/env bash
# tests/e2e/t_man_options.sh — the man pages document every option (issue 16).
# For each binary (drugflow, drugflow-sim) and its page docs/man/BIN.1.scd:
#  - every --long and -x short option that `BIN --help` lists must be in the
#    page's section "# OPTIONS";
#  - for every command that `BIN --help` lists under "Commands:", every option
#    that `BIN CMD --help` lists must be in the page's section "## CMD" (or
#    "## CMD SUBCOMMAND", e.g. "## catalog pull"), and `BIN CMD --help` must
#    exit 0.
# It fails naming each missing option and where it belongs. Options that a
# section documents but --help does not list are reported as warnings.
# Nothing here knows the option set: the help texts are the reference.
. "$(dirname "$0")/lib.sh"

MAN=$ROOT/docs/man
# The options a text lists: --long-name and -x (not inside words like
# YYYY-MM or PERIOD-DOCTYPE-01), one a line, sorted, unique.
options_in() { grep -oP '(?<![[:alnum:]_-])(--[[:alnum:]][[:alnum:]-]*[[:alnum:]]|-[[:alpha:]](?![[:alnum:]_-]))' | sort -u; }
# The commands a top-level help lists: the first word of each line of the
# "Commands:" block.
commands_in() { awk '/^Commands:/{f=1; next} f && /^[^ ]/{f=0} f && NF {print $1}'; }
# A section of an scdoc page: "# TITLE" up to the next "# ", or "## CMD[ ...]"
# up to the next "#"/"##" heading.
top_section() { awk -v t="$2" '$0 == "# " t {f=1; next} /^# / {f=0} f' "$1"; }
cmd_section() {
    awk -v c="$2" '/^##? / {f=0} /^## / {n=$0; sub(/^## +/, "", n); sub(/^(drugflow|drugflow-sim) +/, "", n);
                   split(n, w, " "); if (w[1] == c) {f=1; next}} f' "$1"
}
has_option() { grep -qP -- "(?<![[:alnum:]_-])\Q$2\E(?![[:alnum:]_-])" <<<"$1"; }

missing=0 warnings=0 checked=0
# check BIN_PATH PAGE WHERE SECTION_TEXT HELP_TEXT
check() {
    local bin=$1 page=$2 where=$3 section=$4 help=$5 o
    [ -n "$section" ] || { echo "MISSING: $page has no section $where (for '$bin' options)"; missing=$((missing + 1)); return; }
    while read -r o; do
        [ -n "$o" ] || continue
        checked=$((checked + 1))
        if ! has_option "$section" "$o"; then
            echo "MISSING: $o of '$bin --help' is not in section $where of $page"
            missing=$((missing + 1))
        fi
    done < <(options_in <<<"$help")
    while read -r o; do
        case $o in -h | --help) continue ;; esac   # every command takes them
        if ! has_option "$help" "$o"; then
            echo "warning: $page section $where documents $o, which '$bin --help' does not list"
            warnings=$((warnings + 1))
        fi
    done < <(options_in <<<"$section")
}

for bin in drugflow drugflow-sim; do
    exe=$BUILD/$bin page=$MAN/$bin.1.scd
    assert_file "$page"
    top=$("$exe" --help 2>&1) || fail "$bin --help exited $?"
    check "$bin" "$page" "'# OPTIONS'" "$(top_section "$page" OPTIONS)" "$top"
    cmds=$(commands_in <<<"$top")
    [ -n "$cmds" ] || fail "$bin --help lists no commands under 'Commands:'"
    for cmd in $cmds; do
        [ "$cmd" = help ] && continue
        h=$("$exe" "$cmd" --help 2>&1) || fail "$bin $cmd --help exited $?"
        check "$bin $cmd" "$page" "'## $cmd'" "$(cmd_section "$page" "$cmd")" "$h"
    done
done
echo "man pages: $checked options checked, $missing missing, $warnings warnings"
[ "$checked" -gt 50 ] || fail "only $checked options found in the help texts: is the extraction broken?"
[ "$missing" -eq 0 ] || fail "$missing option(s) missing from the man pages (docs/man/*.scd)"
