#!/usr/bin/env bash
# Alerts end to end on a real workload: a thread sleeping on a 1 ms hrtimer
# pinned to CPU 0 makes hrtimer expiries (class hrtimer_late) there; a rule
# with a 1 us threshold on them must fire, and the notification must reach
# stderr (one parseable line, format of latscope.conf(5)), `latscope watch`
# (JSON and human) and the exec hook (facts in its environment), all with
# the same values, and the value must agree with the daemon's own histogram
# of the same CPU. Also: rules added by a SIGHUP reload, a clear when the
# CPU's records stop (filtered by [tracing] cpus after another reload),
# a hook killed at hook_timeout with its whole process group, and the rate
# limit's "suppressed N" summary.
set -u
. "$(dirname "$0")/lib.sh"
T=$LS_TMP
[ "$(nproc)" -ge 2 ] || bpf_unavailable "needs 2 CPUs"

cat >"$T/hook.sh" <<EOF
#!/bin/sh
# record argv and the LATSCOPE_* environment, atomically
env | grep '^LATSCOPE_' | sort >"$T/hook.tmp.\$\$"
echo "ARGS=\$*" >>"$T/hook.tmp.\$\$"
mv "$T/hook.tmp.\$\$" "$T/hook.\$1.\$2.\$\$"
EOF
cat >"$T/sleeper.sh" <<EOF
#!/bin/sh
echo \$\$ >"$T/sleeper.pid"
sleep 300
EOF
chmod +x "$T/hook.sh" "$T/sleeper.sh"

base() {
	cat <<EOF
[alerts]
output = stderr
hook = $T/hook.sh
hook_timeout = 1s
EOF
}
rules() {
	cat <<EOF
[alert late]
kind = timer
cpus = 0
threshold = 1us
statistic = max
period = 1s
cooldown = 0s
[alert slowhook]
kind = timer
cpus = 0
threshold = 1us
period = 1s
hook = $T/sleeper.sh
EOF
}
status() { req '{"method":"status"}'; }
alerts() { status | jq -r ".result.config.alerts.$1"; }
alerts_ge() { [ "$(alerts "$1")" -ge "$2" ]; }   # for wait_for: evaluated each time
no_rules() { [ "$(alerts rules)" = 0 ]; }
cpus_is() { [ "$(status | jq -r .result.config.cpus)" = "$1" ]; }
wait_for() { # DESC SECONDS CMD...: poll until CMD succeeds
	local d=$1 s=$2 i; shift 2
	for i in $(seq 1 $((s * 10))); do "$@" && return 0; sleep 0.1; done
	echo "timed out after ${s}s waiting for: $d"; return 1
}
alert_lines() { grep -E "^latscoped\[[0-9]+\]: alert: " "$T/daemon.log"; }
field() { sed -nE "s/.* $1=(\"([^\"\\\\]|\\\\.)*\"|[^ ]*).*/\\1/p" | head -1; }

base >"$T/c.conf"
start_daemon --config "$T/c.conf"
check "no rules yet: status shows 0 rules" test "$(alerts rules)" = 0
"$BUILD/latscope" --socket "$SOCK" --json watch --count 3 >"$T/watch.json" 2>"$T/watch.err" &
wj=$!
"$BUILD/latscope" --socket "$SOCK" watch --count 3 >"$T/watch.txt" 2>&1 &
wh=$!
check "both watchers subscribed" wait_for "2 watchers" 5 alerts_ge watchers 2

# rules arrive by reload, then the workload runs on CPU 0
{ base; rules; } >"$T/c.conf"
kill -HUP "$DAEMON_PID"
check "reload took the 2 rules" wait_for "rules = 2" 5 alerts_ge rules 2
taskset -c 0 "$BUILD/tests/integ/timer_probe" 1500 1000 "$T/probe" || not_ok "timer_probe ran"
check "both rules fired on CPU 0" wait_for "fired >= 2" 5 alerts_ge fired 2
h0=$(req '{"method":"hist","class":"hrtimer_late","cpu":0}')

