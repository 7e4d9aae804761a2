#!/usr/bin/env bash
# tests/pkg/in-root.sh DEB — run by t_deb_install.sh inside a fresh Debian 12
# root, in a folder holding only DEB and this script. From the installed
# files alone:
#   - the package depends on runtime libraries only, and installs with apt;
#   - man drugflow, drugflow-sim, drugflow.yaml(5), drugflow-mapping(5) show;
#   - bash completion loads through bash-completion, for both programs;
#   - systemd-analyze verify accepts drugflow@.service and drugflow@.timer;
#   - drugflow --version and drugflow-sim --version print the version;
#   - drugflow-sim finds the shipped profile and schema by itself;
#   - /usr/share/drugflow/demo.sh runs the month-end flow on the shipped
#     samples against the installed drugflow-sim;
#   - the month-end job script answers --help;
#   - removing the package leaves /etc/drugflow/drugflow.yaml (a conffile)
#     and nothing else; purging leaves nothing.
set -euo pipefail
deb=$PWD/$1
export DEBIAN_FRONTEND=noninteractive
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
# Every path of the root but the kernel's, caches, logs, package databases
# and scratch folders: what a package may not leave behind.
snapshot() {
    find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/tmp \
        -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log -o -path /root \
        -o -path "$PWD" \) -prune -o -print | sort
}

step "the package: $(basename "$deb")"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
recommends=$(dpkg-deb -f "$deb" Recommends)
pkgs=$(printf '%s' "$depends" | sed -e 's/([^)]*)//g' -e 's/|[^,]*//g' -e 's/,/ /g')
for p in $pkgs; do
    case $p in lib*) ;; *) fail "depends on $p, not a runtime library" ;; esac
done
ok "depends on runtime libraries only ($(wc -w <<<"$pkgs") packages)"

step "the tools of the checks (man-db, bash-completion, systemd), then the package's dependencies"
apt-get update -qq
apt-get install -y -qq --no-install-recommends man-db bash-completion systemd >/dev/null
apt-get install -y -qq --no-install-recommends $pkgs $(printf '%s' "$recommends" | sed 's/,/ /g') >/dev/null
snapshot >/var/tmp/before
step "apt-get install ./$(basename "$deb")"
apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
dpkg -s drugflow | grep -q '^Status: install ok installed' || fail "drugflow is not installed"
dpkg -L drugflow >/var/tmp/drugflow.list
ok "installed: $(grep -c . /var/tmp/drugflow.list) paths"

step "man pages"
for page in "1 drugflow" "1 drugflow-sim" "5 drugflow.yaml" "5 drugflow-mapping"; do
    set -- $page
    MANPAGER=cat MANWIDTH=80 man "$1" "$2" >/var/tmp/man.txt 2>/var/tmp/man.err || { cat /var/tmp/man.err; fail "man $1 $2"; }
    grep -q "^NAME" /var/tmp/man.txt && grep -q "^ *$2 - " /var/tmp/man.txt || { head -20 /var/tmp/man.txt; fail "man $1 $2 shows no page"; }
done
MANPAGER=cat MANWIDTH=80 man drugflow | sed -n '/^NAME/,/^SYNOPSIS/p'
ok "man drugflow, drugflow-sim, drugflow.yaml(5), drugflow-mapping(5)"

