#!/usr/bin/env bash
# SIGHUP reload: a bad file is rejected whole (error with file and line
# logged and shown in status, running configuration kept), a good one is
# applied (live keys change, restart-only keys are logged "needs restart"
# and keep their running value), flags keep winning over the files, and the
# statistics survive every reload. Also: [tracing] families keeps a family's
# programs from loading at all.
set -u
. "$(dirname "$0")/lib.sh"
T=$LS_TMP
status() { req '{"method":"status"}'; }
st() { status | jq -r ".result.$1"; }
reloads_ge() { [ "$(st config.reloads)" -ge "$1" ]; }
errors_ge() { [ "$(st config.reload_errors)" -ge "$1" ]; }
wait_for() { local d=$1 s=$2 i; shift 2
	for i in $(seq 1 $((s * 10))); do "$@" && return 0; sleep 0.1; done
	echo "timed out after ${s}s waiting for: $d"; return 1; }

printf '[tracing]\ndrain_ms = 10\nring_kb = 4096\nfamilies = hardirq softirq vector hrtimer\n[daemon]\nlog_level = info\n' >"$T/c.conf"
start_daemon --config "$T/c.conf" --max-series 4096
sleep 1
check "starts with the file's drain period (10 ms)" test "$(st rings.drain_period_ms)" = 10
r0=$(st agg.records)
hc0=$(req '{"method":"hist","class":"vector"}' | jq .result.count)

# a bad file: rejected, nothing changes
printf '[tracing]\ndrain_ms = 20\nring_kb = 3\n' >"$T/c.conf"
kill -HUP "$DAEMON_PID"
check "bad file: reload counted as an error" wait_for "reload_errors 1" 5 errors_ge 1
err=$(st config.last_reload_error)
check "status shows the error with file and line ($err)" \
	test "$err" = "$T/c.conf:3: [tracing] ring_kb = 3: expected a power of two 4..1048576"
check "the error is logged, running configuration kept" \
	grep -q "error: reload rejected, running configuration kept: $T/c.conf:3: \[tracing\] ring_kb = 3" "$T/daemon.log"
check "latscope status shows the rejected reload" \
	grep -q "last reload rejected: $T/c.conf:3: \[tracing\] ring_kb = 3" <<<"$("$BUILD/latscope" --socket "$SOCK" status)"
check "bad file: drain period unchanged (10 ms, not the 20 of the rejected file)" test "$(st rings.drain_period_ms)" = 10
check "bad file: no reload counted" test "$(st config.reloads)" = 0
check "daemon alive after the bad reload" kill -0 "$DAEMON_PID"

# a good file: live keys applied, restart-only keys logged and kept
printf '[tracing]\ndrain_ms = 25\nring_kb = 8192\nfamilies = hardirq softirq vector hrtimer\n[daemon]\nmax_series = 100\nlog_level = debug\n' >"$T/c.conf"
kill -HUP "$DAEMON_PID"
check "good file: reload counted" wait_for "reloads 1" 5 reloads_ge 1
check "live key applied: drain period now 25 ms" test "$(st rings.drain_period_ms)" = 25
check "the last error is cleared" test "$(st config.last_reload_error)" = null
check "ring_kb change logged as needing a restart" \
	grep -q "warn: reload: tracing.ring_kb changed (4096 -> 8192): needs restart; keeping 4096" "$T/daemon.log"
check "ring size kept (4 MiB per shard)" test "$(st rings.bytes_per_shard)" = 4194304
check "the --max-series flag still wins over the file: no restart warning for it" \
	test "$(grep -c 'daemon.max_series changed' "$T/daemon.log")" = 0
check "log level applied live (debug lines appear after the reload)" wait_for "debug line" 3 \
	grep -q "latscoped\[[0-9]*\]: debug: " "$T/daemon.log"

sleep 1
r1=$(st agg.records)
hc1=$(req '{"method":"hist","class":"vector"}' | jq .result.count)
check "statistics survive the reloads: records $r0 -> $r1, vector count $hc0 -> $hc1" \
	test "$r1" -gt "$r0" -a "$hc1" -ge "$hc0"

# families: ipi/wakeup/kvm/preemptirq programs (when present) and nothing else are off
# by configuration; every program that is off names its reason
off=$(status | jq -r '[.result.programs[] | select(.attached == false) | .reason] | map(select(test("disabled by configuration"))) | length')
bad=$(status | jq -r '[.result.programs[] | select(.reason != null and (.reason | test("disabled by configuration"))) | .family] | map(select(. == "hardirq" or . == "softirq" or . == "vector" or . == "hrtimer")) | length')
check "no enabled family is switched off by configuration ($off off by configuration)" test "$bad" = 0
unknown=
for f in $(status | jq -r '[.result.programs[].family] | unique | .[]'); do
	"$BUILD/latscoped" --check-config --config /dev/null --families "$f" >/dev/null 2>&1 || unknown="$unknown $f"
done
check "every family the tracer reports can be named in [tracing] families${unknown:+ (unknown:$unknown)}" test -z "$unknown"
stop_daemon; check "latscoped exits 0" test $? -eq 0

start_daemon --families hardirq,softirq
fams=$(status | jq -r '[.result.programs[] | select(.attached) | .family] | unique | join(" ")')
offv=$(status | jq -r '[.result.programs[] | select(.family == "vector") | .reason] | unique | join("|")')
check "--families hardirq,softirq: only those attach ($fams)" test "$fams" = "hardirq softirq"
check "vector programs off with the reason ($offv)" \
	test "$offv" = "family vector disabled by configuration ([tracing] families)"
stop_daemon; check "latscoped exits 0" test $? -eq 0
summary
