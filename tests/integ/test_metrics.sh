#!/usr/bin/env bash
# Prometheus metrics of a live daemon: `latscope metrics` passes the real
# `promtool check metrics`; its histogram counts, cumulative buckets and
# sums lie between two `hist` snapshots taken around it (the same data seen
# through another path); counters between two `status` snapshots. The
# example rules pass `promtool check rules` and their unit tests
# (prom_rules_test.yml). The node_exporter textfile is written atomically
# and periodically, and removed at a clean exit.
set -u
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "promtool missing: bash scripts/deps.sh installs the prometheus package"; exit 1; }
DIR=$(cd "$(dirname "$0")/../.." && pwd)
TF=$LS_TMP/textfile/latscope.prom
jq_true() { jq -e "$@" >/dev/null; }  # a jq condition as a check

check "promtool check rules on the example rules" promtool check rules "$DIR/config/prometheus/latscope.rules.yml"
check "promtool test rules: the example alerts fire on synthetic series" \
	promtool test rules "$DIR/tests/integ/prom_rules_test.yml"

# bad options are refused before anything starts
"$BUILD/latscoped" -f --socket "$SOCK" --metrics-textfile "$LS_TMP/x.txt" 2>"$LS_TMP/err"
check "--metrics-textfile not ending in .prom: usage error (exit $?)" grep -q "ending in .prom" "$LS_TMP/err"
"$BUILD/latscoped" -f --socket "$SOCK" --metrics-interval 0 2>"$LS_TMP/err"
check "--metrics-interval 0: usage error" grep -q "invalid --metrics-interval '0'" "$LS_TMP/err"

mkdir -p "$LS_TMP/textfile"
start_daemon --metrics-textfile "$TF" --metrics-interval 1 --state-dir "$LS_TMP/state"
"$BUILD/tests/integ/timer_probe" 100 1000 "$LS_TMP/probe" >/dev/null

m=$LS_TMP/metrics
"$BUILD/latscope" --socket "$SOCK" metrics >"$m"
check "latscope metrics exits 0 ($(wc -l <"$m") lines)" test $? -eq 0 -a -s "$m"
promtool check metrics <"$m" >"$LS_TMP/lint" 2>&1
check "promtool check metrics: no problems ($(head -c 300 "$LS_TMP/lint"))" test $? -eq 0 -a ! -s "$LS_TMP/lint"
check "metrics with a parameter -> bad_params" test \
	"$(req '{"method":"metrics","cpu":0}' | jq -r .error.code)" = bad_params
check "--json metrics: text with the exposition content type" test \
	"$("$BUILD/latscope" --socket "$SOCK" --json metrics | jq -r .content_type)" = "text/plain; version=0.0.4"
for f in latscope_latency_seconds latscope_latency_by_key_seconds; do
	check "$f is a histogram" grep -q "^# TYPE $f histogram$" "$m"
done
check "per-CPU series for every CPU" test "$(grep -c '^latscope_latency_seconds_count{class="softirq",cpu="[0-9]*"}' "$m")" -eq "$(nproc)"
check "pid-keyed hrtimer_wakeup not in the by-key family" \
	test "$(grep -c '^latscope_latency_by_key_seconds_count{class="hrtimer_wakeup"' "$m")" -eq 0
check "build info carries the version" grep -q "^latscope_build_info{version=\"$("$BUILD/latscoped" --version | cut -d' ' -f2)\",kernel=\"$(uname -r)\"} 1$" "$m"
check "programs attached as in status" test \
	"$(awk '$1 == "latscope_programs_attached" { print $2 }' "$m")" = "$(req '{"method":"status"}' | jq .result.programs_attached)"
rss=$(awk '$1 == "latscope_daemon_resident_memory_bytes" { printf "%d", $2 }' "$m")
check "daemon RSS $rss bytes matches /proc (within 8 MiB)" test \
	$(( rss / 1024 - $(awk '/VmRSS/ { print $2 }' /proc/$DAEMON_PID/status) )) -lt 8192 -a "$rss" -gt 0

