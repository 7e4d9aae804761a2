#!/usr/bin/env bash
# tests/e2e/t_completion.sh — bash completion (dist/bash-completion/drugflow,
# issue 16): it loads in a plain bash, registers drugflow and drugflow-sim,
# and completes every command that `--help` lists, every option of every
# command's --help, sub-commands (catalog pull, config check), option
# arguments (files after --mapping and -m, folders only after --out, the
# values of --sign and --catalog) and file names for exports.
. "$(dirname "$0")/lib.sh"

cd "$ROOT"
export PATH=$BUILD:$PATH
# complete WORD...: the completions of the last word, one a line, sorted.
complete_words() {
    bash -c '. dist/bash-completion/drugflow || exit 1
             COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
             _drugflow; printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort
}
expect_words() { # expect_words "WANT..." WORD... : every WANT is completed
    local want=$1 w got; shift
    got=$(complete_words "$@")
    for w in $want; do
        grep -qxF -- "$w" <<<"$got" || fail "completing '$*': '$w' missing (got: $(echo $got))"
    done
}
expect_only() { # expect_only "WANT..." WORD... : exactly these
    local want=$1 got; shift
    got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
    assert_eq "$got" "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ' | sed 's/ $//')" "completing '$*'"
}
options_in() { grep -oP '(?<![[:alnum:]_-])(--[[:alnum:]][[:alnum:]-]*[[:alnum:]]|-[[:alpha:]](?![[:alnum:]_-]))' | sort -u; }
commands_in() { awk '/^Commands:/{f=1; next} f && /^[^ ]/{f=0} f && NF {print $1}'; }

bash -c '. dist/bash-completion/drugflow && complete -p drugflow && complete -p drugflow-sim' >"$T/complete-p" \
    || fail "the completion file does not load or register"
assert_contains "$T/complete-p" "_drugflow drugflow"

n=0
for bin in drugflow drugflow-sim; do
    cmds=$("$bin" --help | commands_in)
    expect_only "$cmds" "$bin" ""
    expect_words "$("$bin" --help | options_in | grep -- '^--')" "$bin" --
    for cmd in $cmds; do
        [ "$cmd" = help ] && continue
        sub=$("$bin" "$cmd" --help | awk -v c="$cmd" '/^usage:/ {for (i = 2; i < NF; i++) if ($i == c && $(i+1) ~ /^[a-z][a-z-]*$/) print $(i+1); while ((getline l) > 0) {}; exit}')
        if [ -n "$sub" ]; then
            expect_only "$sub" "$bin" "$cmd" ""
            set -- "$bin" "$cmd" "$sub"
        else
            set -- "$bin" "$cmd"
        fi
        opts=$("$bin" "$cmd" --help | options_in)
        expect_words "$(grep -- '^--' <<<"$opts")" "$@" --
        expect_words "$(grep -v -- '^--' <<<"$opts")" "$@" -
        n=$((n + $(wc -l <<<"$opts")))
    done
done
[ "$n" -gt 50 ] || fail "only $n options found in the help texts"

expect_only "samples/mappings/sale.yaml samples/mappings/sale_gb18030.yaml samples/mappings/sale_return.yaml" \
    drugflow run --mapping samples/mappings/sal
expect_only "samples/mappings/sale.yaml samples/mappings/sale_gb18030.yaml samples/mappings/sale_return.yaml" \
    drugflow convert -p 2026-10 -m samples/mappings/sal
expect_only "samples/exports/sale.csv samples/exports/sale.xlsx samples/exports/sale_gb18030.csv samples/exports/sale_return.csv" \
    drugflow run -m samples/mappings/sale.yaml --period 2026-10 samples/exports/sal
mkdir -p "$T/outdir"; : >"$T/outfile"
expect_only "$T/outdir" drugflow convert --out "$T/out"
expect_only "streaming reference none" drugflow convert --sign ""
expect_only "" drugflow run --period ""
expect_only "commodity partner" drugflow-sim catalog-delete --catalog ""
expect_only "pull" drugflow catalog ""
expect_only "check" drugflow config ""
echo "completion: commands, $n options, arguments and file names complete"
