#!/bin/sh
# dist/version.sh — prints drugflow's version, the one `--version` shows and
# the Debian package carries. Run from anywhere; reads the checkout it is in.
#
#   a checkout at a release tag vX.Y[.Z]:   X.Y.Z          (git describe --tags)
#   N commits after that tag:               X.Y.Z-N-gHASH
#   a checkout with no release tag:         V-N-gHASH      (V = the VERSION file, N = commits in HEAD)
#   uncommitted changes to tracked files:   ...-dirty
#   no git (a tarball, the .deb's source):  the VERSION file as it is
#
# `make deb` writes this output into the VERSION file of the tree it builds,
# so the package and its binaries carry the same version; dist/make-deb.sh
# turns it into a Debian version (first '-' to '+', the others to '.').
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n '1{s/[[:space:]]//g;p;}' "$root/VERSION" 2>/dev/null || true)
[ -n "$base" ] || base=0
if [ -e "$root/.git" ] && command -v git >/dev/null 2>&1 &&
   d=$(git -C "$root" describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null); then
    case $d in
        v[0-9]*) echo "${d#v}" ;;
        *) echo "$base-$(git -C "$root" rev-list --count HEAD)-g$d" ;;
    esac
else
    echo "$base"
fi
