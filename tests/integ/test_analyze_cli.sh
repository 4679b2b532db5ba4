#!/usr/bin/env bash
# latscope analyze as a command, no daemon and no BPF: the seed traces (004's
# kvm/hrtimer lines, 000's preemptirqsoff and 001's function_graph traces,
# detected and explained), real captures from tests/unit/data through the
# views (cpus, timers, hist, keys; --cpu, --key, stdin, CRLF, --record), and
# bad input (missing, empty, binary, a directory, trace-cmd's trace.dat, raw
# counter timestamps, bad views and options) with clear errors and exit
# codes 0 ok, 1 input not analyzable, 2 usage.
#   tests/integ/test_analyze_cli.sh [BUILD]
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
LS=$BUILD/latscope
DATA=tests/unit/data
PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
summary() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }
tmp=$(mktemp -d /tmp/latscope-analyze.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# expect NAME CODE PATTERN ARGS...: exit code CODE, PATTERN (grep -E) in
# stdout+stderr.
expect() {
	local name=$1 code=$2 pat=$3 rc
	shift 3
	"$LS" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = "$code" ] && grep -qE -- "$pat" "$tmp/out"; then
		ok "$name (exit $rc)"
	else
		not_ok "$name: exit $rc (want $code), output:"; head -n 12 "$tmp/out"
	fi
}

# jq over `latscope --json analyze ARGS`: jqv FILTER ARGS...
jqv() {
	local f=$1
	shift
	"$LS" --json analyze "$@" 2>/dev/null | jq -c "$f"
}

# --- seed 004: kvm exits and an hrtimer in a mail ---------------------------
seed4=$DATA/ftrace_seed004_kvm.txt
expect "seed 004 analyzes" 0 "open at end of trace: kvm_exit 1" analyze "$seed4"
check "seed 004: 3 kvm exit records (one open), 1 hrtimer, 1 cancel (2 dequeues), 1 wakeup" test \
	"$(jqv '[.input.records, .input.notes.hrtimer_dequeues]' "$seed4")" = \
	'[{"hrtimer":1,"hrtimer_cancel":1,"wakeup":1,"kvm_exit":3},2]'
check "seed 004: the HLT exit (12) is open, after 11 us in the guest, vcpu 1" test \
	"$(jqv '.input.open[0] | [.class, .key, .pid, .vcpu, .guest_ns, .open_ns]' "$seed4")" = \
	'["kvm_exit",12,77375,1,11000,6000]'
check "seed 004: 29 other events ignored, none malformed" test \
	"$(jqv '.input | [.ignored_events.total, .malformed]' "$seed4")" = '[29,0]'
check "seed 004: only CPU 17 in the cpus view (18 CPUs)" test \
	"$(jqv '.views[0].result | [.ncpus, [.cpus[].cpu]]' "$seed4")" = '[18,[17]]'

# The golden figures (tglx, LKML 2011: "We enter the guest for 2us to come
# back and handle the APIC_EOI for 11us. Then we go back to the guest for
# 9us and spend again 11us for handling a write to APIC_TMICT."), then 11 us
# in the guest until the HLT exit the trace ends in.
expect "seed 004: kvm view" 0 "APIC_ACCESS +vmx +2 " analyze "$seed4" kvm
check "  ... HLT still open there" grep -qE "^HLT +vmx +0 .* 1$" "$tmp/out"
check "seed 004 kvm: two APIC_ACCESS exits of 11 us each (22 us), nothing else completed" test \
	"$(jqv '.views[0].result | [.exits, .total_ns, (.reasons[] | select(.reason.name ==
		"APIC_ACCESS") | [.count, .min_ns, .max_ns, .total_ns])]' "$seed4" kvm)" = \
	'[2,22000,[2,11000,11000,22000]]'
check "seed 004 kvm: the HLT exit is open at the end of the trace" test \
	"$(jqv '.views[0].result | [.open, (.reasons[] | select(.reason.name == "HLT") |
		[.count, .open])]' "$seed4" kvm)" = '[1,[0,1]]'
check "seed 004 kvm: vCPU 1 of qemu-system-x86: 11 us guest (2 runs) vs 22 us host, +11 us before the open HLT" \
	test "$(jqv '.views[0].result.vcpus[0] | [.vm.comm, .vcpu, .guest_ns, .guest_runs,
		.host_ns, .open, .open_guest_ns]' "$seed4" kvm)" = \
	'["qemu-system-x86",1,11000,2,22000,1,11000]'
check "seed 004: three guest runs, of 2, 9 and 11 us" test \
	"$(jqv '.views[0].result | . as $h | [.count, .min_ns, .max_ns, .sum_ns,
		[2000, 9000, 11000 | . as $x | [$h.buckets[] | select(.lo_ns <= $x and
		$x < .hi_ns) | .count] | add]]' "$seed4" hist kvm_guest)" = \
	'[3,2000,11000,22000,[1,1,1]]'
check "seed 004: exit cost histogram of APIC_ACCESS: 2 x 11 us" test \
	"$(jqv '.views[0].result | [.count, .min_ns, .max_ns]' --key APIC_ACCESS "$seed4" \
		hist kvm_exit)" = '[2,11000,11000]'
