#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# latscope (the CLI) against bad input, without a daemon: bad flags, unknown
# commands, missing arguments, sockets that are missing, stale, regular files
# or not permitted, and tiny socat servers answering garbage, truncated,
# ill-typed, slow or error responses. Checks exit codes (0 ok, 1 runtime,
# 2 usage) and that messages say what is wrong.
#
# usage: tests/integ/test_cli_badinput.sh [LATSCOPE | BUILD_DIR]   (default build/latscope;
#        tests/run.sh passes the build directory)

B=${1:-build/latscope}
[ -d "$B" ] && B=$B/latscope
B=$(realpath "$B")
pass=0
fail=0
pids=()
tmp=$(mktemp -d)
chmod 755 "$tmp"

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$B" ]; then
	echo "not ok - $B is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v socat >/dev/null; then
	echo "not ok - socat is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi

unset LATSCOPE_SOCKET NO_COLOR

# check NAME RC PATTERN [--stdout] -- CMD...: run CMD; pass when it exits
# with RC and its stderr (or stdout with --stdout) matches the extended
# regex PATTERN (case-insensitive; "" matches anything).
check() {
	local name=$1 want=$2 pat=$3 stream=err rc
	shift 3
	if [ "$1" = --stdout ]; then stream=out; shift; fi
	[ "$1" = -- ] && shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qiE -- "$pat" "$tmp/$stream"; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "not ok - $name (exit $rc, want $want; std$stream must match /$pat/)"
		sed 's/^/#   out: /' "$tmp/out" | head -5
		sed 's/^/#   err: /' "$tmp/err" | head -5
		fail=$((fail + 1))
	fi
}

# serve NAME: serve the file $tmp/NAME.resp as the response to every
# connection on $tmp/NAME.sock. serve_cmd NAME CMD: run CMD per connection.
serve_cmd() {
	local sock=$tmp/$1.sock
	# read the request first: closing with it unread would reset the
	# connection and could discard the response before the client reads it
	socat UNIX-LISTEN:"$sock",fork SYSTEM:"head -n1 >/dev/null; $2" 2>/dev/null &
	pids+=($!)
	# the file appears at bind(), before listen(): wait for the listener
	for _ in $(seq 100); do
		ss -Hxl 2>/dev/null | grep -qF "$sock" && return
		sleep 0.02
	done
	echo "# socat is not listening on $sock"
}
serve() {
	serve_cmd "$1" "cat $tmp/$1.resp"
}
respond() { # respond NAME TEXT...: the response file (printf format)
	local name=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" >"$tmp/$name.resp"
	serve "$name"
}

# --- help and version: exit 0, usage on stdout ----------------------------
check "--help exits 0" 0 "usage: latscope" --stdout -- "$B" --help
check "-h exits 0" 0 "usage: latscope" --stdout -- "$B" -h
check "help exits 0" 0 "Commands:" --stdout -- "$B" help
check "--version prints the version" 0 "^latscope [0-9]+\.[0-9]+" --stdout -- "$B" --version
for c in status cpus hist keys timers ipis help; do
	check "$c --help exits 0 with its usage" 0 "usage: latscope $c" --stdout -- "$B" "$c" --help
	check "--help $c exits 0 with its usage" 0 "usage: latscope $c" --stdout -- "$B" --help "$c"
	check "$c -h exits 0" 0 "usage: latscope $c" --stdout -- "$B" "$c" -h
	check "help $c exits 0" 0 "usage: latscope $c" --stdout -- "$B" help "$c"
done
check "--help wins over bad arguments" 0 "usage: latscope hist" --stdout -- "$B" hist --bogus x y --help

