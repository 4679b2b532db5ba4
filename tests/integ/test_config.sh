#!/usr/bin/env bash
# latscoped's configuration files without running the tracer:
# `latscoped --check-config` validates and prints the effective
# configuration, which is what these checks compare. Covers the shipped
# default file (parses to exactly the built-in defaults and names every
# key), error messages (file, line, key, what is expected), drop-in order,
# flags over files, and alert rule validation.
set -u
. "$(dirname "$0")/lib.sh"
D=$BUILD/latscoped
CONF=config/latscope.conf
T=$LS_TMP

# effective value of section.key after loading with the given args
val() { # section key args...
	local s=$1 k=$2; shift 2
	"$D" --check-config "$@" | awk -v s="[$s]" -v k="$k" '
		/^\[/ { cur = $0; next } cur == s && $1 == k { sub(/^[^=]*= ?/, ""); print; exit }'
}
# expect_error DESC PATTERN args...: exit 1 and stderr matches PATTERN
expect_error() {
	local d=$1 pat=$2 out rc; shift 2
	out=$("$D" --check-config "$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 1 ] && grep -qE -- "$pat" <<<"$out"; then ok "$d: $out"
	else not_ok "$d: rc=$rc, stderr: $out (wanted /$pat/)"; fi
}
conf() { cat >"$T/$1"; }

# --- the shipped default file -------------------------------------------
quiet() { "$@" >/dev/null; }
check "--check-config accepts the default file (exit 0)" quiet "$D" --check-config --config "$CONF"
check "the default file sets exactly the built-in defaults" \
	diff <("$D" --check-config --config "$CONF" | tail -n +2) <("$D" --check-config --config /dev/null | tail -n +2)
missing=$("$D" --check-config --config /dev/null | awk '
	/^\[/ { sec = $0; next } /=/ { print sec, $1 }' | while read -r sec key; do
	awk -v s="$sec" -v k="$key" '/^\[/ { cur = $0 } cur == s && $1 == k && $2 == "=" { f = 1 } END { exit !f }' "$CONF" ||
		echo "$sec $key"
done)
check "every key of the schema is set in the default file${missing:+ (missing: $missing)}" test -z "$missing"
sed -E 's/^#(\[alert |[a-z_]+ = )/\1/' "$CONF" >"$T/example.conf"
check "the default file's commented alert example parses once uncommented" \
	quiet "$D" --check-config --config "$T/example.conf"
rule_keys=$("$D" --check-config --config "$T/example.conf" | awk '/^\[alert / { f = 1; next } f && /=/ { print $1 }' | sort | tr '\n' ' ')
check "the example names every alert key ($rule_keys)" \
	test "$rule_keys" = "clear consecutive cooldown cpus hook kind period statistic threshold "

# --- errors: file, line, key, expectation ---------------------------------
printf '[daemon]\nlog_level = info\n[tracing]\nring_kb = 3\n' | conf bad1.conf
expect_error "bad value" "^latscoped: $T/bad1.conf:4: \[tracing\] ring_kb = 3: expected a power of two 4\.\.1048576$" --config "$T/bad1.conf"
printf '[tracing]\n\n# c\nring_kbb = 4\n' | conf bad2.conf
expect_error "unknown key" "$T/bad2.conf:4: \[tracing\] ring_kbb: unknown key \(\[tracing\] has: ring_kb cpus_per_ring" --config "$T/bad2.conf"
printf '[traceing]\n' | conf bad3.conf
expect_error "unknown section" "$T/bad3.conf:1: unknown section \[traceing\]" --config "$T/bad3.conf"
printf 'drain_ms = 5\n' | conf bad4.conf
expect_error "key before any section" "$T/bad4.conf:1: key 'drain_ms' before any \[section\]" --config "$T/bad4.conf"
printf '[tracing]\ndrain_ms 5\n' | conf bad5.conf
expect_error "line without =" "$T/bad5.conf:2: expected 'key = value'" --config "$T/bad5.conf"
printf '[daemon\n' | conf bad6.conf
expect_error "unclosed header" "$T/bad6.conf:1: section header without closing" --config "$T/bad6.conf"
printf '[daemon]\nsocket = relative/path\n' | conf bad7.conf
expect_error "relative socket path" "$T/bad7.conf:2: \[daemon\] socket = relative/path: expected an absolute path" --config "$T/bad7.conf"
printf '[daemon]\nsocket_group = no_such_group_zz\n' | conf bad8.conf
expect_error "unknown group" "$T/bad8.conf:2: \[daemon\] socket_group = no_such_group_zz: expected a group that exists" --config "$T/bad8.conf"
printf '[tracing]\ncpus = 3-1\n' | conf bad9.conf
expect_error "bad CPU list" "$T/bad9.conf:2: \[tracing\] cpus = 3-1: expected a CPU list like 0-3,8" --config "$T/bad9.conf"
printf '[tracing]\nfamilies = hardirq bogus\n' | conf bad10.conf
expect_error "unknown family" "$T/bad10.conf:2: \[tracing\] families = hardirq bogus: expected 'all' or a list of families" --config "$T/bad10.conf"
printf '[windows]\nperiods = 1s 10s\n' | conf bad11.conf
expect_error "rolling periods are fixed (1 s, 10 s, 60 s): no such key" "$T/bad11.conf:2: \[windows\] periods" --config "$T/bad11.conf"
printf '[alerts]\nhook_timeout = 10\n' | conf bad12.conf
expect_error "duration without unit" "$T/bad12.conf:2: \[alerts\] hook_timeout = 10: expected a duration with a unit" --config "$T/bad12.conf"
printf '[alert]\nkind = irqoff\n' | conf bad13.conf
expect_error "[alert] without a name" "$T/bad13.conf:1: \[alert\] needs a rule name" --config "$T/bad13.conf"
printf '[alert a]\nthreshold = 1ms\n' | conf bad14.conf
expect_error "rule without kind (points at its header)" "$T/bad14.conf:1: \[alert a\]: no kind" --config "$T/bad14.conf"
printf '[alert a]\nkind = softirq\n\nthreshold = 100\n' | conf bad15.conf
expect_error "duration kind with a bare number" "$T/bad15.conf:4: \[alert a\] threshold: kind softirq expects a duration" --config "$T/bad15.conf"
printf '[alert a]\nkind = drops\nthreshold = 1ms\n' | conf bad16.conf
expect_error "drops with a duration" "$T/bad16.conf:3: \[alert a\] threshold: kind drops expects a count" --config "$T/bad16.conf"
printf '[alert a]\nkind = softirq\nthreshold = 1ms\nclear = 2ms\n' | conf bad17.conf
expect_error "clear above threshold" "$T/bad17.conf:4: \[alert a\] clear: must not be above threshold" --config "$T/bad17.conf"
printf '[alert a]\nkind = timer\nthreshold = 1ms\nstatistic = p100\n' | conf bad18.conf
expect_error "percentile out of range" "$T/bad18.conf:4: \[alert a\] statistic = p100: expected max or a percentile" --config "$T/bad18.conf"
printf '[alert a]\nkind = timer\nthreshold = 1ms\nperiod = 1500ms\n' | conf bad19.conf
expect_error "period not whole seconds" "$T/bad19.conf:4: \[alert a\] period = 1500ms: expected a whole number of seconds" --config "$T/bad19.conf"
printf '[alert a]\nkind = nope\n' | conf bad20.conf
expect_error "unknown alert kind lists the kinds" "$T/bad20.conf:2: \[alert a\] kind = nope: expected one of: irqoff preemptoff timer ipi wakeup kvm_exit hardirq softirq vector drops" --config "$T/bad20.conf"
printf '[alert a]\nkind = timer\nthreshold = 1ms\nthreshhold = 2ms\n' | conf bad21.conf
expect_error "unknown alert key" "$T/bad21.conf:4: \[alert a\] threshhold: unknown key" --config "$T/bad21.conf"
printf '[alert a]\nkind = drops\nthreshold = 1\nstatistic = p99\n' | conf bad22.conf
expect_error "percentile on a count kind" "$T/bad22.conf:4: \[alert a\] statistic: kind drops counts per period" --config "$T/bad22.conf"
{ printf '[daemon]\nlog_level = '; head -c 5000 /dev/zero | tr '\0' x; printf '\n'; } | conf bad23.conf
expect_error "overlong line" "$T/bad23.conf:2: line longer than 4096 bytes" --config "$T/bad23.conf"
printf '[daemon]\nlog_level = info\0\n' | conf bad24.conf
expect_error "binary file" "$T/bad24.conf:2: NUL byte" --config "$T/bad24.conf"
expect_error "--config FILE that does not exist" "$T/absent.conf: No such file or directory" --config "$T/absent.conf"
out=$("$D" --check-config --ring-kb 3 2>&1); rc=$?
check "bad flag value: usage error 2 with the flag named ($out)" \
	test $rc -eq 2 -a "$out" = "latscoped: invalid --ring-kb '3': expected a power of two 4..1048576"
out=$("$D" --check-config --config "$T/bad15.conf" --drain-ms 5 2>&1); rc=$?
check "an error in a file is reported even when flags are given" test $rc -eq 1

# --- precedence: main file < drop-ins in lexical order < flags -----------
mkdir -p "$T/p.conf.d"
printf '[tracing]\ndrain_ms = 20\ncpus = 0-1\n[alert r]\nkind = timer\nthreshold = 1ms\ncpus = 0\n' >"$T/p.conf"
printf '[tracing]\ndrain_ms = 30\n' >"$T/p.conf.d/10-a.conf"
printf '[tracing]\ndrain_ms = 40\n[alert r]\nthreshold = 2ms\n' >"$T/p.conf.d/20-b.conf"
printf '[tracing]\ndrain_ms = 99\n' >"$T/p.conf.d/30-ignored.conf.disabled"
printf '[tracing]\ndrain_ms = 98\n' >"$T/p.conf.d/.99-hidden.conf"
check "main file alone: its value" test "$(val tracing cpus --config "$T/p.conf")" = "0-1"
check "drop-ins: the lexically last .conf wins (40)" test "$(val tracing drain_ms --config "$T/p.conf")" = 40
check "drop-in overrides one key of a rule defined in the main file" \
	test "$(val 'alert r' threshold --config "$T/p.conf")/$(val 'alert r' cpus --config "$T/p.conf")" = "2ms/0"
check "flag wins over every file (--drain-ms 7)" test "$(val tracing drain_ms --config "$T/p.conf" --drain-ms 7)" = 7
check "short flag -s wins over the file" test "$(val daemon socket --config "$T/p.conf" -s /tmp/x.sock)" = /tmp/x.sock
files=$("$D" --check-config --config "$T/p.conf" | head -1)
check "only *.conf drop-ins are read, in order ($files)" \
	test "$files" = "# effective configuration; read from: $T/p.conf $T/p.conf.d/10-a.conf $T/p.conf.d/20-b.conf"
printf '[tracing]\ndrain_ms = 20\n[tracing]\ndrain_ms = 25\n' >"$T/rep.conf"
check "a key set twice in one file: the later line wins" test "$(val tracing drain_ms --config "$T/rep.conf")" = 25
printf '[tracing]\nring_kb = 3\n' >"$T/p.conf.d/40-bad.conf"
expect_error "an error in a drop-in names the drop-in" "$T/p.conf.d/40-bad.conf:2: \[tracing\] ring_kb = 3" --config "$T/p.conf"
rm "$T/p.conf.d/40-bad.conf"
printf '\xef\xbb\xbf[tracing]\r\ndrain_ms = 12\r\n' >"$T/bom.conf"
check "UTF-8 BOM and CRLF line ends are accepted" test "$(val tracing drain_ms --config "$T/bom.conf")" = 12
check "families flag reaches the config" test "$(val tracing families --families hardirq,softirq --config /dev/null)" = "hardirq softirq"
check "durations print canonically (1500us -> 1500us, 2000ms -> 2s)" test \
	"$(printf '[alert x]\nkind = vector\nthreshold = 2000ms\nclear = 1500us\n' >"$T/d.conf"; val 'alert x' threshold --config "$T/d.conf")/$(val 'alert x' clear --config "$T/d.conf")" = "2s/1500us"
summary
