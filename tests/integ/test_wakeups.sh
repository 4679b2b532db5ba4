#!/usr/bin/env bash
# Wakeup latency against the kernel's own ftrace, on the real BPF programs:
# a private tracefs instance records sched_waking, sched_wakeup,
# sched_wakeup_new and sched_switch while latscoped records a workload
# (loopback TCP between CPUs, block I/O, 1 ms sleepers, plus whatever else
# the machine runs); wakeup_compare pairs the ftrace stream itself and
# requires the same wakeups with the same durations and percentiles (its
# header states the tolerances and why). Also: no drops, nothing untracked,
# the socket's wakeup totals equal the capture's, every class and CPU shows
# up in `latscope wakeups`, and with --wakeup-floor-ns the short wakeups are
# counted in the kernel instead of emitted.
#   tests/integ/test_wakeups.sh [BUILD]
set -u
. "$(dirname "$0")/lib.sh"

WORKLOAD_SEC=${WORKLOAD_SEC:-4}
# BPF programs never run while a thread of PID 1 is current on this sandbox;
# wakeup_compare leaves out the wakeups it could not have seen, and says how
# many.
HIDDEN_TGID=${LATSCOPE_HIDDEN_TGID:-1}

# 96 MiB per CPU: a 4 s run writes up to ~35 MB of sched events on one CPU
# and the buffer is read only afterwards
ftrace_mount || bpf_unavailable "no tracefs"
ftrace_instance latscope_wakeups_$$ 98304 || bpf_unavailable "cannot create a tracefs instance"
ftrace_enable sched/sched_waking sched/sched_wakeup sched/sched_wakeup_new sched/sched_switch
ftrace_on

# 32 MiB of ring: seconds of wakeups even if latscoped is starved of CPU
# (other work on a shared test machine can hold it off for a second or more)
start_daemon --record "$LS_TMP/cap" --ring-kb 32768
# The workload only has to make wakeups (wakeup_compare requires 1000+);
# its loopback part can time out on a saturated machine, which is no
# failure of this test.
"$BUILD/tests/integ/workload" --seconds "$WORKLOAD_SEC" || echo "note: workload exited $?"
st=$(req '{"method":"status"}')
view=$(req '{"method":"wakeups"}')
human=$("$BUILD/latscope" --socket "$SOCK" wakeups)
one=$(req '{"method":"wakeups","cpu":1}')
bad_cpu=$(req '{"method":"wakeups","cpu":4096}')
bad_member=$(req '{"method":"wakeups","cpus":1}')
"$BUILD/latscope" --socket "$SOCK" wakeups --cpu x >/dev/null 2>&1; cli_bad=$?
stop_daemon; check "latscoped exits 0" test $? -eq 0
ftrace_off

echo "latscoped: $(jq -c '.result | {wakeup: (.by_class[] | select(.class == "wakeup")), wakeup_tracking}' <<<"$st")"
check "no wakeup record dropped" test "$(jq '.result.by_class[] | select(.class == "wakeup") | .drops' <<<"$st")" = 0
check "every wakeup tracked (untracked 0)" test "$(jq .result.wakeup_tracking.untracked <<<"$st")" = 0
check "ftrace lost nothing (overrun 0)" test "$(ftrace_stat overrun)" = 0
in_view=$(jq '[.result.cpus[].wakeups.classes[].count] | add' <<<"$view")
in_cap=$("$BUILD/tests/integ/capture_wakeups" "$LS_TMP/cap" | wc -l)
# the view was read before the daemon stopped: the capture holds those and more
check "wakeups view total ($in_view) <= capture's wakeup records ($in_cap), both > 0" \
	test "$in_view" -gt 0 -a "$in_view" -le "$in_cap"
check "view lists every CPU" test "$(jq '.result.cpus | length' <<<"$view")" = "$(nproc)"
check "worst wakeups have a victim comm" \
	test "$(jq '[.result.cpus[].wakeups.worst[] | select(.victim.comm != "")] | length' <<<"$view")" -gt 0
check "latscope wakeups prints the table" grep -q "worst wakeups" <<<"$human"
check "wakeups --cpu 1 lists only CPU 1" test "$(jq -c '[.result.cpus[].cpu]' <<<"$one")" = "[1]"
check "wakeups: cpu out of range is bad_params" test "$(jq -r .error.code <<<"$bad_cpu")" = bad_params
check "wakeups: unknown member is bad_params" test "$(jq -r .error.code <<<"$bad_member")" = bad_params
check "latscope wakeups --cpu x is a usage error (2)" test "$cli_bad" -eq 2

cp "$FTRACE_INST/trace" "$LS_TMP/ftrace.txt"
echo "ftrace: $(wc -l <"$LS_TMP/ftrace.txt") lines; capture: $in_cap wakeup records"
"$BUILD/tests/integ/wakeup_compare" --exclude-tgid "$HIDDEN_TGID" "$LS_TMP/cap" "$LS_TMP/ftrace.txt"
check "latscope's wakeups agree with ftrace" test $? -eq 0

# The floor: wakeups under 1 ms are counted in the kernel, not emitted.
start_daemon --wakeup-floor-ns 1000000 --record "$LS_TMP/cap2"
"$BUILD/tests/integ/workload" --seconds 1 >/dev/null
st=$(req '{"method":"status"}')
view=$(req '{"method":"wakeups"}')
stop_daemon
below=$(jq .result.wakeup_tracking.below_floor <<<"$st")
emitted=$(jq '.result.by_class[] | select(.class == "wakeup") | .records' <<<"$st")
short=$("$BUILD/tests/integ/capture_wakeups" "$LS_TMP/cap2" | awk '$2 < 1000000' | wc -l)
echo "floor 1 ms: $below counted below it, $emitted emitted"
check "floor: short wakeups counted in the kernel ($below > 0)" test "$below" -gt 0
check "floor: no record under the floor in the capture ($short)" test "$short" = 0
check "floor: view shows floor_ns and below_floor" \
	test "$(jq '.result.floor_ns' <<<"$view")" = 1000000 -a \
	"$(jq '[.result.cpus[].wakeups.classes[].below_floor] | add' <<<"$view")" -gt 0
summary
