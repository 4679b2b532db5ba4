#!/usr/bin/env bash
# What a kernel stack costs (docs/windows.md, "Stacks"): the programs that
# call bpf_get_stackid (hrtimer_expire_entry, the IPI receive programs) run
# under the same load (bench/irqload ipi and udp) with stacks off
# (--stack-threshold 0) and with a stack for every late timer and IPI on a
# busy CPU (--stack-threshold 1ns). The kernel's own BPF run-time statistics
# (kernel.bpf_stats_enabled, run_time_ns / run_cnt per program, switched on
# for the run and restored) give each program's mean ns per run; the added
# time over the runs, divided by the stacks taken (status
# windows.stacks.kernel.taken), is the cost of one call. Runs at 20 us and
# at the default 100 us say how many calls a second that load makes there.
#   bench/stacks.sh [BUILD] [ROUNDS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}; ROUNDS=${2:-3}; SECS=${3:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF)" >&2; exit 1; }
tmp=$(mktemp -d); sock=$tmp/sock; dpid=
stats0=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap '[ -n "$dpid" ] && kill $dpid 2>/dev/null; echo "$stats0" >/proc/sys/kernel/bpf_stats_enabled; rm -rf "$tmp"' EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled

req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$sock"; }
start_daemon() { # threshold
	"$BUILD/latscoped" -f --socket "$sock" --stack-threshold "$1" 2>"$tmp/daemon.log" & dpid=$!
	for _ in $(seq 100); do req '{"method":"status"}' >/dev/null 2>&1 && return; sleep 0.1; done
	cat "$tmp/daemon.log"; exit 1
}
stop_daemon() { kill -TERM $dpid; wait $dpid; dpid=; }
# "runs ns" summed over the daemon's programs that take stacks
prog_stats() {
	local ids id
	ids=$(grep -h '^prog_id:' /proc/$dpid/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
	for id in $ids; do bpftool -j prog show id "$id"; echo; done | jq -s -r '
		[.[] | select(.name == "hrtimer_expire_entry" or (.name | test("^ipi_.*_entry$")))] |
		"\(map(.run_cnt // 0) | add) \(map(.run_time_ns // 0) | add)"'
}
taken() { req '{"method":"status"}' | jq '.result.windows.stacks.kernel.taken'; }
run() { # threshold -> "runs ns taken"
	start_daemon "$1"
	local a b t ipi
	a=$(prog_stats)
	"$BUILD/bench/irqload" ipi "$SECS" >/dev/null & ipi=$!
	"$BUILD/bench/irqload" udp "$SECS" >/dev/null
	wait $ipi
	b=$(prog_stats); t=$(taken)
	stop_daemon
	echo "$a $b $t" | awk '{ print $3 - $1, $4 - $2, $5 }'
}

printf '%5s %10s %8s %10s %8s %9s %9s %11s %12s\n' round runs_off ns/run runs_on ns/run \
	taken ns/stack "20us: /s" "100us: /s"
for r in $(seq "$ROUNDS"); do
	read -r n0 t0 _ < <(run 0)
	read -r n1 t1 k1 < <(run 1ns)
	read -r _ _ k20 < <(run 20us)
	read -r _ _ kd < <(run 100us)
	awk -v r="$r" -v n0="$n0" -v t0="$t0" -v n1="$n1" -v t1="$t1" -v k="$k1" -v k20="$k20" \
	    -v kd="$kd" -v s="$SECS" 'BEGIN {
		a0 = t0 / n0; a1 = t1 / n1
		printf "%5d %10d %8.1f %10d %8.1f %9d %9.1f %11.1f %12.1f\n", r, n0, a0, n1, a1, k,
		       k ? (a1 - a0) * n1 / k : 0, k20 / s, kd / s
	}'
done
