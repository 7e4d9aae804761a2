#!/usr/bin/env bash
# tests/e2e/t_convert_diskfull.sh — `drugflow convert` when the output cannot
# be written (issue 7): a file-size limit (ulimit -f: SIGXFSZ is ignored so
# write() fails with EFBIG), a full disk (a 1 MiB tmpfs, when this user may
# mount one) and an unwritable output folder (read-only tmpfs as root, mode
# 555 otherwise). Each gives exit 3 with a message naming the file and the
# cause, and leaves no chunk, rejects file or temporary file behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

cat >"$T/cfg.yaml" <<'YAML'
enterprise:
  code: 91440101MA59TEST0A
  name: 测试医药有限公司
YAML
"$GEN" --rows 12000 --bad-share 0.05 --catalogs "$T/cat" --commodities 2000 --partners 500 --out "$T/in.csv" \
    >/dev/null 2>&1
convert() { # OUT [extra options]
    local out=$1
    shift
    "$DF" convert -c "$T/cfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" --catalogs "$T/cat" --period 2026-10 \
        --out "$out" --chunk-records 2000 -q "$@" "$T/in.csv"
}
export DRUGFLOW_PASSPHRASE=$PASS
# Nothing under a final name, no temporary file either.
assert_empty() {
    local left
    left=$(find "$1" -mindepth 1 | sed -n 1,5p)
    [ -z "$left" ] || fail "$2: left behind: $left"
}
expect_failure() { # WHAT ERRFILE PATTERN
    grep -q -- "$3" "$2" || fail "$1: message should say '$3': $(cat "$2")"
    grep -q -- "$T" "$2" || fail "$1: message should name the file: $(cat "$2")"
}

# 1. File-size limit: 1 MiB (ulimit -f counts 1024-byte blocks here).
for sign in none streaming reference; do
    mkdir -p "$T/lim-$sign"
    rc=0
    (ulimit -f 1024; convert "$T/lim-$sign" --sign "$sign" --key "$PKI/ent-a.p12") 2>"$T/lim.err" || rc=$?
    [ "$rc" -eq 3 ] || fail "ulimit -f, sign $sign: exit $rc (153 = killed by SIGXFSZ): $(cat "$T/lim.err")"
    expect_failure "ulimit -f" "$T/lim.err" "File too large"
    assert_empty "$T/lim-$sign" "ulimit -f, sign $sign"
done

# 2. A full disk, if a tmpfs can be mounted here.
mkdir -p "$T/full"
if mount -t tmpfs -o size=1m tmpfs "$T/full" 2>/dev/null; then
    on_exit "umount '$T/full'"
    for sign in none streaming reference; do
        rc=0
        convert "$T/full" --sign "$sign" --key "$PKI/ent-a.p12" 2>"$T/full.err" || rc=$?
        [ "$rc" -eq 3 ] || fail "full disk, sign $sign: exit $rc: $(cat "$T/full.err")"
        expect_failure "full disk" "$T/full.err" "No space left on device"
        assert_empty "$T/full" "full disk, sign $sign"
    done
    # drugflow run (once the uploader is on main) with its workspace on the
    # full disk: a clear error; any chunk under a final name is whole.
    if "$DF" run --help >/dev/null 2>&1; then
        seed "$T/data" "$A"
        sim_start "$T/data"
        cat "$T/cfg.yaml" - >"$T/runcfg.yaml" <<YAML
tls:
  ca: $PKI/ca.pem
certificate:
  key: $PKI/ent-a.p12
  passphrase_env: DRUGFLOW_PASSPHRASE
workspace: $T/full/ws
YAML
        rc=0
        "$DF" run -c "$T/runcfg.yaml" -m "$ROOT/samples/mappings/sale.yaml" --catalogs "$T/cat" -p 2026-10 \
            --endpoint "$URL/" --chunk-records 2000 -q "$T/in.csv" 2>"$T/run.err" || rc=$?
        [ "$rc" -ge 2 ] || fail "run on a full disk: exit $rc"
        grep -q "No space left on device" "$T/run.err" || fail "run on a full disk: $(cat "$T/run.err")"
        for f in $(find "$T/full" -name '*.xml' ! -name '.*'); do
            xmllint --noout "$f" 2>/dev/null || fail "run on a full disk left a truncated chunk: $f"
        done
        sim_stop
        rm -rf "$T/full/ws"
    fi
    # The same output fits once there is room: the failure left nothing stale.
    umount "$T/full"
    mount -t tmpfs -o size=64m tmpfs "$T/full"
    convert "$T/full" --sign streaming --key "$PKI/ent-a.p12" 2>"$T/full.err" || [ $? -eq 1 ] ||
        fail "conversion with room failed: $(cat "$T/full.err")"
    "$DF" verify --ca "$PKI/ca.pem" "$T"/full/*.xml >/dev/null || fail "chunks written with room do not verify"
else
    echo "SKIP full disk: cannot mount a tmpfs as $(id -un)"
fi

# 3. An unwritable output folder.
mkdir -p "$T/ro"
if [ "$(id -u)" = 0 ]; then
    mount -t tmpfs -o ro,size=1m tmpfs "$T/ro" 2>/dev/null && on_exit "umount '$T/ro'" ||
        { echo "SKIP unwritable folder: root cannot mount a read-only tmpfs"; ro_skip=1; }
else
    chmod 555 "$T/ro"
fi
if [ -z "${ro_skip:-}" ]; then
    rc=0
    convert "$T/ro" 2>"$T/ro.err" || rc=$?
    [ "$rc" -ne 0 ] || fail "unwritable folder: exit 0"
    [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ] || fail "unwritable folder: exit $rc"
    grep -qiE "read-only|permission denied" "$T/ro.err" || fail "unwritable folder: $(cat "$T/ro.err")"
    grep -q "writable" "$T/ro.err" || fail "unwritable folder: should say to check it is writable: $(cat "$T/ro.err")"
    assert_empty "$T/ro" "unwritable folder"
fi
echo "file-size limit, full disk and unwritable folder: clear errors, nothing left behind"
