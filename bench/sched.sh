#!/usr/bin/env bash
# Added cost per sched_switch event: bench/sched_bench (two threads pinned
# to one CPU: pipe ping-pong, every switch completing a wakeup; sched_yield,
# switches without wakeups) with no tracer, with the whole latscoped
# (default options, and with --wakeup-floor-ns above every wakeup of the
# workload), and with bpftrace doing per-CPU histograms:
#   bt-wakeup: the interval latscope measures, sched_waking/wakeup_new ->
#              sched_switch in of that pid (runqlat's method)
#   bt-switch: sched_switch -> next sched_switch on the CPU (the figure of
#              docs/perf-reference: hist(nsecs - @t[cpu]))
# Interleaved in each round, with the untraced base measured before and
# after the traced runs and averaged (this VM drifts +-2-3% between runs).
#   bench/sched.sh [BUILD] [ROUNDS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}; ROUNDS=${2:-3}; SECS=${3:-3}
WORKLOADS=${WORKLOADS:-"pipe yield"}
CONFIGS=${CONFIGS:-"latscoped ls-floor bt-wakeup bt-switch"}
FLOOR_NS=${FLOOR_NS:-1000000}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF)" >&2; exit 1; }
command -v bpftrace >/dev/null || { echo "bench: bpftrace not installed (scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d); sock=$tmp/sock; tpid=
trap '[ -n "$tpid" ] && kill -INT $tpid 2>/dev/null; rm -rf "$tmp"' EXIT

BT_WAKEUP='tracepoint:sched:sched_waking, tracepoint:sched:sched_wakeup_new { @w[args->pid] = nsecs; }
tracepoint:sched:sched_switch { $t = @w[args->next_pid]; if ($t) { @h[cpu] = hist(nsecs - $t); delete(@w[args->next_pid]); } }'
BT_SWITCH='tracepoint:sched:sched_switch { if (@t[cpu]) { @h[cpu] = hist(nsecs - @t[cpu]); } @t[cpu] = nsecs; }'

req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$sock"; }

start_tracer() { # config
	case $1 in
	latscoped|ls-floor)
		local extra=()
		[ "$1" = ls-floor ] && extra=(--wakeup-floor-ns "$FLOOR_NS")
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
	latscoped|ls-floor)
		lost=$(req '{"method":"status"}' | jq -r '.result | select(.drops > 0) | "drops=\(.drops)"') ;;
	esac
	kill -INT $tpid; wait $tpid || true; tpid=
	[ "$1" != "${1#bt-}" ] && lost=$(grep -o 'Lost [0-9]* events' "$tmp/bt.out" || true)
	echo "$lost"
}

run() { "$BUILD/bench/sched_bench" "$1" "$SECS"; } # -> "mode ops switches"

printf '%-6s %5s %-10s %12s %12s %9s %12s %7s %s\n' workload round config "base_ops/s" \
	"traced_ops/s" "sw/op" "ns/switch" "vs_bt" ""
for w in $WORKLOADS; do
	for r in $(seq "$ROUNDS"); do
		read -r _ b1 s1 <<<"$(run "$w")"
		declare -A ops=() lost=()
		for c in $CONFIGS; do
			start_tracer "$c"
			read -r _ o _ <<<"$(run "$w")"
			ops[$c]=$o
			lost[$c]=$(stop_tracer "$c")
		done
		read -r _ b2 s2 <<<"$(run "$w")"
		base=$(( (b1 + b2) / 2 )); swop=$(awk -v s=$((s1 + s2)) -v o=$((b1 + b2)) 'BEGIN { print s / o }')
		# ns added per switch = (time per op traced - untraced) / switches per op
		declare -A add=()
		for c in $CONFIGS; do
			add[$c]=$(awk -v b="$base" -v t="${ops[$c]}" -v s="$SECS" -v k="$swop" \
				'BEGIN { printf "%.1f", (1e9 * s / t - 1e9 * s / b) / k }')
		done
		for c in $CONFIGS; do
			ratio=-
			[ -n "${add[bt-wakeup]:-}" ] && [ "$c" != bt-wakeup ] &&
				ratio=$(awk -v a="${add[$c]}" -v b="${add[bt-wakeup]}" 'BEGIN { printf "%.2f", a / b }')
			printf '%-6s %5d %-10s %12.0f %12.0f %9.2f %12s %7s %s\n' "$w" "$r" "$c" \
				"$(awk -v b=$base -v s=$SECS 'BEGIN { print b / s }')" \
				"$(awk -v t=${ops[$c]} -v s=$SECS 'BEGIN { print t / s }')" "$swop" \
				"${add[$c]}" "$ratio" "${lost[$c]}"
		done
		unset ops lost add
	done
done
echo "ns/switch: time added per sched_switch event; vs_bt: ratio to bt-wakeup (bpftrace measuring the same interval)"