line=$(alert_lines | grep ' event=fire rule=late ' | head -1)
echo "stderr: $line"
re='^latscoped\[[0-9]+\]: alert: message_id=25bce8538e7d4290962c67eed5fdf1b8 event=fire rule=late kind=timer cpu=0 value_ns=[0-9]+ threshold_ns=1000 clear_ns=1000 statistic=max period_ns=1000000000 consecutive=1 count=[0-9]+ worst_ns=[0-9]+ worst_mono_ns=[0-9]+ cause="hrtimer_late [^"]+, task [^"]+" suppressed=0 mono_ns=[0-9]+ realtime_ns=[0-9]+$'
check "stderr line has the documented format" grep -qE "$re" <<<"$line"
v=$(field value_ns <<<"$line"); w=$(field worst_ns <<<"$line"); n=$(field count <<<"$line")
hmax=$(jq .result.max_ns <<<"$h0"); hcount=$(jq .result.count <<<"$h0")
check "value (max of the period, $v ns) >= threshold and = the period's worst ($w)" test "$v" -ge 1000 -a "$v" = "$w"
check "value <= the daemon's own max for hrtimer_late on CPU 0 ($hmax ns)" test "$v" -le "$hmax"
check "period's count ($n) <= all hrtimer_late values of CPU 0 ($hcount)" test "$n" -ge 1 -a "$n" -le "$hcount"

# the hook saw the same facts
hook_done() { ls "$T"/hook.fire.late.* >/dev/null 2>&1; }
wait_for "the fire hook" 10 hook_done   # hooks run asynchronously
hf=$(ls "$T"/hook.fire.late.* 2>/dev/null | head -1)
check "hook ran for the fire (argv: fire late)" test -n "$hf" -a "$(grep '^ARGS=' "$hf" 2>/dev/null)" = "ARGS=fire late"
hv() { grep "^LATSCOPE_$1=" "$hf" | cut -d= -f2-; }
check "hook env: rule, kind, cpu, event" test "$(hv RULE)/$(hv KIND)/$(hv CPU)/$(hv EVENT)" = "late/timer/0/fire"
check "hook env: value and threshold as on stderr" test "$(hv VALUE_NS)/$(hv THRESHOLD_NS)" = "$v/1000"
check "hook env: cause and MESSAGE_ID" test "$(hv CAUSE)" = "$(field cause <<<"$line" | tr -d '"')" -a \
	"$(hv MESSAGE_ID)" = 25bce8538e7d4290962c67eed5fdf1b8

# the slow hook is killed at hook_timeout, with its process group
check "slow hook killed after hook_timeout 1s" wait_for "hooks_killed 1" 5 alerts_ge hooks_killed 1
sp=$(cat "$T/sleeper.pid" 2>/dev/null)
check "slow hook's process group is gone (sh and its sleep)" wait_for "pgid $sp empty" 3 \
	sh -c "[ -n '$sp' ] && ! pgrep -g '$sp' >/dev/null"
check "hooks_failed counts no failure of the good hook" test "$(alerts hooks_failed)" = 0
check "latscope status summarizes the alerts and hooks" test -n "$("$BUILD/latscope" --socket "$SOCK" status |
	grep -E '^alerts +2 rules, [0-9]+ firing, [0-9]+ fired' )" -a -n "$("$BUILD/latscope" --socket "$SOCK" status |
	grep -E 'hooks: [0-9]+ run, [0-9]+ running, 0 failed, [1-9][0-9]* killed at timeout')"

# CPU 0 filtered out: rule late sees no values there and clears
{ base; rules; printf '[tracing]\ncpus = 1\n'; } >"$T/c.conf"
kill -HUP "$DAEMON_PID"
check "reload applied the CPU filter (cpus = 1)" wait_for "cpus 1" 5 cpus_is 1
check "rule late cleared on CPU 0 once its records stopped" wait_for "clear line" 6 \
	sh -c "grep -qE ' event=clear rule=late kind=timer cpu=0 value_ns=0 ' '$T/daemon.log'"
