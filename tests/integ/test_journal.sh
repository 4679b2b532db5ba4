#!/usr/bin/env bash
# Alert entries in the journal, checked field by field. journald is not
# running here, so the test runs in a private mount namespace with a tmpfs
# over /run/systemd and a test sink bound at /run/systemd/journal/socket:
# latscoped's real sd_journal_send() writes the native journal protocol to
# it (the path is fixed in libsystemd), and the sink decodes every entry.
# Nothing outside the namespace sees the mount. Also checks that output =
# auto picks the journal when systemd started the daemon (INVOCATION_ID)
# and the socket exists, and stderr when it does not.
set -u
if [ -z "${LS_JOURNAL_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "not root"; exit 77; }
	LS_JOURNAL_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
T=$LS_TMP
wait_for() { local d=$1 s=$2 i; shift 2
	for i in $(seq 1 $((s * 10))); do "$@" && return 0; sleep 0.1; done
	echo "timed out after ${s}s waiting for: $d"; return 1; }

mount -t tmpfs -o mode=0755 latscope-test /run/systemd || bpf_unavailable "cannot mount a tmpfs in a private namespace"
mkdir /run/systemd/journal
"$BUILD/tests/integ/dgram_sink" /run/systemd/journal/socket >"$T/journal.out" &
sink=$!
wait_for "journal sink" 3 test -S /run/systemd/journal/socket

cat >"$T/c.conf" <<EOF2
[alerts]
output = auto
[alert late0]
kind = timer
cpus = 0
threshold = 1us
period = 1s
EOF2
INVOCATION_ID=0123456789abcdef0123456789abcdef start_daemon --config "$T/c.conf"
check "auto output under systemd with a journal socket: journal" \
	test "$(req '{"method":"status"}' | jq -r .result.config.alerts.output)" = journal
taskset -c 0 "$BUILD/tests/integ/timer_probe" 1500 1000 "$T/probe" || not_ok "timer_probe ran"
fired() { grep -q '"LATSCOPE_EVENT":"fire"' "$T/journal.out"; }
check "a fire entry reached the journal socket" wait_for "journal entry" 5 fired
stop_daemon; check "latscoped exits 0" test $? -eq 0
kill "$sink"; wait "$sink" 2>/dev/null
e=$(grep '"LATSCOPE_EVENT":"fire"' "$T/journal.out" | head -1)
echo "journal entry: $e"
f() { jq -r ".$1 // \"(absent)\"" <<<"$e"; }
check "MESSAGE_ID is the timer kind's fixed id" test "$(f MESSAGE_ID)" = 25bce8538e7d4290962c67eed5fdf1b8
check "PRIORITY 4 (warning) for a fire" test "$(f PRIORITY)" = 4
check "SYSLOG_IDENTIFIER latscoped" test "$(f SYSLOG_IDENTIFIER)" = latscoped
check "LATSCOPE_RULE, LATSCOPE_KIND, LATSCOPE_CPU" test "$(f LATSCOPE_RULE)/$(f LATSCOPE_KIND)/$(f LATSCOPE_CPU)" = late0/timer/0
check "LATSCOPE_VALUE_NS >= LATSCOPE_THRESHOLD_NS = 1000" \
	test "$(f LATSCOPE_VALUE_NS)" -ge 1000 -a "$(f LATSCOPE_THRESHOLD_NS)" = 1000
check "LATSCOPE_CAUSE names the worst value's origin ($(f LATSCOPE_CAUSE))" \
	grep -qE '^hrtimer_late [^,]+, task .+' <<<"$(f LATSCOPE_CAUSE)"
check "MESSAGE is the human summary" grep -qE '^alert late0 FIRING on CPU 0: hrtimer expiry lateness max [0-9.]+[mun]?s >= 1.00us over 1.00s; worst: ' <<<"$(f MESSAGE)"
check "LATSCOPE_STATISTIC, LATSCOPE_PERIOD_NS, LATSCOPE_SUPPRESSED" \
	test "$(f LATSCOPE_STATISTIC)/$(f LATSCOPE_PERIOD_NS)/$(f LATSCOPE_SUPPRESSED)" = max/1000000000/0
check "every field is NAME=value: nothing malformed, no fd passing" test "$(grep -c '_MALFORMED\|_FDS' "$T/journal.out")" = 0
check "no CODE_FILE noise in the entry" test "$(f CODE_FILE)" = "(absent)"
check "the alert did not also go to stderr" test "$(grep -c ': alert: ' "$T/daemon.log")" = 0

# foreground without systemd: stderr even though the socket exists
start_daemon --config "$T/c.conf"
check "auto output in the foreground, not under systemd: stderr" \
	test "$(req '{"method":"status"}' | jq -r .result.config.alerts.output)" = stderr
stop_daemon
summary
