#!/usr/bin/env bash
# Added cost of latscope per traced event, against the same workload with no
# tracer, interleaved in one run (this VM's noise is +-2-3% between runs).
# Also the daemon's CPU time per record (from /proc/PID/schedstat, ns exact)
# and its RSS.
#   bench/run.sh [BUILD] [ROUNDS] [SECONDS]
# Workloads are bench/irqload modes; add a mode there and to WORKLOADS to
# extend (e.g. a sched_switch-heavy one when the scheduler programs land).
set -euo pipefail
BUILD=${1:-build}; ROUNDS=${2:-3}; SECS=${3:-4}
WORKLOADS=${WORKLOADS:-"udp ipi"}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF)" >&2; exit 1; }
tmp=$(mktemp -d); sock=$tmp/sock; dpid=
trap '[ -n "$dpid" ] && kill $dpid 2>/dev/null; rm -rf "$tmp"' EXIT

req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$sock"; }
status_field() { req '{"method":"status"}' | jq -r ".result.$1"; }
cpu_ns() { awk '{print $1}' /proc/$1/schedstat; }
ops_of() { "$BUILD/bench/irqload" "$1" "$SECS" | awk '{print $2}'; }

start_daemon() {
	"$BUILD/latscoped" -f --socket "$sock" 2>"$tmp/daemon.log" & dpid=$!
	for _ in $(seq 100); do req '{"method":"status"}' >/dev/null 2>&1 && return; sleep 0.1; done
	cat "$tmp/daemon.log"; exit 1
}
stop_daemon() { kill -TERM $dpid; wait $dpid; dpid=; }

printf '%-5s %5s %12s %12s %10s %9s %11s %10s %9s %8s\n' workload round "base_ops/s" \
	"traced_ops/s" "slowdown" "events/op" "ns/event" "rec/s" "ns_cpu/rec" "rss_kib"
for w in $WORKLOADS; do
	sum_ns_ev=0 n=0
	for r in $(seq "$ROUNDS"); do
		base=$(ops_of "$w")
		start_daemon
		e0=$(status_field events); r0=$(status_field records); c0=$(cpu_ns $dpid)
		traced=$(ops_of "$w")
		e1=$(status_field events); r1=$(status_field records); c1=$(cpu_ns $dpid)
		drops=$(status_field drops)
		rss=$(awk '/VmHWM/{print $2}' /proc/$dpid/status)
		stop_daemon
		awk -v w="$w" -v r="$r" -v b="$base" -v t="$traced" -v ev=$((e1 - e0)) \
		    -v rec=$((r1 - r0)) -v cpu=$((c1 - c0)) -v s="$SECS" -v rss="$rss" -v d="$drops" 'BEGIN {
			epo = ev / t; add = (1e9 * s / t - 1e9 * s / b) / epo
			printf "%-5s %5d %12.0f %12.0f %9.2f%% %9.1f %11.1f %10.0f %9.1f %8d%s\n",
			       w, r, b / s, t / s, 100 * (b - t) / b, epo, add, rec / s,
			       (rec ? cpu / rec : 0), rss, ((d > 0) ? "  DROPS=" d : "")
		}'
	done
done