# --- usage errors: exit 2, message and usage on stderr --------------------
check "no command" 2 "no command given" -- "$B"
check "no command prints usage" 2 "usage: latscope" -- "$B"
check "unknown command" 2 "unknown command 'frobnicate'" -- "$B" frobnicate
check "unknown command after options" 2 "unknown command 'frob'" -- "$B" --json frob
check "unknown global option" 2 "unknown option '--bogus'" -- "$B" --bogus status
check "unknown short option" 2 "unknown option '-x'" -- "$B" -x status
check "unknown command option" 2 "status: unknown option '--cpu'" -- "$B" status --cpu 1
check "unknown option of hist" 2 "hist: unknown option '--bogus'" -- "$B" hist softirq --bogus
check "unknown option=value" 2 "unknown option '--bogus'" -- "$B" keys softirq --bogus=3
check "bad option prints the command's usage" 2 "usage: latscope hist CLASS" -- "$B" hist softirq --bogus
check "hist without CLASS" 2 "hist: missing CLASS" -- "$B" hist
check "keys without CLASS" 2 "keys: missing CLASS" -- "$B" keys
check "hist with an extra argument" 2 "unexpected argument 'extra'" -- "$B" hist softirq extra
check "status with an argument" 2 "status: unexpected argument 'now'" -- "$B" status now
check "--cpu without a value" 2 "'--cpu' needs a value" -- "$B" cpus --cpu
check "--key without a value" 2 "'--key' needs a value" -- "$B" hist softirq --key
check "--cpu not a number" 2 "'abc' is not a CPU number" -- "$B" cpus --cpu abc
check "--cpu negative" 2 "'-1' is not a CPU number" -- "$B" cpus --cpu -1
check "--cpu with junk" 2 "'3x' is not a CPU number" -- "$B" hist softirq --cpu=3x
check "--cpu empty" 2 "'' is not a CPU number" -- "$B" keys softirq --cpu=
check "--cpu too large" 2 "is not a CPU number" -- "$B" cpus --cpu 99999999999999999999
check "--timeout zero" 2 "--timeout: '0' is not a number of seconds" -- "$B" --timeout 0 status
check "--timeout not a number" 2 "--timeout: 'soon'" -- "$B" status --timeout soon
check "--timeout negative" 2 "--timeout: '-1'" -- "$B" --timeout=-1 status
check "--timeout without a value" 2 "'--timeout' needs a value" -- "$B" status --timeout
check "--socket without a value" 2 "'--socket' needs a value" -- "$B" status --socket
check "--socket empty" 2 "--socket: empty path" -- "$B" --socket= status
check "help for an unknown command" 2 "unknown command 'nope'" -- "$B" help nope
"$B" frobnicate >"$tmp/out" 2>/dev/null
if [ ! -s "$tmp/out" ]; then
	echo "ok - usage error prints nothing on stdout"
	pass=$((pass + 1))
else
	echo "not ok - usage error printed on stdout"
	fail=$((fail + 1))
fi

# --- sockets that are not a running daemon: exit 1 ------------------------
check "missing socket: not running" 1 "latscoped is not running \(no socket at $tmp/none.sock\)" \
	-- "$B" --socket "$tmp/none.sock" status
check "missing socket: says how to start it" 1 "start it with" -- "$B" --socket "$tmp/none.sock" cpus
check "missing socket from LATSCOPE_SOCKET" 1 "no socket at $tmp/env.sock" \
	-- env LATSCOPE_SOCKET="$tmp/env.sock" "$B" status
check "--socket overrides LATSCOPE_SOCKET" 1 "no socket at $tmp/opt.sock" \
	-- env LATSCOPE_SOCKET="$tmp/env.sock" "$B" status --socket "$tmp/opt.sock"
check "missing directory: not running" 1 "no socket at" -- "$B" --socket "$tmp/nodir/x.sock" status
: >"$tmp/regular"
check "regular file: not a socket" 1 "$tmp/regular is a regular file, not a socket" \
	-- "$B" --socket "$tmp/regular" status
check "directory: not a socket" 1 "is a directory, not a socket" -- "$B" --socket "$tmp" status
check "parent is a file" 1 "not a socket path" -- "$B" --socket "$tmp/regular/x.sock" status
check "socket path too long" 1 "socket path too long" \
	-- "$B" --socket "$tmp/$(printf 'x%.0s' $(seq 120))" status

# A socket nobody listens on any more (socat serves once, leaves the file).
socat UNIX-LISTEN:"$tmp/stale.sock",unlink-close=0 SYSTEM:true 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/stale.sock" ] && break; sleep 0.02; done
check "daemon closes without responding" 1 "closed the connection without responding" \
	-- "$B" --socket "$tmp/stale.sock" status
