# Shared helpers for the integration scripts (sourced, not run).
# Provides: check/summary reporting, starting latscoped on a private socket,
# sending requests, the BPF-required policy, and a private ftrace instance
# for ground truth (ftrace_*, removed at exit).

PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESC CMD...: passes when CMD succeeds
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
summary() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

# A test that cannot run BPF skips (77) unless LATSCOPE_REQUIRE_BPF=1.
bpf_unavailable() {
	echo "cannot run BPF here: $*"
	if [ "${LATSCOPE_REQUIRE_BPF:-0}" = 1 ]; then
		echo "LATSCOPE_REQUIRE_BPF=1: failing"; exit 1
	fi
	exit 77
}

BUILD=${1:-build}
LS_TMP=$(mktemp -d /tmp/latscope-test.XXXXXX)
SOCK=$LS_TMP/sock
DAEMON_PID=
TRACEFS=/sys/kernel/tracing
FTRACE_INST= FTRACE_OWN= # the script's tracefs instance, once ftrace_instance made it

# The one EXIT trap: removes the ftrace instance, stops latscoped, removes
# LS_TMP. LATSCOPE_KEEP_TMP=1 keeps LS_TMP (captures, ftrace text, logs) to
# debug a failure.
cleanup_lib() {
	[ -n "$FTRACE_OWN" ] && ftrace_remove
	[ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[ -n "${LATSCOPE_KEEP_TMP:-}" ] && echo "kept $LS_TMP" || rm -rf "$LS_TMP"
}
trap cleanup_lib EXIT

[ "$(id -u)" -eq 0 ] || bpf_unavailable "not root"

# start_daemon [extra latscoped args...]: background, waits until it answers.
start_daemon() {
	"$BUILD/latscoped" -f --socket "$SOCK" "$@" 2>"$LS_TMP/daemon.log" &
	DAEMON_PID=$!
	local i
	for i in $(seq 1 100); do
		if req '{"method":"status"}' | grep -q '"ok":true'; then return 0; fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			cat "$LS_TMP/daemon.log"
			wait "$DAEMON_PID"; DAEMON_PID=
			bpf_unavailable "latscoped exited at start"
		fi
		sleep 0.1
	done
	cat "$LS_TMP/daemon.log"; bpf_unavailable "latscoped did not answer within 10 s"
}

# stop_daemon: SIGTERM, returns the daemon's exit code.
stop_daemon() {
	local rc
	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	return $rc
}

# req JSON-LINE: one request on a fresh connection, prints the response line.
req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$SOCK" 2>/dev/null; }

# req_at_prefix JSON-LINE: status, the request, status on one connection,
# until both statuses count the same aggregated records (none arrived in
# between): the answer then covers exactly the capture's first N records.
# Prints N, then the answer line; fails after 50 tries.
req_at_prefix() {
	local i out a b
	for i in $(seq 1 50); do
		out=$(printf '%s\n' '{"method":"status"}' "$1" '{"method":"status"}' |
			socat -t 5 - "UNIX-CONNECT:$SOCK" 2>/dev/null)
		a=$(sed -n 1p <<<"$out" | jq '.result.agg.records')
		b=$(sed -n 3p <<<"$out" | jq '.result.agg.records')
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			echo "$a"
			sed -n 2p <<<"$out"
			return 0
		fi
	done
	return 1
}

# prog_ids_of PID: ids of the BPF programs a process holds (from fdinfo),
# so checks about "our" programs are not confused by other tracers.
prog_ids_of() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}

# progs_alive IDS...: how many of these program ids are still loaded.
progs_alive() {
	local n=0 id
	for id in "$@"; do bpftool prog show id "$id" >/dev/null 2>&1 && n=$((n + 1)); done
	echo $n
}

# --- A private ftrace instance ------------------------------------------------
# The kernel's own stream of the events a test compares latscope with, in
# $TRACEFS/instances/NAME ($FTRACE_INST), so parallel tests and other tracers
# do not disturb it. Once the instance exists, anything the kernel refuses
# (a setting, an event to enable) fails the test: not_ok, summary, exit 1.

