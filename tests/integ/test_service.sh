#!/usr/bin/env bash
# latscoped as a systemd service, without systemd as PID 1 (it is not here):
#  - the notify protocol, read from $NOTIFY_SOCKET by a test sink: READY=1
#    only once the socket answers with programs attached, STATUS=, WATCHDOG=1
#    at half of $WATCHDOG_USEC, RELOADING=1/READY=1 around SIGHUP, STOPPING=1;
#  - socket activation through systemd-socket-activate (sd_listen_fds);
#  - the unit's capability set, by running latscoped as an unprivileged user
#    with exactly the unit's AmbientCapabilities, and with one less.
set -u
. "$(dirname "$0")/lib.sh"
T=$LS_TMP
SINK=$BUILD/tests/integ/dgram_sink
wait_for() { local d=$1 s=$2 i; shift 2
	for i in $(seq 1 $((s * 10))); do "$@" && return 0; sleep 0.1; done
	echo "timed out after ${s}s waiting for: $d"; return 1; }

# --- notify ---------------------------------------------------------------
"$SINK" "$T/notify" >"$T/notify.out" &
sink=$!
wait_for "sink socket" 3 test -S "$T/notify"
NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=2000000 "$BUILD/latscoped" -f --socket "$SOCK" \
	--config /dev/null 2>"$T/daemon.log" &
DAEMON_PID=$!
ready() { grep -q '"READY":"1"' "$T/notify.out"; }
wait_for "READY=1" 20 ready || { cat "$T/daemon.log"; bpf_unavailable "latscoped did not become ready"; }
# the first thing after READY=1: the socket must already serve
st=$(req '{"method":"status"}')
check "READY=1 only when the socket answers with programs attached ($(jq .result.programs_attached <<<"$st"))" \
	test "$(jq .result.programs_attached <<<"$st")" -gt 0
check "READY=1 came after the programs attached (log order)" \
	grep -q "attached [0-9]* of [0-9]* programs" "$T/daemon.log"
sleep 3.2
check "STATUS= one-line summary" grep -qE '"STATUS":"[0-9]+/[0-9]+ programs attached, [0-9.]+[kM]? events/s, [0-9]+ drops, [0-9]+ alerts firing, [0-9]+ clients"' "$T/notify.out"
wd=$(grep -c '"WATCHDOG":"1"' "$T/notify.out")
check "WATCHDOG=1 every second (tick) with WATCHDOG_USEC=2s ($wd in ~3 s)" test "$wd" -ge 3 -a "$wd" -le 6
kill -HUP "$DAEMON_PID"
reloaded() { grep -A1 '"RELOADING":"1"' "$T/notify.out" | grep -q '"READY":"1"'; }
check "SIGHUP: RELOADING=1 then READY=1" wait_for "RELOADING/READY" 5 reloaded
stop_daemon; check "latscoped exits 0" test $? -eq 0
check "STOPPING=1 on SIGTERM" grep -q '"STOPPING":"1"' "$T/notify.out"
check "nothing malformed reached the sink" test "$(grep -c '_MALFORMED\|_FDS' "$T/notify.out")" = 0
kill "$sink"; wait "$sink" 2>/dev/null
echo "notify messages: $(jq -r 'keys[0]' "$T/notify.out" | sort | uniq -c | tr '\n' ' ')"

# --- socket activation ------------------------------------------------------
AS=$T/act.sock
systemd-socket-activate -l "$AS" "$BUILD/latscoped" -f --config /dev/null --socket "$T/unused.sock" \
	2>"$T/act.log" &
act=$!
wait_for "activation socket" 5 test -S "$AS"
r=$(printf '{"method":"status"}\n' | socat -t 30 - "UNIX-CONNECT:$AS" 2>/dev/null)
check "first connection starts latscoped, which answers on the passed socket" \
	test "$(jq -r .ok <<<"$r")" = true
check "latscoped used the passed socket, did not bind its own" \
	test -n "$(grep 'serving on the socket systemd passed' "$T/act.log")" -a ! -e "$T/unused.sock"
check "second connection served by the same daemon" \
	test "$(req_at() { printf '{"method":"status"}\n' | socat -t 5 - "UNIX-CONNECT:$AS"; }; req_at | jq .result.pid)" = "$(jq .result.pid <<<"$r")"
check "systemd-socket-activate exec'd latscoped in its own process" \
	test "$(jq .result.pid <<<"$r")" = "$act"
kill -TERM "$act"; wait "$act"; check "latscoped exits 0" test $? -eq 0
check "the passed socket file is not removed by latscoped (the activator owns it)" test -S "$AS"

# --- capabilities: the unit's set is enough, one less is not ----------------
caps=$(sed -n 's/^AmbientCapabilities=//p' systemd/latscoped.service.in)
check "unit file names CAP_BPF CAP_PERFMON CAP_SYSLOG ($caps)" test "$caps" = "CAP_BPF CAP_PERFMON CAP_SYSLOG"
setcaps() { echo "$1" | tr ' ' '\n' | sed 's/^CAP_//; s/.*/+\L&/' | paste -sd,; }
as_user() { # CAPS LOG: run latscoped as nobody with CAPS, query timers
	local c u; c=$(setcaps "$1")
	u=$(mktemp -d /tmp/latscope-user.XXXXXX); chmod 777 "$u"   # $T is private to root
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$c" --ambient-caps="$c" \
		"$BUILD/latscoped" -f --socket "$u/s" --config /dev/null 2>"$2" &
	local p=$! i
	for i in $(seq 1 50); do [ -S "$u/s" ] && break; kill -0 $p 2>/dev/null || break; sleep 0.2; done
	sleep 1
	printf '{"method":"keys","class":"hrtimer"}\n' | socat -t 5 - "UNIX-CONNECT:$u/s" 2>/dev/null
	kill -TERM $p 2>/dev/null; wait $p 2>/dev/null
	rm -rf "$u"
}
out=$(as_user "$caps" "$T/u1.log")
check "as uid 65534 with $caps: attaches and serves" test "$(jq -r .ok <<<"$out")" = true
check "...and names timer functions from kallsyms" \
	test "$(jq '[.result.keys[] | select(.name | startswith("0x") | not)] | length' <<<"$out")" -gt 0
out=$(as_user "CAP_BPF CAP_SYSLOG" "$T/u2.log")
check "without CAP_PERFMON the programs do not load" \
	grep -q "BPF program load failed: Operation not permitted" "$T/u2.log"
if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 2 ] || [ "$(cat /proc/sys/kernel/kptr_restrict)" -ge 1 ]; then
	out=$(as_user "CAP_BPF CAP_PERFMON" "$T/u3.log")
	check "without CAP_SYSLOG kallsyms shows no addresses (kptr_restrict $(cat /proc/sys/kernel/kptr_restrict), perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid))" \
		grep -q "kallsyms unreadable" "$T/u3.log"
else
	echo "kptr_restrict 0 and perf_event_paranoid <= 1: kallsyms is open to all here; CAP_SYSLOG not testable"
fi
summary