sleep 0.2
check "stale socket: not running" 1 "latscoped is not running \(nothing is listening on" \
	-- "$B" --socket "$tmp/stale.sock" status

# Permission denied: the socket is 0660 root:root and we run as nobody.
respond perm '{"ok":true,"result":{}}\n'
chmod 0660 "$tmp/perm.sock"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	cp "$B" "$tmp/latscope" && chmod 755 "$tmp/latscope"
	check "permission denied names mode, group and the fix" 1 \
		"permission denied connecting to $tmp/perm.sock \(mode 0660, owner root:root\)" \
		-- setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/latscope" --socket "$tmp/perm.sock" status
	check "permission denied suggests root or the group" 1 "run as root|join group 'root'" \
		-- setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/latscope" --socket "$tmp/perm.sock" status
else
	echo "ok - permission denied # skip: needs root and setpriv"
	pass=$((pass + 1))
fi

# --- bad responses from a fake daemon: exit 1 -----------------------------
serve_cmd garbage 'echo garbage'
check "garbage response: malformed, not JSON" 1 "malformed response from latscoped: not JSON.*'garbage'" \
	-- "$B" --socket "$tmp/garbage.sock" status
check "garbage response with --json" 1 "malformed response" -- "$B" --socket "$tmp/garbage.sock" --json cpus
respond trunc '{"ok":true,"result":{"ncpus":2,"cp'
check "truncated response" 1 "truncated response from latscoped" -- "$B" --socket "$tmp/trunc.sock" cpus
respond binary '\x00\xff\xfe{{\x01\n'
check "binary response" 1 "malformed response" -- "$B" --socket "$tmp/binary.sock" status
respond array '[1,2,3]\n'
check "JSON array instead of object" 1 "expected a JSON object, got array" -- "$B" --socket "$tmp/array.sock" status
respond trailing '{"ok":true,"result":{}} xyz\n'
check "trailing data after the object" 1 "trailing data" -- "$B" --socket "$tmp/trailing.sock" status
respond nook '{"result":{}}\n'
check "response without ok" 1 "no boolean \"ok\"" -- "$B" --socket "$tmp/nook.sock" status
respond strok '{"ok":"yes","result":{}}\n'
check "ok is a string" 1 "no boolean \"ok\"" -- "$B" --socket "$tmp/strok.sock" status
respond noresult '{"ok":true}\n'
check "ok without result" 1 "no \"result\" object" -- "$B" --socket "$tmp/noresult.sock" --json status
respond noerror '{"ok":false}\n'
check "not ok without error" 1 "no \"error\" object" -- "$B" --socket "$tmp/noerror.sock" status
respond cpustype '{"ok":true,"result":{"ncpus":2,"cpus":"nope"}}\n'
check "cpus: cpus is not an array" 1 "no \"cpus\" array" -- "$B" --socket "$tmp/cpustype.sock" cpus
respond cpuentry '{"ok":true,"result":{"cpus":[{"cpu":-1,"classes":[]}]}}\n'
check "cpus: bad cpu entry" 1 "cpus\[0\]" -- "$B" --socket "$tmp/cpuentry.sock" cpus
respond cpuclass '{"ok":true,"result":{"cpus":[{"cpu":0,"classes":{"softirq":3}}]}}\n'
check "cpus: class is not an object" 1 "cpus\[0\].classes.softirq" -- "$B" --socket "$tmp/cpuclass.sock" cpus
respond bucket '{"ok":true,"result":{"class":"softirq","count":1,"buckets":[{"lo_ns":"a","hi_ns":2,"count":1}]}}\n'
check "hist: bucket with a string bound" 1 "buckets\[0\]" -- "$B" --socket "$tmp/bucket.sock" hist softirq
respond bucket2 '{"ok":true,"result":{"class":"softirq","buckets":[{"lo_ns":5,"hi_ns":5,"count":1},7]}}\n'
check "hist: empty bucket range" 1 "buckets\[0\] needs lo_ns < hi_ns" -- "$B" --socket "$tmp/bucket2.sock" hist softirq
respond nobuckets '{"ok":true,"result":{"class":"softirq","buckets":{}}}\n'
check "hist: buckets not an array" 1 "no \"buckets\" array" -- "$B" --socket "$tmp/nobuckets.sock" hist softirq
respond keytype '{"ok":true,"result":{"class":"softirq","keys":[{"key":"3","name":"NET_RX"}]}}\n'
check "keys: key is a string" 1 "keys\[0\]" -- "$B" --socket "$tmp/keytype.sock" keys softirq
respond status '{"ok":true,"result":{"version":5,"kernel":null,"programs":"x","rings":[],"agg":7,"by_class":[1,"a",null,{"class":3}],"drops":-4}}\n'
check "status: ill-typed members are shown as unknown, no crash" 0 "latscoped - \(pid -\), kernel -" --stdout \
	-- "$B" --socket "$tmp/status.sock" status

