#!/usr/bin/env bash
# dist/make-deb.sh — `make deb`: builds drugflow_VERSION_ARCH.deb with the
# Debian tools and checks it with lintian.
#
# usage: dist/make-deb.sh OUTDIR
#
# Copies the tree (git's tracked and untracked-but-not-ignored files, as they
# are in the work tree; without git, everything but the build folders) to
# OUTDIR/drugflow-VERSION/, writes the version (dist/version.sh) into its
# VERSION file and into debian/changelog as a Debian version (the first '-'
# becomes '+', the others '.': 0.1-130-gc58e225 gives 0.1+130.gc58e225),
# runs `dpkg-buildpackage -b` there (debian/rules: the project's Makefile
# builds and installs), then `lintian` on the result: any error or warning
# fails, apart from the overrides in debian/drugflow.lintian-overrides (each
# with its reason). Writes OUTDIR/deb-file with the .deb's path, and copies
# the .deb into OUTDIR/.. (the build folder). Needs the packages of
# DEB_DEB_PACKAGES and the build dependencies (make deps-deb).
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$("$root/dist/version.sh")
debversion=$(printf '%s' "$version" | sed -e 's/-/+/' -e 's/-/./g')
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
src=$out/drugflow-$debversion
deb=$out/drugflow_${debversion}_$arch.deb

rm -rf "$out"/drugflow-* "$out"/drugflow_* "$out/deb-file"
mkdir -p "$src"
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -C "$src" -xf -
else
    tar --exclude=./build --exclude=./build-asan --exclude=./build-fuzz --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
printf '%s\n' "$version" >"$src/VERSION"
sed -i "1s/^drugflow ([^)]*)/drugflow ($debversion)/" "$src/debian/changelog"
echo "make-deb: building drugflow $debversion in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc -Jauto) >"$out/build.log" 2>&1 ||
    { tail -n 60 "$out/build.log"; echo "make-deb: dpkg-buildpackage failed (log $out/build.log)" >&2; exit 1; }
[ -f "$deb" ] || { echo "make-deb: $deb was not built" >&2; exit 1; }

echo "make-deb: lintian $deb"
rc=0
lintian --info --display-info --fail-on error,warning "$deb" >"$out/lintian.txt" 2>"$out/lintian.err" || rc=$?
cat "$out/lintian.txt"
grep -v 'running with root privileges' "$out/lintian.err" >&2 || true
[ $rc -eq 0 ] || { echo "make-deb: lintian found errors or warnings (above; $out/lintian.txt)" >&2; exit 1; }
echo "make-deb: lintian: $(grep -c '^[EWIP]: ' "$out/lintian.txt" || true) tags; overridden, with their reasons:"
grep -v '^$' "$root/debian/drugflow.lintian-overrides" | sed 's/^/    /'
printf '%s\n' "$deb" >"$out/deb-file"
cp "$deb" "$out/.."
echo "make-deb: $deb ($(du -h "$deb" | cut -f1)), depends: $(dpkg-deb -f "$deb" Depends)"