check "records of CPU 0 are counted as filtered" test "$(status | jq .result.config.filtered)" -gt 0
check "hook ran for the clear" wait_for "hook.clear" 3 sh -c "ls '$T'/hook.clear.late.* >/dev/null 2>&1"

# watchers got fire, fire, clear
wait $wj; check "latscope watch --json --count 3 exits 0" test $? -eq 0
wait $wh; check "latscope watch --count 3 exits 0" test $? -eq 0
cat "$T/watch.json"
check "watch --json: 3 events, fires before the clear" test \
	"$(jq -r '[.type, .rule] | join(":")' "$T/watch.json" | sort | tr '\n' ' ')" = "clear:late fire:late fire:slowhook "
wv=$(jq -r 'select(.type == "fire" and .rule == "late") | "\(.value_ns) \(.threshold_ns) \(.cpu) \(.kind) \(.message_id)"' "$T/watch.json")
check "watch event carries the same facts as stderr ($wv)" \
	test "$wv" = "$v 1000 0 timer 25bce8538e7d4290962c67eed5fdf1b8"
check "watch event cause = stderr cause" test \
	"$(jq -r 'select(.type == "fire" and .rule == "late") | .cause' "$T/watch.json")" = "$(field cause <<<"$line" | tr -d '"')"
cat "$T/watch.txt"
check "watch (human): one line per event with the message" \
	test "$(grep -cE '^[0-9-]+ [0-9:]+ (fire|clear) +alert (late|slowhook) (FIRING|cleared) on CPU 0: hrtimer expiry lateness max' "$T/watch.txt")" = 3

# rate limit: 1 notification per 2 s window; the rest summed up
{ base; printf 'rate_limit = 1\nrate_window = 2s\n'; rules; printf '[alert many]\nkind = timer\nthreshold = 1us\nperiod = 1s\ncooldown = 0s\n'; } >"$T/c.conf"
s0=$(alerts rate_suppressed)
kill -HUP "$DAEMON_PID"
taskset -c 0 "$BUILD/tests/integ/timer_probe" 1500 1000 "$T/probe" &
p0=$!
taskset -c 1 "$BUILD/tests/integ/timer_probe" 1500 1000 "$T/probe1"
wait $p0
check "rate limit held back notifications" wait_for "rate_suppressed" 6 alerts_ge rate_suppressed $((s0 + 1))
check "a 'suppressed N' summary follows the window" wait_for "summary" 6 \
	sh -c "grep -qE 'alert: message_id=9f737d3ed98548b184d13e830bb5d600 event=suppressed suppressed=[0-9]+ rate_limit=1 rate_window_ns=2000000000 ' '$T/daemon.log'"
# stop new notifications (no rules, same rate window), then let the last
# window close
{ base; printf 'rate_limit = 1\nrate_window = 2s\n'; } >"$T/c.conf"
kill -HUP "$DAEMON_PID"
check "the rules are gone" wait_for "rules = 0" 5 no_rules
sleep 4.5
total=$(alert_lines | grep ' event=suppressed ' | sed -nE 's/.* suppressed=([0-9]+) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
check "summaries add up to the suppressed count ($total = $(alerts rate_suppressed) - $s0)" \
	test "$total" -eq $(( $(alerts rate_suppressed) - s0 ))

check "statistics survived three reloads (hrtimer_late CPU 0 count did not drop)" \
	test "$(req '{"method":"hist","class":"hrtimer_late","cpu":0}' | jq .result.count)" -ge "$hcount"
stop_daemon; check "latscoped exits 0" test $? -eq 0
grep -qE 'AddressSanitizer|runtime error' "$T/daemon.log" && not_ok "daemon log clean of sanitizer errors"
summary