# --- daemon-side errors: exit 1 with code and message ---------------------
respond derr '{"ok":false,"error":{"code":"not_found","message":"no data for softirq on cpu 9"}}\n'
check "daemon error: code and message" 1 "latscoped error \(not_found\): no data for softirq on cpu 9" \
	-- "$B" --socket "$tmp/derr.sock" hist softirq --cpu 9
check "daemon error with --json: error object on stdout" 1 "\"code\": \"not_found\"" --stdout \
	-- "$B" --socket "$tmp/derr.sock" --json hist softirq --cpu 9
respond dbad '{"ok":false,"error":{"code":7}}\n'
check "daemon error with ill-typed members" 1 "latscoped error \(no code\): no message" \
	-- "$B" --socket "$tmp/dbad.sock" status

# --- timeout --------------------------------------------------------------
serve_cmd slow 'sleep 5'
start=$(date +%s%N)
check "silent daemon: timed out" 1 "timed out after 0.3s waiting for a response" \
	-- "$B" --socket "$tmp/slow.sock" --timeout 0.3 status
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -lt 2000 ]; then
	echo "ok - timeout honoured (${ms} ms)"
	pass=$((pass + 1))
else
	echo "not ok - timeout not honoured (${ms} ms for --timeout 0.3)"
	fail=$((fail + 1))
fi

# --- the fake server itself works: a good response is accepted -----------
respond good '{"ok":true,"result":{"class":"softirq","cpu":null,"keys":[{"key":3,"name":"NET_RX","count":9,"p99_ns":20000,"max_ns":90000}]}}\n'
check "good response: keys table" 0 "NET_RX +9 +20.0us +90.0us" --stdout -- "$B" --socket "$tmp/good.sock" keys softirq
check "good response: --json is the result object" 0 "\"max_ns\": 90000" --stdout \
	-- "$B" --socket "$tmp/good.sock" keys softirq --json
check "good response via LATSCOPE_SOCKET" 0 "1 key with data" --stdout \
	-- env LATSCOPE_SOCKET="$tmp/good.sock" "$B" keys softirq

# --- ipis: receive-only kernels, malformed views, status notes ------------
respond ipis_rx '{"ok":true,"result":{"ncpus":2,"send_side":false,"matrix":[],"cpus":[{"cpu":0,"count":0,"coalesced":0,"callbacks":[],"callsites":[]}]}}\n'
check "ipis on a receive-only kernel says so" 0 "receive only" --stdout \
	-- "$B" --socket "$tmp/ipis_rx.sock" ipis
respond ipis_bad '{"ok":true,"result":{"ncpus":2,"send_side":true,"matrix":[{"target":1}],"cpus":[]}}\n'
check "ipis: matrix entry without a sender is malformed" 1 "malformed.*matrix\\[0\\]" \
	-- "$B" --socket "$tmp/ipis_bad.sock" ipis
check "ipis --cpu takes a CPU number" 2 "cpu" -- "$B" --socket "$tmp/ipis_bad.sock" ipis --cpu x
respond notes '{"ok":true,"result":{"version":"0.1.0","notes":["ipi: receive only (no ipi_send_* tracepoints, kernel < 6.4): no IPI origin or delivery latency"]}}\n'
check "status prints the capability notes" 0 "notes +ipi: receive only" --stdout \
	-- "$B" --socket "$tmp/notes.sock" status

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
