#!/usr/bin/env bash
# The daemon under bad and hostile socket input: errors, not crashes; never
# blocked by one client; still counting events; clean SIGTERM teardown.
set -u
. "$(dirname "$0")/lib.sh"

start_daemon
code() { jq -r '.error.code // "ok"' 2>/dev/null; }
events() { req '{"method":"status"}' | jq -r '.result.events'; }

r=$(req '{"method":"status","id":42}')
check "status answers ok and echoes id" test "$(jq -r '.ok,.id' <<<"$r" | tr '\n' ' ')" = "true 42 "
check "status lists attached programs" test "$(jq '.result.programs_attached' <<<"$r")" -gt 0
check "status reports every missing program with a reason" \
	test "$(jq '[.result.programs[] | select(.attached == false and (.reason | length) == 0)] | length' <<<"$r")" -eq 0
check "status reports kernel and ncpus" test "$(jq -r '.result.kernel' <<<"$r")" = "$(uname -r)" -a \
	"$(jq '.result.ncpus' <<<"$r")" -ge "$(nproc)"

check "not JSON -> parse_error" test "$(req 'hello' | code)" = parse_error
check "JSON array -> parse_error" test "$(req '[1,2]' | code)" = parse_error
check "trailing garbage -> parse_error" test "$(req '{"method":"status"} x' | code)" = parse_error
check "no method -> bad_request" test "$(req '{"x":1}' | code)" = bad_request
check "method not a string -> bad_request" test "$(req '{"method":7}' | code)" = bad_request
check "unknown method -> unknown_method" test "$(req '{"method":"nope"}' | code)" = unknown_method
check "unknown member -> bad_params" test "$(req '{"method":"status","cpuu":1}' | code)" = bad_params
check "cpu negative -> bad_params" test "$(req '{"method":"cpus","cpu":-1}' | code)" = bad_params
check "cpu out of range -> bad_params" test "$(req '{"method":"cpus","cpu":100000}' | code)" = bad_params
check "cpu as string -> bad_params" test "$(req '{"method":"cpus","cpu":"0"}' | code)" = bad_params
check "hist without class -> bad_params" test "$(req '{"method":"hist"}' | code)" = bad_params
check "hist bad class -> bad_params" test "$(req '{"method":"hist","class":"bogus"}' | code)" = bad_params
check "hist bad key name -> bad_params" test "$(req '{"method":"hist","class":"softirq","key":"NOPE"}' | code)" = bad_params
check "hist float key -> bad_params" test "$(req '{"method":"hist","class":"softirq","key":1.5}' | code)" = bad_params
check "hist absent key -> not_found" test "$(req '{"method":"hist","class":"hardirq","cpu":0,"key":99999}' | code)" = not_found
check "hist by key name works" test "$(req '{"method":"hist","class":"vector","key":"LOCAL_TIMER"}' | code)" = ok

# Several requests on one connection, one of them bad: all answered in order.
multi=$(printf '%s\n' '{"method":"status","id":1}' 'garbage' '{"method":"cpus","id":3}' |
	socat -t 5 - "UNIX-CONNECT:$SOCK" | jq -c '[.id, .ok]' | tr -d '\n')
check "pipelined requests answered in order after a bad one" test "$multi" = '[1,true][null,false][3,true]'
check "CRLF line ending accepted" test "$(printf '{"method":"status"}\r\n' | socat -t 5 - "UNIX-CONNECT:$SOCK" | code)" = ok

# Oversize: 70000 bytes with no newline -> too_large, then the server closes.
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
check "oversize request -> too_large" test "$(printf '%s' "$big" | socat -t 5 - "UNIX-CONNECT:$SOCK" | code)" = too_large

# Half a request, then silence: others are served meanwhile, events keep
# being counted, and the stalled client is dropped after ~5 s.
e0=$(events)
t0=$(date +%s%N)
mkfifo "$LS_TMP/half"
socat -t 0.5 - "UNIX-CONNECT:$SOCK" <"$LS_TMP/half" >/dev/null 2>&1 &
half=$!
exec 3>"$LS_TMP/half"
printf '{"method":' >&3
sleep 0.3
t1=$(date +%s%N)
check "status answered while a client stalls mid-request" test "$(req '{"method":"status"}' | code)" = ok
check "...within 1 s" test $(( ($(date +%s%N) - t1) / 1000000 )) -lt 1000
wait $half
exec 3>&-
el=$(( ($(date +%s%N) - t0) / 1000000 ))
check "stalled client dropped after the 5 s partial timeout (took ${el} ms)" test "$el" -ge 4500 -a "$el" -lt 9000
check "events kept being counted meanwhile" test "$(events)" -gt "$e0"

# A client that never reads: the daemon must not block on it.
(for i in $(seq 1 3000); do printf '{"method":"cpus"}\n'; done; sleep 3) |
	socat -t 5 -u - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 &
flood=$!
sleep 1
check "served while another client floods without reading" test "$(req '{"method":"status"}' | code)" = ok
kill $flood 2>/dev/null; wait $flood 2>/dev/null

check "socket file has mode 0660" test "$(stat -c %a "$SOCK")" = 660
check "daemon still alive after all of it" kill -0 "$DAEMON_PID"

ids=$(prog_ids_of "$DAEMON_PID")
check "the daemon holds its BPF programs ($(echo $ids | wc -w))" test -n "$ids"
stop_daemon; rc=$?
check "SIGTERM exits 0" test $rc -eq 0
check "socket removed on exit" test ! -e "$SOCK"
# shellcheck disable=SC2086
for i in $(seq 1 30); do [ "$(progs_alive $ids)" -eq 0 ] && break; sleep 0.1; done
# shellcheck disable=SC2086
check "none of its BPF programs stays loaded" test "$(progs_alive $ids)" -eq 0
grep -qE 'ERROR|AddressSanitizer|runtime error' "$LS_TMP/daemon.log" && { cat "$LS_TMP/daemon.log"; not_ok "daemon log clean of sanitizer errors"; }
summary
