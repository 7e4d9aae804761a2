#!/usr/bin/env bash
# tests/e2e/t_protocol_rename.sh — issue 13's proof: the whole wire protocol
# is profile data. rename-protocol.sh derives from gd-v1.yaml a profile in
# which every element, attribute, entry path, form field, part name, content
# type, op value, code number and state name is different (rot13, digits
# mirrored), with its schema, mappings and catalog headers. drugflow-sim is
# started with it, drugflow runs the demo flow against it (catalog pull, run
# of all seven document types, status), every chunk must end PASSED, and no
# file on either side — the workspace, the sim's data folder, its request
# log, the answers of every entry captured with curl — holds any of gd-v1's
# names. Then the same with gd-v1-sm2.yaml (SM2-with-SM3 signatures,
# verified by drugflow-sim with OpenSSL; TLS with the RSA certificate).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"
export LC_ALL=C

# gd-v1's names, and what a file must not contain for each (see
# rename-protocol.sh for the kinds): the list must be complete enough to
# mean something, and the grep must find each name where gd-v1 has it.
check_names_list() {
    local names=$1
    [ "$(grep -c '^word ' "$names")" -ge 60 ] || fail "only $(grep -c '^word ' "$names") element names collected"
    for k in attr form code path token; do grep -q "^$k " "$names" || fail "no $k names collected"; done
    while read -r kind name; do
        [ "$kind" = word ] || continue
        grep -qwF -- "$name" "$ROOT/samples/profile/gd-v1.yaml" "$ROOT/samples/schema/gd-v1.xsd" ||
            fail "the word check cannot even find '$name' in gd-v1"
    done <"$names"
}

# no_gd_names NAMES DIR... — no file or file name under the DIRs holds one.
# The journal's own chunk states (written … PASSED, PARTIAL, FAILED) are
# drugflow's vocabulary, not the interface's: in journal.sqlite the state
# column is left out of the check, everything else of it is checked.
no_gd_names() {
    local names=$1
    shift
    local files=$T/files.list hits=$T/hits
    find "$@" -type f ! -name 'journal.sqlite*' >"$files"
    : >"$hits"
    for j in $(find "$@" -name journal.sqlite); do
        sqlite3 "$j" .dump | sed -E "s/'(written|signed|uploading|uploaded|refused|PASSED|PARTIAL|FAILED)'/'<state>'/g" \
            >"$T/journal-$(basename "$(dirname "$j")").dump"
        echo "$T/journal-$(basename "$(dirname "$j")").dump" >>"$files"
    done
    # One grep per kind of name, over every file (and every file name).
    local k
    for k in word attr form path op; do
        case "$k" in
            op) sed -n 's/^token \(ADD\|UPDATE\|DELETE\)$/\1/p' "$names" ;;
            *) sed -n "s/^$k //p" "$names" ;;
        esac >"$T/pat.$k"
    done
    sed -i 's/^/<[A-Za-z_][^<>]*[[:space:]]/; s/$/="/' "$T/pat.attr"
    sed -i 's/^/(^|[\&?])/; s/$/=/' "$T/pat.form"
    xargs -d '\n' grep -lawF -f "$T/pat.word" <"$files" >>"$hits" || true
    xargs -d '\n' grep -lawF -f "$T/pat.op" <"$files" >>"$hits" || true
    xargs -d '\n' grep -laF -f "$T/pat.path" <"$files" >>"$hits" || true
    xargs -d '\n' grep -laE -f "$T/pat.attr" <"$files" >>"$hits" || true
    xargs -d '\n' grep -laE -f "$T/pat.form" <"$files" >>"$hits" || true
    find "$@" | grep -wF -f "$T/pat.word" >>"$hits" || true
    if [ -s "$hits" ]; then
        local f
        f=$(sort -u "$hits" | head -n 1)
        fail "gd-v1's names in $(sort -u "$hits" | wc -l) file(s), e.g. $f: $( (grep -oawF -f "$T/pat.word" "$f";
            grep -oaE -f "$T/pat.attr" "$f"; echo "$f" | grep -owF -f "$T/pat.word") 2>/dev/null | sort -u | head -n 5 |
            tr '\n' ' ')"
    fi
}

