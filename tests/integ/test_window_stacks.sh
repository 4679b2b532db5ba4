#!/usr/bin/env bash
# Kernel stacks of inferred irq-off windows (docs/windows.md, "Stacks") on
# the real programs: latscoped with a low threshold (--stack-threshold 20us)
# under load (loopback TCP and UDP, block I/O, 1 ms sleepers), next to a
# private ftrace instance whose stacktrace triggers take the kernel's own
# stack at the same tracepoints (hrtimer_expire_entry and the IPI vectors'
# entries). Checks:
#  - the worst timer/IPI windows at or above the threshold carry a stack
#    (or a counted failure), those whose delay was below it carry none;
#  - every frame's address resolves through /proc/kallsyms (read here,
#    independently) to the symbol latscope printed;
#  - the innermost frames are the interrupt path (hrtimer_interrupt and the
#    APIC timer entry for timers, the IPI's system vector entry for IPIs),
#    and for each source some stacks go on into the interrupted context;
#  - that interrupted context is what ftrace's stacktrace saw for the same
#    interrupt (same CPU, within 300 us): the frames after the entry agree;
#  - status shows the kernel's stack counters (taken, collisions, faults)
#    and the time the calls took, and latscope status / windows print them.
#   tests/integ/test_window_stacks.sh [BUILD]
set -u
. "$(dirname "$0")/lib.sh"

SECS=${WORKLOAD_SEC:-4}
THR_NS=20000
SLACK_NS=2000 # an IPI record may be written a hair after its vector's entry

# the kernel's own stack at every hrtimer expiry and IPI handler entry
# (a trigger goes with its instance when cleanup_lib removes it)
ftrace_instance "latscope_stacks_$$" 32768 || bpf_unavailable "cannot create $FTRACE_INST"
for t in timer/hrtimer_expire_entry irq_vectors/reschedule_entry \
	irq_vectors/call_function_entry irq_vectors/call_function_single_entry; do
	[ -d "$FTRACE_INST/events/$t" ] || continue
	ftrace_enable "$t"
	echo stacktrace >"$FTRACE_INST/events/$t/trigger" || ftrace_failed "stacktrace trigger on $t"
done
ftrace_on
# 8192 stack map entries: at a 20 us threshold this load takes thousands of
# stacks a second, and with the default 1024 the share of distinct stacks
# that collide in the map (counted, checked below) follows the machine's
# interrupt rate (5.1% in one CI run, 2.2% in the next)
start_daemon --stack-threshold 20us --stack-entries 8192 --worst 400

"$BUILD/tests/integ/workload" --seconds "$SECS" >"$LS_TMP/workload.out" 2>&1 &
wl=$!
"$BUILD/bench/irqload" udp "$SECS" >/dev/null &
udp=$!
wait $wl; rc=$?
[ $rc -eq 0 ] || cat "$LS_TMP/workload.out"
check "workload ran" test $rc -eq 0
wait $udp; check "UDP ping-pong ran" test $? -eq 0
sleep 0.3 # past the windows' hold time
ftrace_off

req '{"method":"windows","kind":"irqoff","n":400}' >"$LS_TMP/windows.json"
check "windows answered" jq -e '.ok' "$LS_TMP/windows.json"
st=$(req '{"method":"status"}')
echo "stacks: $(jq -c '.result.windows.stacks' <<<"$st")"
check "status shows the kernel's stack counters and what the calls cost" \
	jq -e '.result.windows.stacks | .threshold_ns == 20000 and (.kernel | (.taken > 0) and
		(.collision | type == "number") and (.fault | type == "number") and
		(.other | type == "number") and .ns > 0 and .max_ns > 0 and
		.max_ns <= .ns)' <<<"$st"
echo "bpf_get_stackid: $(jq -r '.result.windows.stacks.kernel | "\(.ns / (.taken + .collision + .fault + .other) | floor) ns per call on average, \(.max_ns) ns at most"' <<<"$st")"
taken=$(jq '.result.windows.stacks.kernel.taken' <<<"$st")
failed=$(jq '.result.windows.stacks.kernel | .collision + .fault + .other' <<<"$st")
check "stack failures are few ($failed of $((taken + failed)) calls)" \
	test $((failed * 20)) -le $((taken + failed))

# One line per worst timer/IPI window: cpu end len source status clipped
# undelivered interrupted_from nframes
W=$LS_TMP/wins.txt
jq -r '.result.cpus[] | .cpu as $c | .irqoff.worst[] | select(.source == "timer" or .source == "ipi") |
	"\($c) \(.start_mono_ns + .len_ns) \(.len_ns) \(.source) \(.stack_status)" +
	" \(.clipped // false) \(.delivery_unseen // false) \(.stack_interrupted_from // -1)" +
	" \((.stack // []) | length)"' "$LS_TMP/windows.json" >"$W"
nwin=$(wc -l <"$W")
nok=$(awk '$5 == "ok"' "$W" | wc -l)
echo "worst timer/IPI windows: $nwin, with a stack: $nok" \
	"($(awk '{ n[$4 " " $5]++ } END { for (k in n) printf "%s: %d; ", k, n[k] }' "$W"))"