step "bash completion"
for prog in drugflow drugflow-sim; do
    got=$(bash -c '. /usr/share/bash-completion/bash_completion
                   __load_completion "$1" || exit 1
                   complete -p "$1" >&2
                   COMP_WORDS=("$1" ""); COMP_CWORD=1; _drugflow; echo "${COMPREPLY[*]}"' _ "$prog")
    echo "$prog: $got"
    want=$("$prog" --help | awk '/^Commands:/{f=1; next} f && /^[^ ]/{f=0} f && NF {print $1}' | xargs)
    [ -n "$want" ] && [ "$got" = "$want" ] || fail "completion of '$prog ': '$got', expected '$want'"
done
got=$(bash -c '. /usr/share/bash-completion/bash_completion; __load_completion drugflow
               COMP_WORDS=(drugflow run --mapping /usr/share/drugflow/mappings/sal); COMP_CWORD=3; _drugflow
               printf "%s\n" "${COMPREPLY[@]}"' | sort | xargs)
[ "$got" = "/usr/share/drugflow/mappings/sale.yaml /usr/share/drugflow/mappings/sale_gb18030.yaml /usr/share/drugflow/mappings/sale_return.yaml" ] \
    || fail "completion of a mapping file: '$got'"
ok "completion loads for drugflow and drugflow-sim: commands, file arguments"

step "systemd-analyze verify"
out=$(systemd-analyze verify /lib/systemd/system/drugflow@.service /lib/systemd/system/drugflow@.timer 2>&1) \
    || { echo "$out"; fail "systemd-analyze verify"; }
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify printed warnings"; }
ok "systemd-analyze verify accepts drugflow@.service and drugflow@.timer"

step "versions"
drugflow --version
drugflow-sim --version
v=$(dpkg-query -W -f='${Version}' drugflow)
drugflow -V | grep -qF "drugflow ${v%%+*}" && drugflow-sim -V | grep -qF "drugflow-sim ${v%%+*}" \
    || fail "drugflow -V, drugflow-sim -V do not show the package's version $v"
ok "drugflow --version, drugflow-sim --version"

step "drugflow-sim finds the shipped profile and schema"
mkdir -p /tmp/lookup && cd /tmp/lookup
/usr/share/drugflow/pki/make-pki.sh /tmp/lookup/pki >/dev/null
drugflow-sim seed --data /tmp/lookup/data --enterprise 91440101MA59TEST0A \
    --commodities /usr/share/drugflow/catalogs/commodities.csv --partners /usr/share/drugflow/catalogs/partners.csv
drugflow-sim serve --data /tmp/lookup/data --pki /tmp/lookup/pki --port 0 --port-file /tmp/lookup/port \
    --daemon --pid-file /tmp/lookup/pid >/tmp/lookup/out 2>/tmp/lookup/err || { cat /tmp/lookup/err; fail "drugflow-sim serve without --profile, --schema"; }
kill -TERM "$(cat /tmp/lookup/pid)"
cd - >/dev/null
ok "drugflow-sim seed and serve without --profile and --schema"

step "/usr/share/drugflow/demo.sh"
DEMO_DIR=/tmp/demo /usr/share/drugflow/demo.sh >/var/tmp/demo.log 2>&1 || { tail -40 /var/tmp/demo.log; fail "demo.sh"; }
tail -4 /var/tmp/demo.log
grep -q 'PASSED' /var/tmp/demo.log || fail "the demo shows no PASSED chunk"
ok "the demo flow on /usr/share/drugflow's samples against the installed drugflow-sim"

/usr/libexec/drugflow/month-end --help >/dev/null || fail "month-end --help"
ok "month-end --help"

step "apt-get remove drugflow"
apt-get remove -y -qq drugflow >/dev/null
dpkg -s drugflow | grep -q '^Status: deinstall ok config-files' || fail "not in state config-files: $(dpkg -s drugflow | grep Status)"
snapshot >/var/tmp/after
left=$(comm -13 /var/tmp/before /var/tmp/after | xargs)
gone=$(comm -23 /var/tmp/before /var/tmp/after | xargs)
echo "left: $left"
[ "$left" = "/etc/drugflow /etc/drugflow/drugflow.yaml" ] || fail "removing left '$left', not only /etc/drugflow/drugflow.yaml"
[ -z "$gone" ] || fail "removing took away '$gone'"
ok "removed: /etc/drugflow/drugflow.yaml (conffile) is left, and nothing else"

step "dpkg --purge drugflow"
dpkg --purge drugflow >/dev/null
snapshot >/var/tmp/purged
cmp -s /var/tmp/before /var/tmp/purged || { diff /var/tmp/before /var/tmp/purged; fail "purging left files"; }
ok "purged: nothing is left"
echo "$n passed, 0 failed"