# variant NAME SOURCE-PROFILE SIGNING-KEY [sim options...]
variant() {
    local v=$1 src=$2 key=$3
    shift 3
    local R=$T/$v
    mkdir -p "$R/side/answers"
    "$ROOT/tests/e2e/rename-protocol.sh" "$src" "$ROOT/samples/schema/gd-v1.xsd" "$ROOT/samples/mappings" \
        "$ROOT/samples/catalogs" "$R/in"
    local P=$R/in/profile.yaml
    check_names_list "$R/in/names"
    # The renamed inputs hold none of gd-v1's names either (the rename is complete).
    no_gd_names "$R/in/names" "$R/in/profile.yaml" "$R/in/mappings" "$R/in/catalogs"
    "$SIM" seed --data "$R/data" --enterprise "$A" --profile "$P" \
        --commodities "$R/in/catalogs/commodities.csv" --partners "$R/in/catalogs/partners.csv" >/dev/null
    rm -f "$T/port"
    "$SIM" serve --data "$R/data" --pki "$PKI" --profile "$P" --schema "$R/in/schema.xsd" --port 0 \
        --port-file "$T/port" --log "$R/side/sim.log" "$@" >"$T/sim.out" 2>>"$T/sim.err" &
    SIM_PID=$!
    SIM_PIDS+=("$SIM_PID")
    for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    [ -s "$T/port" ] || { cat "$T/sim.err"; fail "$v: drugflow-sim did not start"; }
    local base
    base=$(sed -n 's|^  practice: https://[^/]*||p' "$P")
    URL=https://localhost:$(cat "$T/port")${base%/}
    cat >"$R/df.yaml" <<CONF
enterprise: {code: $A, name: 广州样例医药连锁有限公司}
profile: $P
endpoint: $URL/
workspace: $R/ws
tls: {ca: $PKI/ca.pem, key: $PKI/ent-a.p12, connect_timeout: 5, transfer_timeout: 20}
certificate: {key: $PKI/$key, passphrase_file: $PKI/passphrase}
upload: {parallel: 4, attempts: 6, retry_base_ms: 20, status_timeout: 60}
CONF
    export DRUGFLOW_CONFIG=$R/df.yaml
    "$DF" config check >"$T/$v-check.out" 2>&1 || { cat "$T/$v-check.out"; fail "$v: config check"; }
    assert_contains "$T/$v-check.out" "answers over mutual TLS"
    assert_contains "$T/$v-check.out" "the TLS certificate of $A"
    "$DF" catalog pull >"$T/$v-pull.out" 2>&1 || { cat "$T/$v-pull.out"; fail "$v: catalog pull"; }
    local m rc n=0
    for m in purchase purchase_return sale sale_return inventory unqualified damage; do
        rc=0
        "$DF" run -q -m "$R/in/mappings/$m.yaml" -p 2026-10 --chunk-records 10 "$ROOT/samples/exports/$m.csv" \
            >"$T/$v-run-$m.out" 2>&1 || rc=$?
        [ "$rc" -le 1 ] || { cat "$T/$v-run-$m.out"; fail "$v: run $m exited $rc"; }
        n=$((n + 1))
    done
    "$DF" status >"$T/$v-status.out" 2>&1 || { cat "$T/$v-status.out"; fail "$v: status did not end with all PASSED"; }
    local chunks passed
    chunks=$(sqlite3 "$R/ws/journal.sqlite" "select count(*) from chunks")
    passed=$(sqlite3 "$R/ws/journal.sqlite" "select count(*) from chunks where state = 'PASSED'")
    [ "$chunks" -ge 7 ] || fail "$v: only $chunks chunks"
    assert_eq "$passed" "$chunks" "$v: chunks PASSED"
    # The answers of every entry, as a client sees them (the renamed names).
    local r code since rsince part type
    code=$(sed -n 's/^    code: //p' "$P")
    since=$(sed -n 's/^    catalog_version: //p' "$P")
    rsince=$(sed -n 's/^    results_since: //p' "$P")
    part=$(sed -n 's/^    upload_part: //p' "$P")
    type=$(sed -n 's/^    upload_content_type: //p' "$P")
    as ap12 "$(sed -n 's/^  commodities: //p' "$P")" -d "$since=0" >"$R/side/answers/commodities.xml"
    as ap12 "$(sed -n 's/^  partners: //p' "$P")" -d "$since=0" >"$R/side/answers/partners.xml"
    as ap12 "$(sed -n 's/^  results: //p' "$P")" -d "$rsince=2000-01-01" >"$R/side/answers/results.xml"
    local chunk
    chunk=$(ls "$R/ws"/*/*_00001.xml | head -n 1)
    as ap12 "$(sed -n 's/^  upload: //p' "$P")" -F "$part=@$chunk;type=$type" >"$R/side/answers/upload.xml"
    as ap12 "$(sed -n 's/^  upload: //p' "$P")" -F "other=@$chunk" >"$R/side/answers/upload-bad.xml"
    r=$(cat "$R/side/answers/upload.xml")
    assert_eq "$(xval "$r" "$code")" 9 "$v: the renamed OK code"
    assert_eq "$(xval "$r" "$(sed -n 's/^    duplicate: //p' "$P")")" gehr "$v: a duplicate, in the renamed value"
    assert_eq "$(xval "$(cat "$R/side/answers/upload-bad.xml")" "$code")" 7998 "$v: the renamed bad_request code"
    local nfiles npassed
    nfiles=$(grep -o "<$(sed -n 's/^    file: //p' "$P")>" "$R/side/answers/results.xml" | wc -l)
    npassed=$(grep -o ">$(sed -n 's/^    passed: //p' "$P" | tail -n 1)<" "$R/side/answers/results.xml" | wc -l)
    [ "$nfiles" -eq "$chunks" ] || fail "$v: the results answer lists $nfiles files, the journal $chunks"
    assert_eq "$npassed" "$chunks" "$v: every file in the renamed state passed"
    log_has "$R/side/sim.log" "code=7998 "
    ! grep -E "code=(0|1001|2001|2002|2003|2004|5000) " "$R/side/sim.log" || fail "$v: a gd-v1 code in the log"
    sim_stop
    no_gd_names "$R/in/names" "$R/ws" "$R/data" "$R/side"
    local nchecked
    nchecked=$(wc -l <"$T/files.list")
    [ "$nchecked" -ge $((2 * chunks)) ] || fail "$v: only $nchecked files checked"
    # The check can fail: one gd-v1 name put back into a copy of a chunk is found.
    mkdir -p "$T/control"
    sed "s/<$(sed -n 's/^  record: //p' "$P")>/<Record>/" "$chunk" >"$T/control/chunk.xml"
    ! (no_gd_names "$R/in/names" "$T/control") 2>/dev/null || fail "$v: the check does not see <Record>"
    # Nothing on either side uses the root element's gd-v1 attribute either.
    ! grep -rqa ' version="1.0">' "$R/ws" "$R/data" || fail "$v: a data file root has gd-v1's version attribute"
    echo "$v: $chunks chunks of $n document types PASSED; $(wc -l <"$R/in/names") gd-v1 names, none in the" \
        "$nchecked files on either side"
}

variant rsa "$ROOT/samples/profile/gd-v1.yaml" ent-a.p12
# The SM2 chunks are signed with SM2-with-SM3 (and stock xmlsec1 cannot check them).
variant sm2 "$ROOT/samples/profile/gd-v1-sm2.yaml" ent-a-sm2.p12 --signature-ca "$PKI/sm2-ca.pem"
f=$(ls "$T/sm2/ws"/*/*_00001.xml | head -n 1)
assert_contains "$f" 'Algorithm="urn:drugflow:xmldsig:sm2-sm3"'
! xmlsec1 --verify --trusted-pem "$PKI/sm2-ca.pem" "$f" >/dev/null 2>&1 || fail "xmlsec1 knows SM2 now?"
expect_status 0 "$DF" verify --profile "$T/sm2/in/profile.yaml" --ca "$PKI/sm2-ca.pem" "$f"
echo ok