check "seed 004: the hrtimer/apic lines are handled: kvm_timer_fn ran 3 us, lateness unknown" \
	test "$(jqv '.views[0].result.cpus[0].timers[0] | [.function.name, .run.max_ns, .late]' \
		"$seed4" timers)" = '["kvm_timer_fn",3000,null]'

# --- function traces: detected, explained, exit 1 ----------------------------
expect "seed 000: preemptirqsoff function trace explained" 1 \
	"this is a function trace \(preemptirqsoff tracer\), not an event trace" \
	analyze "$DATA/ftrace_seed000_preemptirqsoff.txt"
check "seed 000: the message says how to capture events" \
	grep -q "echo 1 > events/\$e/enable" "$tmp/out"
expect "seed 001: function_graph trace explained" 1 \
	"function trace \(function_graph tracer\)" analyze "$DATA/ftrace_seed001_function_graph.txt"
check "seed 000 with --json: input and error on stdout" test \
	"$(jqv '[.input.format.kind, .input.format.tracer, (.error | test("function trace"))]' \
		"$DATA/ftrace_seed000_preemptirqsoff.txt")" = '["function tracer trace","preemptirqsoff",true]'

# --- real captures through the views ------------------------------------------
irq=$DATA/ftrace_irqinfo.txt
check "irqinfo: records per class" test "$(jqv '.input.records' "$irq")" = \
	'{"hardirq":1,"softirq":11,"vector":13,"hrtimer":13,"hrtimer_cancel":9,"wakeup":8}'
check "irqinfo: 11 cancels, 2 of timers never started in the trace" test \
	"$(jqv '.input | [.events.hrtimer_cancel, .notes.hrtimer_cancel_no_fn]' "$irq")" = '[11,2]'
check "irqinfo: cpus view, CPU 1 hardirq named from the trace (42:virtio3-tx)" test \
	"$(jqv '.views[0].result.cpus[1].classes.hardirq | [.count, .top_key.name]' "$irq")" = \
	'[1,"42:virtio3-tx"]'
check "irqinfo: hist softirq --cpu 1 --key TIMER" test \
	"$(jqv '.views[0].result | [.class, .cpu, .key.name, .count]' --cpu 1 --key TIMER "$irq" \
		hist softirq)" = '["softirq",1,"TIMER",2]'
check "irqinfo: keys hrtimer names timer functions" test \
	"$(jqv '[.views[0].result.keys[].name] | sort' "$irq" keys hrtimer)" = \
	'["hrtimer_wakeup","tick_nohz_handler","timerfd_tmrproc"]'
check "irqinfo: --cpu 0 cpus has CPU 0 only" test \
	"$(jqv '[.views[0].result.cpus[].cpu]' --cpu 0 "$irq" cpus)" = '[0]'
expect "irqinfo: human views print (cpus, timers, hist, keys)" 0 "== keys softirq ==" \
	analyze "$irq" cpus timers hist vector keys softirq
check "  ... with the same tables as the live commands" grep -q "RUN P99" "$tmp/out"
expect "irqinfo: hist of a class without values says so" 0 "no hardirq values for that" \
	analyze --cpu 0 "$irq" hist hardirq
want=$(jqv '.input.records' "$irq")
check "stdin (-) gives the same records" test "$(cat "$irq" | "$LS" --json analyze - |
	jq -c .input.records)" = "$want"
sed 's/$/\r/' "$irq" >"$tmp/crlf.txt"
check "CRLF line ends give the same records" test "$(jqv '.input.records' "$tmp/crlf.txt")" = "$want"
check "--record writes every record as a capture" sh -c \
	"'$LS' analyze --record '$tmp/cap' '$irq' >/dev/null && \
	 test \"\$('$BUILD/tests/integ/capture_count' '$tmp/cap' 4 0)\" = 13 && \
	 test \"\$('$BUILD/tests/integ/capture_count' '$tmp/cap' 5 0)\" = 13"
# windows derived from the same records: CPU 0's longest irq-off window is
# its longest vector span (local_timer, 38 us), exact
check "irqinfo: windows view, CPU 0 irq-off max = its longest vector span" test \
	"$(jqv '[(.views[0].result.cpus[0].irqoff.worst[0] | .len_ns, .source, .inferred,
		.cause.name), .views[1].result.cpus[0].classes.vector.max_ns]' "$irq" windows cpus)" = \
	'[38000,"vector",false,"local_timer",38000]'
# wakeups (sched_wakeup only in this capture: timed from it): 6 on CPU 0, 2
# on CPU 1, as the independent pairing in tests/unit/test_offline_pair.c
check "irqinfo: wakeups view, 6 + 2 normal-class wakeups, worst 41 us on CPU 0" test \
	"$(jqv '[.views[0].result.cpus[] | .wakeups.classes.normal.count] +
		[.views[0].result.cpus[0].wakeups.classes.normal.max_ns]' "$irq" wakeups)" = '[6,2,41000]'
