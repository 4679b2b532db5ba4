#!/usr/bin/env bash
# Persistence across restarts (latscoped --state-dir). A known workload
# (timer_probe: one thread, N timed sleeps) gives a series that no other
# task feeds: its histogram must come back bit for bit after a SIGTERM
# restart, and after a SIGKILL that followed a periodic save. Counters and
# the other histograms must come back at least as large as before, bucket by
# bucket. A corrupt, truncated or foreign state file is moved aside with a
# warning and the daemon starts fresh; a second daemon on the same state
# directory is refused. Worst windows (with their stories), worst wakeups
# and the interruption log of an isolated CPU come back too, after a
# SIGKILL and after a SIGTERM, new worse windows still enter, and a daemon
# with a smaller --worst keeps the longest ones.
set -u
. "$(dirname "$0")/lib.sh"
STATE=$LS_TMP/state
FILE=$STATE/latscope.state
N=150
jq_true() { jq -e "$@" >/dev/null; }  # a jq condition as a check

status() { req '{"method":"status"}' | jq -c .result; }
hist() { req "{\"method\":\"hist\",\"class\":\"$1\"${2:+,\"key\":$2}}"; }
# probe TAG: run timer_probe, sets tid_TAG
probe() {
	"$BUILD/tests/integ/timer_probe" $N 1000 "$LS_TMP/probe.$1" || not_ok "timer_probe ran"
	read -r tid _ <"$LS_TMP/probe.$1"
	eval "tid_$1=$tid"
}
# ge_buckets BEFORE AFTER: every bucket of BEFORE's hist result is in AFTER
# with at least its count, and AFTER's count >= BEFORE's.
ge_buckets() {
	jq -e -n --argjson a "$1" --argjson b "$2" '
		($b.result.count >= $a.result.count) and
		([$a.result.buckets[] as $x | ($b.result.buckets[] |
			select(.lo_ns == $x.lo_ns) | .count) // 0 | . ] as $after |
		 [range(0; $a.result.buckets | length)] |
		 all(. as $i | $after[$i] >= $a.result.buckets[$i].count))' >/dev/null
}
# wait_save AFTER_NS: until a periodic save later than AFTER_NS (10 s max)
wait_save() {
	local i
	for i in $(seq 1 50); do
		[ "$(status | jq '.state.last_save_unix_ns // 0')" -gt "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# --- 1: run, SIGTERM, restart ----------------------------------------------
start_daemon --state-dir "$STATE" --state-interval 1
probe a
h_a=$(hist hrtimer_wakeup "$tid_a")
c_a=$(jq .result.count <<<"$h_a")
check "probe thread's wakeups recorded ($c_a of $N; the sandbox may hide a few from BPF)" \
	test "$c_a" -ge $((N * 9 / 10))
s1=$(status)
h_soft1=$(hist softirq)
h_vec1=$(hist vector)
cpus1=$(req '{"method":"cpus"}')
stop_daemon; check "SIGTERM: latscoped exits 0" test $? -eq 0
check "state file written, mode 0600" test "$(stat -c %a "$FILE" 2>/dev/null)" = 600
check "no temporary file left" test ! -e "$FILE.tmp"

start_daemon --state-dir "$STATE" --state-interval 1
h_a2=$(hist hrtimer_wakeup "$tid_a")
s2=$(status)
check "restart: the probe thread's histogram is identical (count $(jq .result.count <<<"$h_a2"), sum, min, max, percentiles, every bucket)" \
	test "$(jq -S .result <<<"$h_a")" = "$(jq -S .result <<<"$h_a2")"
check "restart: its key keeps the task name ($(jq -r .result.key.name <<<"$h_a2"))" \
	test "$(jq -r .result.key.name <<<"$h_a2")" = "timer_probe-$tid_a"
for k in events records agg.records; do
	b=$(jq ".$k" <<<"$s1"); a=$(jq ".$k" <<<"$s2")
	check "restart: status $k $a >= $b before" test "$a" -ge "$b"
done
check "restart: restored event total ($(jq .state.restored.events <<<"$s2")) >= before ($(jq .events <<<"$s1"))" \
	test "$(jq .state.restored.events <<<"$s2")" -ge "$(jq .events <<<"$s1")"
check "restart: agg.records >= records still holds" \
	test "$(jq .agg.records <<<"$s2")" -ge "$(jq .records <<<"$s2")"
check "restart: statistics start kept from the first run" \
	test "$(jq .state.stats_since_unix_ns <<<"$s2")" -eq "$(jq .state.stats_since_unix_ns <<<"$s1")"
check "restart: softirq histogram kept, bucket by bucket" ge_buckets "$h_soft1" "$(hist softirq)"
check "restart: vector histogram kept, bucket by bucket" ge_buckets "$h_vec1" "$(hist vector)"
cpus2=$(req '{"method":"cpus"}')
check "restart: per-CPU counts of every class >= before" jq_true -n --argjson a "$cpus1" --argjson b "$cpus2" '
	[$a.result.cpus[] as $c | $c.classes | to_entries[] | . as $e |
	 ($b.result.cpus[] | select(.cpu == $c.cpu) | .classes[$e.key].count) >= $e.value.count] | all'
human=$("$BUILD/latscope" --socket "$SOCK" status)
check "latscope status says where the statistics were restored from" \
	grep -q "restored from $FILE saved at" <<<"$human"

# --- 2: a second daemon on the same state directory is refused -----------
"$BUILD/latscoped" -f --socket "$LS_TMP/sock2" --state-dir "$STATE" 2>"$LS_TMP/second.log"
rc=$?
check "second latscoped on the same state dir refused (exit $rc: $(tail -1 "$LS_TMP/second.log"))" \
	grep -q "in use by another latscoped" "$LS_TMP/second.log"

# --- 3: SIGKILL after a periodic save ------------------------------------
probe b
h_b=$(hist hrtimer_wakeup "$tid_b")
s3=$(status)
t=$(date +%s%N)
check "a periodic save happened after the probe (--state-interval 1)" wait_save "$t"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
start_daemon --state-dir "$STATE" --state-interval 1
s4=$(status)
check "after SIGKILL: the second probe's histogram is identical" \
	test "$(jq -S .result <<<"$h_b")" = "$(jq -S .result <<<"$(hist hrtimer_wakeup "$tid_b")")"
check "after SIGKILL: the first run's probe is still identical" \
	test "$(jq -S .result <<<"$h_a")" = "$(jq -S .result <<<"$(hist hrtimer_wakeup "$tid_a")")"
for k in events records; do
	b=$(jq ".$k" <<<"$s3"); a=$(jq ".state.restored.$k" <<<"$s4")
	check "after SIGKILL: restored $k $a >= $b read before the save" test "$a" -ge "$b"
done
stop_daemon; check "latscoped exits 0" test $? -eq 0

# --- 4: unusable files are moved aside, the daemon starts fresh ----------
# damage NAME CMD: apply CMD to the state file, restart, expect a warning
# naming WHY, the damaged bytes kept aside, and empty statistics.
damage() {
	local name=$1 why=$2; shift 2
	rm -f "$STATE"/latscope.state.corrupt-*
	"$@"
	cp "$FILE" "$LS_TMP/damaged"
	start_daemon --state-dir "$STATE"
	local aside; aside=$(ls "$STATE"/latscope.state.corrupt-* 2>/dev/null | head -1)
	local s; s=$(status)
	check "$name: warning logged ($(grep -o 'warn: state file.*' "$LS_TMP/daemon.log" | head -1))" \
		grep -q "warn: state file $FILE unusable ($why" "$LS_TMP/daemon.log"
	check "$name: file moved aside unchanged (${aside##*/})" cmp -s "$aside" "$LS_TMP/damaged"
	check "$name: status names it" test "$(jq -r .state.moved_aside <<<"$s")" = "$aside"
	check "$name: started fresh (no restore, probe series gone)" test \
		"$(jq .state.restored <<<"$s")" = null -a \
		"$(hist hrtimer_wakeup "$tid_a" | jq -r .error.code)" = not_found
	stop_daemon; check "$name: latscoped exits 0, fresh state saved" test $? -eq 0 -a -s "$FILE"
}
flip() { printf '\x5a' | dd of="$FILE" bs=1 seek=$(($(stat -c %s "$FILE") / 2)) conv=notrunc 2>/dev/null; }
cut_half() { truncate -s $(($(stat -c %s "$FILE") / 2)) "$FILE"; }
foreign() { printf '[latscope]\nsocket = /run/x.sock\n' >"$FILE"; }
damage "corrupt byte" "body checksum mismatch" flip
damage "truncated" "truncated" cut_half
damage "foreign file" "not a latscope state file" foreign

# --- 5: worst windows, worst wakeups, interruption logs ---------------------
# The views are queried (P) and the state saved a little later, so windows
# that ended in between may be saved too; a restart's restored windows (R,
# marked "restored"; the mark itself is not compared, P may hold windows
# restored earlier) are checked per CPU and kind against P: each one is
# P's window, identical (start, length, cause, task, context, blocker,
# story), or one that ended after P was taken; and every window of P longer
# than R's shortest is in R (a shorter one may have been pushed out of a
# full list by those later ones, or by the new daemon's windows).
WSTATE=$LS_TMP/wstate
ISO_CPU=$(($(nproc) - 1))
# a lower stack threshold: worst timer/IPI windows carry kernel stacks to keep
WOPTS=(--state-dir "$WSTATE" --state-interval 1 --isolated "$ISO_CPU" --stack-threshold 50us)
cli_json() { "$BUILD/latscope" --socket "$SOCK" --json "$@"; }
# windows_kept P R (files): prints what matched per CPU and kind, fails on a violation
windows_kept() {
	jq -e -r -n --slurpfile P "$1" --slurpfile R "$2" '$P[0] as $p | $R[0] as $r |
		[range(0; $p.cpus | length) as $c | ("irqoff", "preemptoff") as $k |
		 ($p.cpus[$c][$k].worst | map(del(.restored))) as $P |
		 ([$r.cpus[$c][$k].worst[] | select(.restored) | del(.restored)]) as $R |
		 ([$R[].len_ns] | min) as $rmin |
		 {cpu: $c, kind: $k, p: ($P | length), r: ($R | length),
		  matched: ([$R[] | select(. as $x | $P | index([$x]))] | length),
		  late: ([$R[] | select(. as $x | ($P | index([$x])) | not) |
			  select(.start_mono_ns + .len_ns > $p.now_mono_ns - 2000000000)] | length),
		  lost: ([$P[] | select(.len_ns > $rmin) | select(. as $x | $R | index([$x]) | not)] |
			 length)}] as $v |
		($v | map("cpu\(.cpu) \(.kind): \(.matched) identical + \(.late) later of \(.r) restored, P had \(.p)") | .[]),
		($v | all(.r == .matched + .late and .lost == 0 and (.p == 0 or .matched > 0)))'
}
# wakeups_kept P R (files): per CPU each worst wakeup of P is in R or beaten by 8 there
wakeups_kept() {
	jq -e -n --slurpfile P "$1" --slurpfile R "$2" '$P[0] as $p | $R[0] as $r |
		[range(0; $p.cpus | length) as $c | $p.cpus[$c].wakeups.worst as $P |
		 $r.cpus[$c].wakeups.worst as $R |
		 ($P[] | . as $x | ($R | index([$x])) != null or
		  ([$R[] | select(.latency_ns >= $x.latency_ns)] | length) == ($R | length) and
		  ($R | length) == 8)] | all' >/dev/null
}
wakeups_matched() {
	jq -n --slurpfile P "$1" --slurpfile R "$2" '$P[0] as $p | $R[0] as $r |
		[range(0; $p.cpus | length) as $c | $p.cpus[$c].wakeups.worst[] as $x |
		 select($r.cpus[$c].wakeups.worst | index([$x]))] | length'
}
# isolated_kept P R (files): the isolated CPU's count and every cause's count grew or stayed
isolated_kept() {
	jq -e -n --slurpfile P "$1" --slurpfile R "$2" '$P[0] as $p | $R[0] as $r |
		($p.isolated_cpus[0]) as $a | ($r.isolated_cpus[0]) as $b |
		$b.interruptions >= $a.interruptions and $a.interruptions > 0 and
		([$a.causes[] | . as $x | [$b.causes[] | select(.kind == $x.kind and
		  .key == $x.key and .sender_cpu == $x.sender_cpu)][0].count // 0 |
		  . >= $x.count] | all)' >/dev/null
}
wload() {
	"$BUILD/tests/integ/workload" --seconds "$1" >"$LS_TMP/workload.out" 2>&1 ||
		{ cat "$LS_TMP/workload.out"; not_ok "workload ran"; }
}
views() { # TAG: windows, wakeups, isolated views into files w_TAG, k_TAG, i_TAG
	cli_json windows >"$LS_TMP/w_$1"
	cli_json wakeups >"$LS_TMP/k_$1"
	cli_json isolated --n 128 >"$LS_TMP/i_$1"
}
w_a=$LS_TMP/w_a w_b=$LS_TMP/w_b w_c=$LS_TMP/w_c w_d=$LS_TMP/w_d w_e=$LS_TMP/w_e
k_a=$LS_TMP/k_a k_b=$LS_TMP/k_b k_c=$LS_TMP/k_c k_d=$LS_TMP/k_d
i_a=$LS_TMP/i_a i_b=$LS_TMP/i_b i_c=$LS_TMP/i_c i_d=$LS_TMP/i_d

start_daemon "${WOPTS[@]}" --worst 50
wload 3
views a
t=$(date +%s%N)
check "windows: a periodic save after the views were read" wait_save "$t"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
start_daemon "${WOPTS[@]}" --worst 50
views b
s=$(status)
check "after SIGKILL: status counts what was restored ($(jq -c '.state.restored | {windows, wakeups, isolated_logs}' <<<"$s"))" \
	jq_true '.state.restored.windows > 0 and .state.restored.wakeups > 0 and .state.restored.isolated_logs == 1' <<<"$s"
out=$(windows_kept "$w_a" "$w_b"); rc=$?; sed 's/^/  /' <<<"$out"
check "after SIGKILL: the worst windows are those read before, identical with their stories" test $rc -eq 0
n=$(jq '[.cpus[].irqoff.worst[] | select(.restored and .stack_status == "ok" and (.stack | length) > 0)] | length' "$w_b")
check "after SIGKILL: restored windows keep their kernel stacks ($n with frames)" test "$n" -gt 0
check "after SIGKILL: worst wakeups kept ($(wakeups_matched "$k_a" "$k_b") identical; the others beaten by later ones)" \
	wakeups_kept "$k_a" "$k_b"
# (none identical is possible: the restarted daemon's own first wakeups,
# slow under ASan, can beat all 8 on a CPU; status' restored count above
# shows the restore was not empty)
check "after SIGKILL: isolated CPU $ISO_CPU's interruptions kept ($(jq .isolated_cpus[0].interruptions "$i_a") -> $(jq .isolated_cpus[0].interruptions "$i_b")), every cause's count too" \
	isolated_kept "$i_a" "$i_b"
human=$("$BUILD/latscope" --socket "$SOCK" windows --n 3)
check "latscope windows marks the restored windows" grep -q "restored" <<<"$human"

# new windows compete with the restored ones
wload 3
views c
check "new worse windows enter ahead of restored ones ($(jq '[.cpus[] | .irqoff, .preemptoff | .worst | to_entries | map(select(.value.restored | not)) | length] | add' "$w_c") new of $(jq '[.cpus[] | .irqoff, .preemptoff | .worst | length] | add' "$w_c") listed)" \
	jq_true '[.cpus[] | .irqoff, .preemptoff | .worst | to_entries |
		  (map(select(.value.restored)) | map(.key) | max) as $last |
		  map(select((.value.restored | not) and .key < ($last // -1))) | length] | add > 0' "$w_c"
check "the lists stay sorted, longest first" \
	jq_true '[.cpus[] | .irqoff, .preemptoff | .worst | [.[].len_ns] | . == (sort | reverse)] | all' "$w_c"
stop_daemon; check "SIGTERM: latscoped exits 0" test $? -eq 0
start_daemon "${WOPTS[@]}" --worst 50
views d
out=$(windows_kept "$w_c" "$w_d"); rc=$?; sed 's/^/  /' <<<"$out"
check "after SIGTERM: the worst windows are those read before, identical with their stories" test $rc -eq 0
check "after SIGTERM: worst wakeups kept ($(wakeups_matched "$k_c" "$k_d") identical)" \
	wakeups_kept "$k_c" "$k_d"
check "after SIGTERM: isolated CPU's interruptions kept ($(jq .isolated_cpus[0].interruptions "$i_c") -> $(jq .isolated_cpus[0].interruptions "$i_d"))" \
	isolated_kept "$i_c" "$i_d"
stop_daemon; check "latscoped exits 0" test $? -eq 0

# a daemon keeping fewer windows keeps the longest and says what it dropped
start_daemon "${WOPTS[@]}" --worst 5
views e
s=$(status)
out=$(windows_kept "$w_d" "$w_e"); rc=$?; sed 's/^/  /' <<<"$out"
check "--worst 50 -> 5: the 5 longest of each list, identical" test $rc -eq 0
check "--worst 50 -> 5: lists of 5" jq_true '[.cpus[] | .irqoff, .preemptoff | .worst | length <= 5] | all' "$w_e"
check "--worst 50 -> 5: status notes say how many were dropped ($(jq -r .state.notes <<<"$s" | grep -o '[0-9]* saved worst windows beyond[^;]*'))" \
	grep -q "saved worst windows beyond this daemon's 5 per CPU and kind (the file kept 50) dropped" <<<"$(jq -r .state.notes <<<"$s")"
stop_daemon

# a CPU no longer isolated: its log is dropped, and said
start_daemon --state-dir "$WSTATE" --isolated none
s=$(status)
check "isolation removed: the log is dropped with a note ($(jq -r .state.notes <<<"$s" | grep -o 'interruption logs[^;]*'))" \
	grep -q "interruption logs of 1 CPUs no longer isolated dropped" <<<"$(jq -r .state.notes <<<"$s")"
stop_daemon

# --- 6: the default: systemd's $STATE_DIRECTORY, else no persistence ------
STATE_DIRECTORY="$LS_TMP/sd:/unused" start_daemon
check "no --state-dir: \$STATE_DIRECTORY (first entry) is used" \
	test "$(status | jq -r .state.file)" = "$LS_TMP/sd/latscope.state"
stop_daemon; check "...and saved to at exit" test -s "$LS_TMP/sd/latscope.state"
unset STATE_DIRECTORY
start_daemon
check "neither: persistence off" test "$(status | jq .state.enabled)" = false
stop_daemon
summary
