#!/usr/bin/env bash
# Timer expiry -> switch-in against cyclictest's own measurement: cyclictest
# (rt-tests) runs two SCHED_FIFO 90 threads, one per CPU, waking every
# 200 us while latscoped records; for each thread, latscope's LS_WF_TIMER
# wakeups of its tid (since_expiry: hard expiry -> switch-in) must agree with
# cyclictest's avg within 2 us and its max within 5% or 5 us. cyclictest's
# figure also holds the way back to user space after the switch-in (under
# a microsecond here), so latscope's is the smaller by about that.
#
# cyclictest_compare matches the two cycle by cycle (`cyclictest -v`), with
# a private ftrace instance of the threads' sched_waking/sched_switch giving
# the cycles (one timer wakeup each) and arbitrating the cycles latscope has
# no record of: only wakeups BPF cannot see on this sandbox (a thread of
# PID 1 current) and wakeups of a thread still on its CPU (the timer fired
# before it switched out: no switch-in to measure) are allowed. When cyclictest's max is such a cycle, the max
# is compared over the cycles both measured, and the test says so; likewise
# the avg when such cycles move cyclictest's avg by more than 2 us.
#   tests/integ/test_cyclictest.sh [BUILD]
#
# One retry, printed: on a quiet run cyclictest's max is tens of us, and one
# interrupt between the switch-in (where latscope stops) and cyclictest's
# clock read in user space (where it stops) can put that single cycle more
# than 5 us apart (seen about one run in six). A second failing run fails.
set -u
if [ -z "${LS_CYC_ATTEMPT:-}" ]; then
	LS_CYC_ATTEMPT=1 bash "$0" "$@" && exit 0
	rc=$?
	[ $rc -eq 77 ] && exit 77
	echo "attempt 1 failed (exit $rc, output above); attempt 2:"
	LS_CYC_ATTEMPT=2 exec bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

LOOPS=${CYCLICTEST_LOOPS:-10000} # 2 s at 200 us
HIDDEN_TGID=${LATSCOPE_HIDDEN_TGID:-1}
command -v cyclictest >/dev/null || { not_ok "cyclictest installed (rt-tests, scripts/deps.sh)"; summary; exit 1; }

ftrace_mount || bpf_unavailable "no tracefs"
ftrace_instance latscope_cyclictest_$$ 16384 || bpf_unavailable "cannot create a tracefs instance"
ftrace_filter sched/sched_waking 'comm == "cyclictest"'
ftrace_filter sched/sched_switch 'next_comm == "cyclictest" || prev_comm == "cyclictest"'
ftrace_enable sched/sched_waking sched/sched_switch
ftrace_on

start_daemon --record "$LS_TMP/cap" --ring-kb 32768
cyclictest -m -p90 -t2 -a -i200 -d0 -l"$LOOPS" -v --json="$LS_TMP/ct.json" >"$LS_TMP/ct.v" 2>&1 &
ct_pid=$!
# the measuring threads: -a pins thread N to CPU N
tids=()
for _ in $(seq 100); do
	for st in /proc/$ct_pid/task/*/status; do
		cpus=$(awk '/^Cpus_allowed_list:/ { print $2 }' "$st" 2>/dev/null)
		case $cpus in 0|1) tids[$cpus]=$(basename "$(dirname "$st")") ;; esac
	done
	[ ${#tids[@]} -eq 2 ] && break
	sleep 0.02
done
wait $ct_pid
check "cyclictest ran" test $? -eq 0
stop_daemon; check "latscoped exits 0" test $? -eq 0
ftrace_off
cp "$FTRACE_INST/trace" "$LS_TMP/ftrace.txt"
check "ftrace lost nothing (overrun 0)" test "$(ftrace_stat overrun)" = 0
check "found cyclictest's two threads (${tids[*]})" test ${#tids[@]} -eq 2

"$BUILD/tests/integ/cyclictest_compare" --exclude-tgid "$HIDDEN_TGID" \
	"$LS_TMP/cap" "$LS_TMP/ftrace.txt" "$LS_TMP/ct.v" "0:${tids[0]:-0}" "1:${tids[1]:-0}" \
	>"$LS_TMP/cmp"
rc=$?
grep -v '^RESULT' "$LS_TMP/cmp"
check "every cycle accounted for, latscope never above cyclictest" test $rc -eq 0
within() { # a b: |a - b| <= max(5, 5% of b)
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; t = b * 0.05; if (t < 5) t = 5; exit !(d <= t) }'
}
near2() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d <= 2 && d >= -2) }'; }
while read -r _ thr ct_avg ct_max ls_avg ls_max sh_ct_max sh_ls_max sh_ct_avg sh_ls_avg unmeas; do
	if near2 "$ls_avg" "$ct_avg"; then
		ok "thread $thr: avg within 2 us (latscope $ls_avg, cyclictest $ct_avg)"
	elif [ "$unmeas" -gt 0 ]; then
		# cyclictest's avg holds cycles with no wakeup to measure (listed
		# above; one VM stall there moves a 10000-cycle avg by microseconds):
		# then the avg over the cycles both measured, and the test says so
		check "thread $thr: avg (latscope $ls_avg, cyclictest $ct_avg) differs by $unmeas cycles with no measurable wakeup; over the cycles both have: latscope $sh_ls_avg, cyclictest $sh_ct_avg, within 2 us" \
			near2 "$sh_ls_avg" "$sh_ct_avg"
	else
		not_ok "thread $thr: avg within 2 us (latscope $ls_avg, cyclictest $ct_avg)"
	fi
	if within "$ls_max" "$ct_max"; then
		ok "thread $thr: max within 5% or 5 us (latscope $ls_max, cyclictest $ct_max)"
	elif grep -q "^thread $thr .*(cycle [0-9]*, a wakeup latscope measured)" "$LS_TMP/cmp"; then
		not_ok "thread $thr: max within 5% or 5 us (latscope $ls_max, cyclictest $ct_max)"
	else
		# cyclictest's worst cycle had no wakeup latscope could measure
		# (the line above says why): then the worst of the cycles both have
		check "thread $thr: max (latscope $ls_max, cyclictest $ct_max) differs as cyclictest's worst cycle had no measurable wakeup; over the cycles both have: latscope $sh_ls_max, cyclictest $sh_ct_max, within 5% or 5 us" \
			within "$sh_ls_max" "$sh_ct_max"
	fi
done < <(grep '^RESULT' "$LS_TMP/cmp")
check "two threads compared" test "$(grep -c '^RESULT' "$LS_TMP/cmp")" -eq 2
summary