# --- the same data through `hist`: bounded by snapshots before and after ---
# For class softirq on each CPU: h1 <= metrics <= h2 for _count and _sum;
# for each le=b: the count of h1's buckets wholly <= b is a lower bound, the
# count of h2's buckets starting <= b an upper bound.
for cpu in $(seq 0 $(($(nproc) - 1))); do
	q="{\"method\":\"hist\",\"class\":\"softirq\",\"cpu\":$cpu}"
	h1=$(req "$q" | jq -c .result)
	"$BUILD/latscope" --socket "$SOCK" metrics >"$m.$cpu"
	h2=$(req "$q" | jq -c .result)
	grep "^latscope_latency_seconds_[a-z]*{class=\"softirq\",cpu=\"$cpu\"" "$m.$cpu" >"$m.sel"
	bad=$(awk -v h1="$h1" -v h2="$h2" '
		function buckets(js, lo, hi, cnt,   n, i, parts, a) {
			n = split(js, parts, /\{"lo_ns": ?/)
			for (i = 2; i <= n; i++) {
				split(parts[i], a, /[,:} ]+/)
				lo[i - 1] = a[1]; hi[i - 1] = a[3]; cnt[i - 1] = a[5]
			}
			return n - 1
		}
		function field(js, k,   m) { match(js, "\"" k "\": ?[0-9]+"); m = substr(js, RSTART, RLENGTH); sub(/.*: ?/, "", m); return m + 0 }
		BEGIN { n1 = buckets(h1, lo1, hi1, c1); n2 = buckets(h2, lo2, hi2, c2) }
		/_bucket/ {
			match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			v = $NF + 0
			if (le == "+Inf") { if (v < field(h1, "count") || v > field(h2, "count")) print "+Inf " v; next }
			b = le * 1e9 + 0.5; b = int(b); low = 0; up = 0
			for (i = 1; i <= n1; i++) if (hi1[i] - 1 <= b) low += c1[i]
			for (i = 1; i <= n2; i++) if (lo2[i] <= b) up += c2[i]
			if (v < low || v > up) print "le=" le ": " v " not in [" low ", " up "]"
			checked++
		}
		/_sum/ { split($NF, p, "."); ns = p[1] * 1000000000 + p[2]
			if (ns < field(h1, "sum_ns") || ns > field(h2, "sum_ns")) print "sum " $NF }
		/_count/ { if ($NF < field(h1, "count") || $NF > field(h2, "count")) print "count " $NF }
		END { if (checked != 25) print "checked " checked " bounds" }' "$m.sel")
	check "CPU $cpu softirq: metrics agree with hist (count $(jq .count <<<"$h1")..$(jq .count <<<"$h2"), 25 bounds)${bad:+: $bad}" test -z "$bad"
done

s1=$(req '{"method":"status"}' | jq -c .result.by_class)
"$BUILD/latscope" --socket "$SOCK" metrics >"$m"
s2=$(req '{"method":"status"}' | jq -c .result.by_class)
for fam in events:events records:records drops:dropped_records unpaired:unpaired_events; do
	k=${fam%%:*} name=latscope_${fam#*:}_total
	bad=$(jq -n -r --argjson a "$s1" --argjson b "$s2" --arg k "$k" --rawfile m "$m" --arg name "$name" '
		[$m | split("\n")[] | select(startswith($name + "{")) |
		 capture("class=\"(?<c>[^\"]+)\"} (?<v>[0-9]+)")] as $got |
		$got[] | . as $g |
		($a[] | select(.class == $g.c) | .[$k]) as $lo |
		($b[] | select(.class == $g.c) | .[$k]) as $hi |
		select(($g.v | tonumber) < $lo or ($g.v | tonumber) > $hi) | "\($g.c)=\($g.v) not in [\($lo),\($hi)]"')
	n=$(grep -c "^$name{" "$m")
	check "$name: $n classes, each between two status snapshots${bad:+: $bad}" test -z "$bad" -a "$n" -gt 0
done

# --- the textfile ----------------------------------------------------------
check "textfile written at start" test -s "$TF"
promtool check metrics <"$TF" >"$LS_TMP/lint" 2>&1
check "promtool check metrics on the textfile: no problems" test $? -eq 0 -a ! -s "$LS_TMP/lint"
check "textfile mode 0644 (node_exporter runs as another user)" test "$(stat -c %a "$TF")" = 644
t0=$(stat -c %Y.%N "$TF" | cut -d. -f1) ino0=$(stat -c %i "$TF")
# Read it back-to-back for 3 s while it is replaced every second: every read
# must be a whole exposition (ends with the last family's sample line).
reads=0 torn=0 end=$((SECONDS + 3))
while [ $SECONDS -lt $end ]; do
	tail -n 1 "$TF" | grep -q '^latscope_textfile_write_errors_total [0-9]*$' || torn=$((torn + 1))
	reads=$((reads + 1))
done
check "textfile never seen partial over $reads reads while being rewritten ($torn torn)" test "$torn" -eq 0 -a "$reads" -gt 10
check "textfile replaced by rename (inode $ino0 -> $(stat -c %i "$TF"))" test "$(stat -c %i "$TF")" != "$ino0"
check "no temporary file left next to it" test -z "$(ls "$LS_TMP/textfile" | grep -v '^latscope.prom$')"
errs=$(awk '$1 == "latscope_textfile_write_errors_total" { print $2 }' "$TF")
check "no textfile write errors" test "$errs" = 0
# one write at start, then one per 1 s tick: >= 3 by now, but the tick runs
# late on a loaded machine, so give it a few more seconds before judging
for i in $(seq 1 50); do
	me=$(req '{"method":"status"}' | jq -c .result.metrics_export)
	[ "$(jq -r .writes <<<"$me")" -ge 3 ] 2>/dev/null && break
	sleep 0.1
done
check "status shows the export: $me" jq_true -n --argjson m "$me" --arg tf "$TF" \
	'$m.textfile == $tf and $m.interval_s == 1 and $m.writes >= 3 and $m.write_errors == 0'
check "latscope status prints it" grep -q "^metrics     $TF every 1s: [0-9]* writes, 0 errors" \
	<<<"$("$BUILD/latscope" --socket "$SOCK" status)"
stop_daemon; check "latscoped exits 0" test $? -eq 0
check "textfile removed at a clean exit" test ! -e "$TF"

# a textfile directory that does not exist is a start-up error
"$BUILD/latscoped" -f --socket "$SOCK" --metrics-textfile "$LS_TMP/nodir/latscope.prom" 2>"$LS_TMP/err"
check "unwritable textfile: latscoped refuses to start (exit $?)" grep -q "exiting: --metrics-textfile cannot be written" "$LS_TMP/err"
summary
