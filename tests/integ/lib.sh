# Shared helpers for the integration scripts (sourced, not run).
# Provides: check/summary reporting, starting latscoped on a private socket,
# sending requests, and the BPF-required policy.

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

# LATSCOPE_KEEP_TMP=1 keeps LS_TMP (captures, ftrace text, logs) to debug a
# failure.
cleanup_lib() {
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