# ftrace_mount: mounts tracefs unless it is there.
ftrace_mount() { [ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS"; }

# ftrace_instance NAME MAX_KB: creates the instance (put $$ in NAME), with
# tracing off until ftrace_on (a new instance starts on: an entry recorded
# before its exit was enabled would stay open), clock mono, the TGID column,
# and MAX_KB of buffer per CPU but at most 1/8 of the available memory in
# all. Returns 1 when it cannot be created: whether that is a skip or a
# failure is the caller's call (FTRACE_INST names it for the message; one
# that was there already is not ours to remove).
ftrace_instance() {
	local kb
	FTRACE_INST=$TRACEFS/instances/$1 FTRACE_OWN=
	ftrace_mount && mkdir "$FTRACE_INST" || return 1
	FTRACE_OWN=1
	kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	kb=$((kb / 8 / $(nproc)))
	[ "$kb" -lt "$2" ] || kb=$2
	ftrace_set tracing_on 0
	ftrace_set trace_clock mono
	ftrace_set buffer_size_kb "$kb"
	ftrace_set options/record-tgid 1
}

# ftrace_set FILE VALUE: writes VALUE to the instance's FILE.
ftrace_set() {
	echo "$2" >"$FTRACE_INST/$1" || ftrace_failed "set $FTRACE_INST/$1 to $2"
}

ftrace_failed() { not_ok "$1"; summary; exit 1; }

# ftrace_enable EVENT...: enables each SYSTEM/EVENT.
ftrace_enable() {
	local e
	for e in "$@"; do
		echo 1 >"$FTRACE_INST/events/$e/enable" || ftrace_failed "enable $e"
	done
}

# ftrace_enable_if_present EVENT...: the same, leaving out events this
# kernel does not have.
ftrace_enable_if_present() {
	local e
	for e in "$@"; do
		if [ -d "$FTRACE_INST/events/$e" ]; then ftrace_enable "$e"; fi
	done
}

# ftrace_enable_vector_pairs: every irq_vectors X_entry that has an X_exit,
# both (the vector spans latscope pairs); sets FTRACE_VECTORS to the X's.
ftrace_enable_vector_pairs() {
	local ev x
	FTRACE_VECTORS=
	for ev in "$FTRACE_INST"/events/irq_vectors/*_entry; do
		[ -d "${ev%_entry}_exit" ] || continue
		x=$(basename "${ev%_entry}")
		ftrace_enable "irq_vectors/${x}_entry" "irq_vectors/${x}_exit"
		FTRACE_VECTORS+="${FTRACE_VECTORS:+ }$x"
	done
}

# ftrace_filter EVENT EXPR: records EVENT only when EXPR holds.
ftrace_filter() {
	echo "$2" >"$FTRACE_INST/events/$1/filter" || ftrace_failed "filter $1: $2"
}

ftrace_on()  { ftrace_set tracing_on 1; }
ftrace_off() { ftrace_set tracing_on 0; }

# ftrace_remove: stops and removes the instance (cleanup_lib does it at exit).
ftrace_remove() {
	[ -n "$FTRACE_OWN" ] && [ -d "$FTRACE_INST" ] || return 0
	echo 0 >"$FTRACE_INST/tracing_on"
	rmdir "$FTRACE_INST" || { echo "warning: could not remove $FTRACE_INST" >&2; return 1; }
}

# ftrace_stat FIELD: sum of one field ("overrun", "dropped events", ...)
# over the instance's CPUs.
ftrace_stat() {
	cat "$FTRACE_INST"/per_cpu/cpu*/stats |
		awk -F': *' -v f="$1" '$1 == f { s += $2 } END { print s + 0 }'
}

# tids_of TGID FILE: thread IDs of process TGID in an ftrace text's TGID
# column ("comm-tid (  tgid)"), one a line.
tids_of() {
	awk -v tgid="$1" 'match($0, /-[0-9]+ +\( *[0-9]+\)/) {
		s = substr($0, RSTART + 1, RLENGTH - 1); split(s, a, /[ ()]+/)
		if (a[2] == tgid) print a[1] }' "$2" | sort -un
}
