#!/usr/bin/env bash
# tests/pkg/t_deb_install.sh DEB — the package in a brand-new minimal Debian
# 12 root (issue 16; `make test-deb` runs it after `make deb`, and so does CI).
#
# ../shared/tools/fresh-debian clones a repository's committed HEAD into the
# new root and runs a command there; the repository given it here is a
# scratch one holding only DEB and tests/pkg/in-root.sh, so that the root
# sees the installed files and nothing of the source tree. in-root.sh says
# what is checked. Exit status: in-root.sh's (0: every check passed).
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 DRUGFLOW.deb" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fresh=${FRESH_DEBIAN:-$root/../shared/tools/fresh-debian}
[ -x "$fresh" ] || { echo "t_deb_install: $fresh not found" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-deb-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/pkg"
cp "$deb" "$here/in-root.sh" "$work/pkg/"
git -C "$work/pkg" init -q
git -C "$work/pkg" add .
git -C "$work/pkg" -c user.name=t_deb_install -c user.email=t_deb_install@localhost commit -q -m "$(basename "$deb")"
start=$SECONDS
rc=0
"$fresh" "$work/pkg" "bash in-root.sh $(basename "$deb")" || rc=$?
echo "t_deb_install: exit $rc after $(( SECONDS - start ))s"
exit $rc
