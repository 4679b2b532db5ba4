#!/usr/bin/env bash
# Added cost per sched_switch event: bench/sched_bench (two threads pinned
# to one CPU: pipe ping-pong, where the woken reader preempts the writer, so
# a round trip is one wakeup and two switches, one completing the wakeup
# and one putting the preempted writer back; sched_yield, switches without
# wakeups) with no tracer, with empty tp_btf programs on the wakeup family's
# tracepoints (tp-empty: bench/tp_floor, what any program there costs), with
# the least a BPF tracer of the wakeup interval must do (wk-floor:
# bench/wakeup_floor.bpf.c), with the whole latscoped (default options; and
# ls-wfloor: --wakeup-floor-ns above most wakeups of the workload, so they are
# counted in the kernel, not emitted), and with bpftrace doing per-CPU
# histograms:
#   bt-wakeup: the interval latscope measures, sched_waking/wakeup_new ->
#              sched_switch in of that pid (runqlat's method)
#   bt-switch: sched_switch -> next sched_switch on the CPU (the figure of
#              docs/perf-reference: hist(nsecs - @t[cpu]))
# Every traced run is compared with the untraced runs just before and after
# it (this VM drifts +-2-3% between runs, far more when shared); the summary
# is the median over the rounds.
# The cost is measured as CPU time per switch of the two workload threads,
# which the tracepoint programs run in, taking the 10th percentile of 20 ms
# slices so that other work on a shared machine does not move it (see
# bench/sched_bench.c).
#   bench/sched.sh [BUILD] [ROUNDS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}; ROUNDS=${2:-3}; SECS=${3:-3}
WORKLOADS=${WORKLOADS:-"pipe yield"}
CONFIGS=${CONFIGS:-"tp-empty wk-floor latscoped ls-wfloor bt-wakeup bt-switch"}
FLOOR_NS=${FLOOR_NS:-1000000}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF)" >&2; exit 1; }
command -v bpftrace >/dev/null || { echo "bench: bpftrace not installed (scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d); sock=$tmp/sock; tpid=
trap '[ -n "$tpid" ] && kill -INT $tpid 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

BT_WAKEUP='tracepoint:sched:sched_waking, tracepoint:sched:sched_wakeup_new { @w[args->pid] = nsecs; }
tracepoint:sched:sched_switch { $t = @w[args->next_pid]; if ($t) { @h[cpu] = hist(nsecs - $t); delete(@w[args->next_pid]); } }'
BT_SWITCH='tracepoint:sched:sched_switch { if (@t[cpu]) { @h[cpu] = hist(nsecs - @t[cpu]); } @t[cpu] = nsecs; }'

req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$sock"; }

start_tracer() { # config
	case $1 in
	tp-empty|wk-floor)
		local obj=tp_floor
		[ "$1" = wk-floor ] && obj=wakeup_floor
		"$BUILD/bench/tp_floor" "$BUILD/bench/$obj.bpf.o" >"$tmp/floor.out" & tpid=$!
		for _ in $(seq 100); do grep -q '^attached' "$tmp/floor.out" && return; sleep 0.1; done
		exit 1 ;;
	latscoped|ls-wfloor|ls-wakeup|ls-nokvm)
		local extra=()
		case $1 in
		ls-wfloor) extra=(--wakeup-floor-ns "$FLOOR_NS") ;;
		ls-wakeup) extra=(--families wakeup) ;;
		ls-nokvm) extra=(--families hardirq,softirq,vector,hrtimer,ipi,wakeup,preemptirq) ;;
		esac
		"$BUILD/latscoped" -f --socket "$sock" "${extra[@]}" 2>"$tmp/daemon.log" & tpid=$!
		for _ in $(seq 100); do req '{"method":"status"}' >/dev/null 2>&1 && return; sleep 0.1; done
		cat "$tmp/daemon.log"; exit 1 ;;
	bt-wakeup|bt-switch)
		local prog=$BT_WAKEUP
		[ "$1" = bt-switch ] && prog=$BT_SWITCH
		bpftrace -e "$prog" >"$tmp/bt.out" 2>&1 & tpid=$!
		for _ in $(seq 300); do grep -q '^Attaching' "$tmp/bt.out" && { sleep 0.5; return; }; sleep 0.1; done
		cat "$tmp/bt.out"; exit 1 ;;
	esac
}

# Prints what the tracer lost, if anything.
stop_tracer() { # config
	local lost=
	case $1 in
	latscoped|ls-*)
		lost=$(req '{"method":"status"}' | jq -r '.result | select(.drops > 0) | "drops=\(.drops)"') ;;
	esac
	kill -INT $tpid; wait $tpid || true; tpid=
	[ "$1" != "${1#bt-}" ] && lost=$(grep -o 'Lost [0-9]* events' "$tmp/bt.out" || true)
	echo "$lost"
}

# CPU ns per switch of one run: the 10th percentile of its slices' CPU ns
# per operation (bench/sched_bench.c) over the run's switches per operation.
run() { # workload
	"$BUILD/bench/sched_bench" "$1" "$SECS" |
		awk '{ printf "%.1f\n", $5 / ($3 / $2) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-6s %5s %-10s %11s %13s %9s %s\n' workload round config "base_ns/sw" "traced_ns/sw" \
	"ns_added" ""
res=$(mktemp -p "$tmp")
for w in $WORKLOADS; do
	for r in $(seq "$ROUNDS"); do
		prev=$(run "$w")
		for c in $CONFIGS; do
			start_tracer "$c"
			traced=$(run "$w")
			lost=$(stop_tracer "$c")
			next=$(run "$w")
			# the untraced runs just before and after
			base=$(awk -v a="$prev" -v b="$next" 'BEGIN { printf "%.1f", (a + b) / 2 }')
			add=$(awk -v t="$traced" -v b="$base" 'BEGIN { printf "%.1f", t - b }')
			printf '%-6s %5d %-10s %11s %13s %9s %s\n' "$w" "$r" "$c" "$base" "$traced" "$add" "$lost"
			echo "$w $c $add" >>"$res"
			prev=$next
		done
	done
done
echo
echo "median CPU ns added per sched_switch over $ROUNDS rounds (ratio: to bt-wakeup, bpftrace measuring the same interval; to bt-switch, the per-CPU switch-interval hist):"
for w in $WORKLOADS; do
	btw=$(awk -v w="$w" '$1 == w && $2 == "bt-wakeup" { print $3 }' "$res" | median)
	bts=$(awk -v w="$w" '$1 == w && $2 == "bt-switch" { print $3 }' "$res" | median)
	for c in $CONFIGS; do
		m=$(awk -v w="$w" -v c="$c" '$1 == w && $2 == c { print $3 }' "$res" | median)
		printf '  %-6s %-10s %8s ns' "$w" "$c" "$m"
		[ -n "$btw" ] && awk -v m="$m" -v b="$btw" 'BEGIN { if (b > 0) printf "   %.2f x bt-wakeup", m / b }'
		[ -n "$bts" ] && awk -v m="$m" -v b="$bts" 'BEGIN { if (b > 0) printf "   %.2f x bt-switch", m / b }'
		echo
	done
done
