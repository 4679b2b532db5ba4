#!/usr/bin/env bash
# latscope analyze streams its input in constant memory: a synthetic ftrace
# text (tests/integ/gen_ftrace.c: every family, new pids, timers and vCPU
# threads all the time, one leaked armed timer per CPU and cycle) piped
# through `latscope analyze -`, first ANALYZE_SMALL_MB (200; enough to fill
# the engine's bounded tables), then ANALYZE_STREAM_MB (1024). Checks: every
# span the generator wrote is found (exact counts per class), and the peak
# RSS of the big run (/usr/bin/time) is within ANALYZE_RSS_SLACK_KB (4096)
# of the small one's and below 64 MiB. No BPF needed.
#   tests/integ/test_analyze_stream.sh [BUILD]
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
SMALL=${ANALYZE_SMALL_MB:-200}
BIG=${ANALYZE_STREAM_MB:-1024}
SLACK=${ANALYZE_RSS_SLACK_KB:-4096}
PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
summary() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

tmp=$(mktemp -d /tmp/latscope-stream.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -x /usr/bin/time ] || { not_ok "/usr/bin/time is missing (apt-get install time)"; summary; exit 1; }

# run NAME MB: generator | analyze; leaves $tmp/NAME.{exp,json,time}
run() {
	local name=$1 mb=$2 t0=$SECONDS
	"$BUILD/tests/integ/gen_ftrace" "$mb" 4 2>"$tmp/$name.exp" |
		/usr/bin/time -v -o "$tmp/$name.time" "$BUILD/latscope" --json analyze - \
			>"$tmp/$name.json" 2>"$tmp/$name.err"
	local rc=${PIPESTATUS[1]}
	check "$name: analyze of $mb MiB from stdin exits 0 (took $((SECONDS - t0)) s)" test "$rc" = 0
	[ "$rc" = 0 ] || { cat "$tmp/$name.err"; return 1; }
	local cls want got
	for cls in hardirq softirq vector hrtimer ipi wakeup kvm_exit; do
		want=$(jq ".$cls" "$tmp/$name.exp")
		got=$(jq ".input.records.$cls // 0" "$tmp/$name.json")
		check "$name: $cls records $got == $want written" test "$got" = "$want"
	done
	want=$(jq .kvm_unpaired "$tmp/$name.exp")
	got=$(jq '.input.unpaired.kvm_exit // 0' "$tmp/$name.json")
	check "$name: unpaired kvm_entry $got == $want (each thread's first)" test "$got" = "$want"
	check "$name: no malformed event" test "$(jq .input.malformed "$tmp/$name.json")" = 0
	echo "$name: $(jq -c '.input | {lines: .lines.total, other_text: .lines.other_text,
		ignored: .ignored_events.total, evictions: .notes.table_evictions}' "$tmp/$name.json")"
}

rss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/$1.time"; }

run small "$SMALL" || { summary; exit 1; }
run big "$BIG" || { summary; exit 1; }
small_rss=$(rss_kb small)
big_rss=$(rss_kb big)
echo "peak RSS: $small_rss KiB after $SMALL MiB, $big_rss KiB after $BIG MiB"
check "peak RSS of $BIG MiB ($big_rss KiB) within $SLACK KiB of $SMALL MiB's ($small_rss KiB)" \
	test "$big_rss" -le $((small_rss + SLACK))
check "peak RSS below 64 MiB" test "$big_rss" -lt 65536
# the tables were full in both runs: eviction is what keeps memory bounded
check "bounded tables evicted in the small run already" \
	test "$(jq .input.notes.table_evictions "$tmp/small.json")" -gt 0
summary
