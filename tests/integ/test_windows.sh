#!/usr/bin/env bash
# irq-off / preempt-off windows on the real BPF programs, under load (a
# loopback UDP ping-pong and TCP traffic for heavy softirq work, membarrier
# for an IPI storm, disk I/O and 1 ms sleepers for timers), against the
# kernel's own ftrace stream of the same interval (tests/integ/windows_check
# derives the windows from ftrace's events by itself and compares): exact
# windows count for count, the longest within 2 us; softirq passes and
# inferred timer windows likewise (see windows_check.c for tolerances).
# Also: the live daemon's worst lists equal the capture replayed offline,
# an isolated CPU (--isolated) counts exactly what the capture holds for it,
# and the CLI views print. PID 1's events are left out of ftrace's side
# (BPF never sees them on this sandbox) and counted.
#   tests/integ/test_windows.sh [BUILD]
set -u
. "$(dirname "$0")/lib.sh"

SECS=${WORKLOAD_SEC:-5}
HIDDEN_TGID=${LATSCOPE_HIDDEN_TGID:-1}
ISO_CPU=$(($(nproc) - 1))

# The isolated view covering exactly the capture's first N records
# (req_at_prefix): writes the response to $1, prints N.
isolated_prefix() {
	local out
	out=$(req_at_prefix '{"method":"isolated","n":128}') || return 1
	sed -n 2p <<<"$out" >"$1"
	sed -n 1p <<<"$out"
}

ftrace_instance latscope_windows_$$ 65536 ||
	{ not_ok "set up tracefs instance $FTRACE_INST"; summary; exit 1; }
ftrace_enable irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit \
	timer/hrtimer_start timer/hrtimer_cancel timer/tick_stop timer/hrtimer_expire_entry
ftrace_enable_vector_pairs
ftrace_on
start_daemon --record "$LS_TMP/cap" --isolated "$ISO_CPU" --worst 20

"$BUILD/tests/integ/workload" --seconds "$SECS" >"$LS_TMP/workload.out" 2>&1 &
wl=$!
"$BUILD/bench/irqload" udp "$SECS" >/dev/null &
udp=$!
"$BUILD/bench/irqload" ipi "$SECS" >/dev/null &
ipi=$!
wait $wl; rc=$?
[ $rc -eq 0 ] || cat "$LS_TMP/workload.out"
check "workload ran" test $rc -eq 0
wait $udp; check "UDP ping-pong ran" test $? -eq 0
wait $ipi; check "membarrier IPI storm ran" test $? -eq 0
sleep 0.3 # past the windows' hold time

req '{"method":"windows","n":20}' >"$LS_TMP/windows.json"
check "windows answered" jq -e '.ok' "$LS_TMP/windows.json"
prefix=$(isolated_prefix "$LS_TMP/isolated.json") || prefix=
check "isolated answered with a consistent record prefix ($prefix)" test -n "$prefix"
st=$(req '{"method":"status"}')
check "no record dropped" test "$(jq '.result.drops' <<<"$st")" = 0
check "status says the isolated CPU comes from --isolated" \
	test "$(jq -r '.result.windows.isolation.source + " " + .result.windows.isolation.cpus' <<<"$st")" = "option $ISO_CPU"
check "status shows the exact preemptirq programs off with a reason" \
	test "$(jq '[.result.programs[] | select(.family == "preemptirq" and .attached == false and (.reason | test("not in this kernel")))] | length' <<<"$st")" -eq 4
echo "window derivation: $(jq -c '.result.windows | {windows, idle_excluded, contradicted, batched, armed_late, arming_unseen, delivery_unseen}' <<<"$st")"
for src in hardirq vector timer softirq ipi; do
	check "windows derived from $src" test "$(jq ".result.windows.windows.$src" <<<"$st")" -gt 0
done
cpus=$(req '{"method":"cpus"}')
check "cpus keeps its classes and adds windows and isolated per CPU" \
	test "$(jq '[.result.cpus[] | select(.classes.hardirq and .windows.irqoff.count > 0 and .windows.preemptoff.worst and (.isolated | type) == "boolean")] | length' <<<"$cpus")" -eq "$(nproc)"