# two smp calls from CPU 1 to CPU 0: sent at 836.914237 and .914285, handled
# at .914275 and .914308 (38 and 23 us)
check "tgid: ipis view, CPU 1 -> CPU 0: 2 deliveries of 23 and 38 us" test \
	"$(jqv '.views[0].result.matrix[0] | [.sender.key, .target, .count, .p50_ns, .max_ns]' \
		"$DATA/ftrace_tgid.txt" ipis)" = '[1,0,2,23000,38000]'
expect "tgid: ipis view printed by default" 0 "== ipis ==" analyze "$DATA/ftrace_tgid.txt"
for f in noirqinfo tgid latency pipe_lost tracecmd tracecmd_ns tracecmd_lat; do
	check "$f: analyzes, nothing malformed" test \
		"$(jqv '.input | [.format.kind, .malformed]' "$DATA/ftrace_$f.txt")" = '["event trace",0]'
done
check "pipe_lost: LOST markers counted" test \
	"$(jqv '.input.lines.lost_markers' "$DATA/ftrace_pipe_lost.txt")" = 2
check "tracecmd: trace-cmd buffer names detected" test \
	"$(jqv '.input.format.trace_cmd_buffers' "$DATA/ftrace_tracecmd.txt")" = true

# --- bad input ----------------------------------------------------------------
expect "missing file" 1 "cannot open $tmp/nope: No such file" analyze "$tmp/nope"
: >"$tmp/empty"
expect "empty file" 1 "empty input" analyze "$tmp/empty"
head -c 2000000 /dev/urandom >"$tmp/random"
expect "binary garbage" 1 "not ftrace text" analyze "$tmp/random"
printf '\027\010\104tracing6\0\0\0\0' >"$tmp/trace.dat"
head -c 100000 /dev/urandom >>"$tmp/trace.dat"
expect "trace-cmd's trace.dat" 1 "trace-cmd report" analyze "$tmp/trace.dat"
expect "a directory" 1 "read error: Is a directory" analyze "$tmp"
expect "raw counter timestamps" 1 "raw counter timestamp .*trace_clock mono" \
	analyze "$DATA/ftrace_counter.txt"
grep '^#' "$irq" >"$tmp/headers"
expect "headers without events" 1 "no events" analyze "$tmp/headers"
expect "no FILE" 2 "missing FILE" analyze
expect "unknown view" 2 "unknown view 'nope'" analyze "$irq" nope
expect "hist without a class" 2 "hist needs a CLASS" analyze "$irq" hist
expect "hist of an unknown class" 2 "class: unknown \"bogus\"" analyze "$irq" hist bogus
expect "bad --cpu" 2 "not a CPU number" analyze --cpu x "$irq"
expect "--cpu beyond the trace's CPUs" 2 "the trace has CPUs 0..1" analyze --cpu 5 "$irq"
expect "unknown option" 2 "unknown option '--bogus'" analyze --bogus "$irq"
expect "--key that names nothing in this trace" 2 "is not a number or a hrtimer name" \
	analyze --key no_such_fn "$irq" hist hrtimer
expect "--kallsyms missing" 1 "--kallsyms $tmp/nope: No such file" \
	analyze --kallsyms "$tmp/nope" "$irq"
expect "--record into a missing directory" 1 "--record $tmp/no/cap" \
	analyze --record "$tmp/no/cap" "$irq"
# wakeups: a normal task woken from idle on CPU 1 (waking -> switch-in
# 50 us) and an RT task woken onto CPU 0 while bar-600 runs (60 us)
cat >"$tmp/wk.txt" <<'EOF2'
          <idle>-0       [001] d.h2.   100.000100: sched_waking: comm=foo pid=500 prio=120 target_cpu=001
          <idle>-0       [001] dNh3.   100.000110: sched_wakeup: comm=foo pid=500 prio=120 target_cpu=001
          <idle>-0       [001] d..2.   100.000150: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=foo next_pid=500 next_prio=120
             bar-600     [000] d..2.   100.000200: sched_waking: comm=rt pid=501 prio=9 target_cpu=000
             bar-600     [000] d..3.   100.000210: sched_wakeup: comm=rt pid=501 prio=9 target_cpu=000
             bar-600     [000] d..2.   100.000260: sched_switch: prev_comm=bar prev_pid=600 prev_prio=120 prev_state=R+ ==> next_comm=rt next_pid=501 next_prio=9
EOF2
"$LS" --json analyze "$tmp/wk.txt" wakeups >"$tmp/wk.json" 2>&1
check "wakeups view: rt 60 us on CPU 0 (culprit bar-600), normal 50 us on CPU 1" test \
	"$(jq -c '[.views[0].result.cpus[] | [.cpu, .wakeups.worst[0].latency_ns, .wakeups.worst[0].class, .wakeups.worst[0].victim.comm, .wakeups.worst[0].culprit.comm]]' "$tmp/wk.json" 2>/dev/null)" = '[[0,60000,"rt","rt","bar"],[1,50000,"normal","foo","<idle>"]]'
expect "wakeups is a default view when the trace has wakeups" 0 "== wakeups ==" analyze "$tmp/wk.txt"

summary
