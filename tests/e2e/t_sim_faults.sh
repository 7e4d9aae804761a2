#!/usr/bin/env bash
# tests/e2e/t_sim_faults.sh — drugflow-sim's fault injection, for clients'
# retry tests: --fault-5xx, --fault-reset (in the middle of the body),
# --fault-stall, --latency-ms; the draws repeat for a given --fault-seed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim-common.sh"

seed "$T/data" "$A"
signed "$T/f.xml" "$A" 2026-10 400 0 0 ent-a

# Every request 5xx.
sim_start "$T/data" --fault-5xx 1.0
for i in 1 2 3 4 5; do
    st=$(as a toOperationCommodity.do -d since=0 -o /dev/null -w '%{http_code}')
    case "$st" in 5??) ;; *) fail "--fault-5xx 1.0 answered $st" ;; esac
done
# (a small file: the server answers before reading the body, and a large one
# may still be sending then — curl: (55) Send failure: Broken pipe)
signed "$T/small.xml" "$A" 2026-10 2 0 0 ent-a
st=$(as a toUploadFile.do -F "file=@$T/small.xml" -o /dev/null -w '%{http_code}')
case "$st" in 5??) ;; *) fail "--fault-5xx 1.0 upload answered $st" ;; esac
sim_stop

# Deterministic: the same seed gives the same sequence of outcomes.
seq_of() {
    sim_start "$T/data" --fault-5xx 0.5 --fault-seed "$1"
    local out="" i
    for i in $(seq 1 16); do
        out="$out$(as a toOperationCommodity.do -d since=0 -o /dev/null -w '%{http_code}' | cut -c1)"
    done
    sim_stop
    echo "$out"
}
s1=$(seq_of 7)
s2=$(seq_of 7)
assert_eq "$s1" "$s2" "same seed, same faults"
case "$s1" in *2*5* | *5*2*) ;; *) fail "--fault-5xx 0.5 gave no mix: $s1" ;; esac

# Connection reset in the middle of an upload: curl fails, nothing stored.
sim_start "$T/data" --fault-reset 1.0
rc=0
as a toUploadFile.do -F "file=@$T/f.xml" -o /dev/null 2>"$T/curl.err" || rc=$?
[ "$rc" -ne 0 ] || fail "upload survived --fault-reset 1.0"
[ -z "$(ls "$T/data/$A/files")" ] || fail "a reset upload was stored"
log_has "$T/sim.log" "outcome=fault-reset"
sim_stop

# A stall never answers (the client times out), and the server still stops.
sim_start "$T/data" --fault-stall 1.0
rc=0
as a toOperationCommodity.do -d since=0 --max-time 1 -o /dev/null 2>/dev/null || rc=$?
assert_eq "$rc" 28 "curl timeout on a stall"
sim_stop

# Latency.
sim_start "$T/data" --latency-ms 400
t=$(as a toOperationCommodity.do -d since=0 -o /dev/null -w '%{time_total}')
awk -v t="$t" 'BEGIN { exit !(t >= 0.4) }' || fail "latency: answered in $t s"
sim_stop
echo "t_sim_faults: ok"