check "some worst timer and IPI windows carry a stack" \
	test "$(awk '$5 == "ok" { s[$4] = 1 } END { print s["timer"] + s["ipi"] }' "$W")" -eq 2
bad=$(awk -v t=$THR_NS -v s=$SLACK_NS '$5 == "below_threshold" && $3 >= t + s' "$W")
check "windows without a stack for being below the threshold are shorter than it${bad:+: $bad}" \
	test -z "$bad"
# An unclipped, delivered window is no longer than the delay its handler
# saw: at or above the threshold it took a stack (or failed, counted).
n_above=$(awk -v t=$THR_NS -v s=$SLACK_NS '$3 >= t + s && $6 == "false" && $7 == "false"' "$W" | wc -l)
bad=$(awk -v t=$THR_NS -v s=$SLACK_NS '$3 >= t + s && $6 == "false" && $7 == "false" &&
	$5 != "ok" && $5 != "failed" && $5 != "lost"' "$W")
check "the $n_above unclipped windows at or above the threshold all took a stack${bad:+: $bad}" \
	test -z "$bad" -a "$n_above" -gt 0
n_miss=$(awk -v t=$THR_NS -v s=$SLACK_NS '$3 >= t + s && $6 == "false" && $7 == "false" &&
	($5 == "failed" || $5 == "lost")' "$W" | wc -l)
check "of them at most 5% failed or lost ($n_miss)" test $((n_miss * 20)) -le "$n_above"

# Every frame against /proc/kallsyms: the last text symbol at or below the
# address (hex of one width sorts as numbers) is the name latscope printed.
# Frames in latscope's own programs are named after them (kallsyms:
# bpf_prog_TAG_NAME [bpf]); others latscope does not know stay raw
# addresses, which must then lie outside the kernel image (module and BPF
# area).
jq -r '.result.cpus[].irqoff.worst[] | (.stack // [])[] | "\(.addr) \(.sym)"' \
	"$LS_TMP/windows.json" | sort -u >"$LS_TMP/frames.txt"
nframes=$(wc -l <"$LS_TMP/frames.txt")
{
	awk '$2 ~ /^[tT]$/ { print $1, "K", $3 }' /proc/kallsyms
	awk '{ a = substr($1, 3); while (length(a) < 16) a = "0" a; print a, "Q", $2 }' \
		"$LS_TMP/frames.txt"
} | LC_ALL=C sort -k1,1 -k2,2 >"$LS_TMP/merged.txt"
mism=$(awk '$2 == "K" { sym = $3; next }
	{ name = $3; sub(/\+0x[0-9a-f]+$/, "", name)
	  if (name ~ /^0x/) { if ($1 < "ffffffffc0000000") print $1 " raw in the kernel image" }
	  else if (name ~ /^bpf_prog_/) {
		own = substr(name, 10)
		if (sym !~ /^bpf_prog_/ || substr(sym, length(sym) - length(own) + 1) != own)
			print $1 " " name " != kallsyms " sym
	  } else if (name != sym) print $1 " " name " != kallsyms " sym }' "$LS_TMP/merged.txt" | head -5)
nraw=$(awk '$2 ~ /^0x/' "$LS_TMP/frames.txt" | wc -l)
check "all $nframes distinct frames resolve through /proc/kallsyms to the printed symbol ($nraw raw)${mism:+: $mism}" \
	test -z "$mism" -a "$nframes" -gt 0

# The interrupt path before the interrupted context.
paths=$(jq -r '.result.cpus[].irqoff.worst[] | select(.stack_status == "ok") |
	.source as $s | [.stack[] | select(.interrupted | not) | .sym | sub("\\+0x.*"; "")] |
	if $s == "timer" then
		index(["hrtimer_interrupt"]) != null and index(["asm_sysvec_apic_timer_interrupt"]) != null
	else
		map(select(test("^asm_sysvec_(call_function_single|call_function|reschedule_ipi|irq_work)$"))) | length > 0
	end' "$LS_TMP/windows.json")
check "every stack begins with its interrupt's path ($(sort <<<"$paths" | uniq -c | tr '\n' ' '))" \
	test -n "$paths" -a "$(grep -c false <<<"$paths")" -eq 0
for src in timer ipi; do
	n=$(awk -v s=$src '$4 == s && $5 == "ok" && $8 >= 0 && $9 > $8' "$W" | wc -l)
	check "$n $src stacks go on into the interrupted context" test "$n" -gt 0
done
echo "stacks with no kernel frame past the entry (interrupted user space):" \
	"$(awk '$5 == "ok" && $8 >= 0 && $9 == $8' "$W" | wc -l)"

# Against ftrace: its stack traces as "cpu ts_ns frames-after-the-entry".
awk '
	function out() { printf "%d %.0f %s\n", cpu, ts, (rest == "" ? "-" : rest); inst = 0 }
	/<stack trace>/ {
		if (inst) out()
		match($0, /\[[0-9]+\]/); cpu = substr($0, RSTART + 1, RLENGTH - 2) + 0
		match($0, /[0-9]+\.[0-9]+: <stack/); t = substr($0, RSTART, RLENGTH - 8)
		split(t, p, "."); ts = p[1] * 1000000000 + p[2] * 1000
		inst = 1; after = 0; rest = ""; next
	}
	inst && /^ => / {
		f = $2
		sub(/^bpf_prog_[0-9a-f]+_/, "bpf_prog_", f) # latscope names its own programs so
		if (after) rest = rest (rest == "" ? "" : "|") f
		else if (f ~ /^asm_/) after = 1
		next
	}
	inst { out() }
	END { if (inst) out() }' "$FTRACE_INST/trace" >"$LS_TMP/ft_stacks.txt"
check "ftrace lost nothing (overrun 0)" test "$(ftrace_stat overrun)" = 0
echo "ftrace stack traces: $(wc -l <"$LS_TMP/ft_stacks.txt")"
jq -r '.result.cpus[] | .cpu as $c | .irqoff.worst[] | select(.stack_status == "ok" and
	.stack_interrupted_from != null and (.stack | length) > .stack_interrupted_from) |
	"\($c) \(.start_mono_ns + .len_ns) " +
	([.stack[.stack_interrupted_from:][] | .sym | sub("\\+0x.*"; "")] | join("|"))' \
	"$LS_TMP/windows.json" >"$LS_TMP/ls_stacks.txt"
# same CPU, within 300 us, the interrupted frames agree over the shorter
# of the two lists (latscope keeps 16 frames from the entry on)
match=$(awk 'NR == FNR { n++; c[n] = $1; t[n] = $2; s[n] = $3; next }
	{
		nl = split($3, l, "|"); hit = 0
		for (i = 1; i <= n && !hit; i++) {
			if (c[i] != $1 || t[i] < $2 - 300000 || t[i] > $2 + 300000) continue
			nf = split(s[i], f, "|"); m = nl < nf ? nl : nf; same = m > 0
			for (j = 1; j <= m && same; j++) same = l[j] == f[j]
			hit = same
		}
		matched += hit; total++
		if (!hit && shown++ < 3) print "  unmatched: cpu " $1 " end " $2 " " $3 > "/dev/stderr"
	}
	END { print matched + 0, total + 0 }' "$LS_TMP/ft_stacks.txt" "$LS_TMP/ls_stacks.txt")
read -r m tot <<<"$match"
check "ftrace's stack of the same interrupt shows the same interrupted context for $m of $tot (at least 90%)" \
	test "$tot" -gt 0 -a $((m * 10)) -ge $((tot * 9))

# The views print them.
out=$("$BUILD/latscope" --socket "$SOCK" windows --kind irqoff --n 400 --story all)
check "latscope windows prints kernel stacks with the interrupted context" \
	grep -q -- "-- interrupted context" <<<"$out"
# (windows keep arriving from the machine's other activity: counted within
# the one answer) every listed timer/IPI window has its stack or says why not
rows=$(grep -cE '^ +[0-9]+ +[^ ]+ +.* (inferred[^ ]*) +(timer|IPI) ' <<<"$out")
blocks=$(grep -cE '^ +(kernel stack at the handler|stack: none \()' <<<"$out")
nnone=$(grep -cE '^ +stack: none \(' <<<"$out")
bad=$(grep -E '^ +stack: none \(' <<<"$out" |
	grep -vE 'stack: none \((not taken|bpf_get_stackid failed|taken, but gone)' | head -3)
check "latscope windows shows a stack or says why not for each of its $rows timer/IPI windows ($nnone without)${bad:+: $bad}" \
	test "$rows" -gt 0 -a "$blocks" -eq "$rows" -a -z "$bad"
out=$("$BUILD/latscope" --socket "$SOCK" status)
check "latscope status prints the stack counters" \
	grep -qE "^stacks +timers/IPIs >= 20.0us late: [0-9]+ taken, failed: [0-9]+ collisions, [0-9]+ faults" <<<"$out"
check "latscope status prints what a call costs" \
	grep -qE "^ +each call spent [0-9.]+[mun]?s on average \(at most [0-9.]+[mun]?s\) inside the late handler" <<<"$out"
# An example, for the record.
jq -r '[.result.cpus[] | .cpu as $c | .irqoff.worst[] | select(.stack_status == "ok") |
	. + {cpu: $c}] | sort_by(-.len_ns) | .[0] | "longest with a stack: cpu \(.cpu) \(.len_ns) ns \(.source) \(.cause.name) task \(.task.comm // "?")\n  " +
	([.stack[] | (if .interrupted then "* " else "" end) + .sym] | join("\n  "))' "$LS_TMP/windows.json"

stop_daemon; check "latscoped exits 0" test $? -eq 0
[ -n "${LATSCOPE_KEEP_TMP:-}" ] && cp "$FTRACE_INST/trace" "$LS_TMP/ftrace.txt"
summary
