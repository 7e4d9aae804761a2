# tests/e2e/lib.sh — helpers sourced by the end-to-end test scripts.
# Each script: `. "$(dirname "$0")/lib.sh"`; then uses $DF, $SIM, $ROOT, $T (a
# fresh temp dir removed at exit) and the assertions below.
set -euo pipefail
: "${BUILD:?}" "${ROOT:?}"
DF=$BUILD/drugflow
SIM=$BUILD/drugflow-sim
GEN=$BUILD/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/drugflow-e2e.XXXXXX")
_cleanup_hooks=()
on_exit() { _cleanup_hooks+=("$1"); }
_run_cleanup() { local h; for h in "${_cleanup_hooks[@]}"; do eval "$h" || true; done; rm -rf "$T"; }
trap _run_cleanup EXIT
fail() { echo "ASSERTION FAILED: $*" >&2; exit 1; }
assert_eq() { [ "$1" == "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"; }
assert_file() { [ -f "$1" ] || fail "missing file $1"; }
assert_contains() { grep -q -- "$2" "$1" || fail "$1 does not contain '$2'"; }
assert_not_contains() { ! grep -q -- "$2" "$1" || fail "$1 contains '$2'"; }
# Runs a command expecting exit status $1: expect_status 2 cmd args...
expect_status() { local want=$1; shift; local rc=0; "$@" || rc=$?; [ "$rc" -eq "$want" ] || fail "exit $rc, expected $want: $*"; }