out=$("$BUILD/latscope" --socket "$SOCK" windows --cpu 0 --n 3)
check "latscope windows prints the CPU's windows with a story" \
	grep -q "story: the CPU's last" <<<"$out"
out=$("$BUILD/latscope" --socket "$SOCK" top --once)
check "latscope top --once prints one row per CPU" \
	test "$(grep -cE '^ *[0-9]+ ' <<<"$out")" -eq "$(nproc)"
out=$("$BUILD/latscope" --socket "$SOCK" isolated)
check "latscope isolated lists CPU $ISO_CPU's interruptions" grep -q "CPU $ISO_CPU (isolated by option)" <<<"$out"

# Bad input: clear errors, exit 2 for the command lines.
code() { jq -r '.error.code // "ok"'; }
for bad in '{"method":"windows","kind":"irq"}' '{"method":"windows","kind":3}' \
	'{"method":"windows","n":0}' '{"method":"windows","n":1001}' \
	'{"method":"windows","cpu":99999}' '{"method":"windows","cpux":0}' \
	'{"method":"isolated","n":129}' '{"method":"isolated","kind":"irqoff"}'; do
	check "socket: $bad -> bad_params" test "$(req "$bad" | code)" = bad_params
done
check "hist of class irqoff by source name" \
	test "$(req '{"method":"hist","class":"irqoff","key":"TIMER"}' | code)" = ok
cli_bad() { # DESC ARGS...: latscope exits 2 and says why
	local d=$1 err; shift
	"$BUILD/latscope" --socket "$SOCK" "$@" >/dev/null 2>"$LS_TMP/err"
	local rc=$?
	check "cli: $d (exit $rc: $(head -1 "$LS_TMP/err"))" test $rc -eq 2 -a -s "$LS_TMP/err"
}
cli_bad "windows --kind foo" windows --kind foo
cli_bad "windows --n 0" windows --n 0
cli_bad "windows --story some" windows --story some
cli_bad "top --interval 0" top --interval 0
cli_bad "top --once --count 2" top --once --count 2
cli_bad "top --count x" top --count x
cli_bad "isolated --n 500" isolated --n 500
for a in "--worst 0" "--worst 1001" "--isolated 3-1" "--isolated x"; do
	# shellcheck disable=SC2086
	"$BUILD/latscoped" -f --socket "$LS_TMP/no.sock" $a >/dev/null 2>"$LS_TMP/err"
	rc=$?
	check "latscoped $a: exit 2 ($(head -1 "$LS_TMP/err"))" test $rc -eq 2
done

stop_daemon; check "latscoped exits 0" test $? -eq 0
ftrace_off
check "ftrace lost nothing (overrun 0)" test "$(ftrace_stat overrun)" = 0
cp "$FTRACE_INST/trace" "$LS_TMP/ftrace.txt"

"$BUILD/tests/integ/windows_check" --exclude-tgid "$HIDDEN_TGID" \
	--windows-json "$LS_TMP/windows.json" \
	${prefix:+--isolated-json "$LS_TMP/isolated.json" --isolated-cpu "$ISO_CPU" --prefix "$prefix"} \
	"$LS_TMP/cap" "$LS_TMP/ftrace.txt"
check "windows agree with ftrace and the live views with the replay" test $? -eq 0

# The longest window of each kind per CPU, with its attribution.
jq -r '.result.cpus[] | .cpu as $c | ("irqoff", "preemptoff") as $k | .[$k].worst[0] // empty |
	"cpu \($c) \($k): \(.len_ns) ns \(.source) \(.cause.name) inferred=\(.inferred) task=\(.task.comm // "?")-\(.task.pid // "?") context=\(.context.kind)\(if .blocker then " during \(.blocker.source) \(.blocker.name)" else "" end)"' \
	"$LS_TMP/windows.json"
[ -n "${LATSCOPE_KEEP:-}" ] && [ "$FAIL" -gt 0 ] && cp -r "$LS_TMP" "$LATSCOPE_KEEP"
summary
