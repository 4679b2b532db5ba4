#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Short libFuzzer run of the ftrace text parser (tests/fuzz/fuzz_ftrace_text.c,
# built with ASan+UBSan into BUILD/tests/fuzz_ftrace_text whatever SAN is):
# replays the seed corpus and the real traces of tests/unit/data one by one,
# then fuzzes from the corpus for FUZZ_SECONDS (default 20). Fails on any
# crash, sanitizer report, timeout or invariant violation. New corpus
# entries go to a temporary directory, never into the tree; crashing inputs
# are kept in BUILD/fuzz_ftrace_text-artifacts.
#
# usage: tests/integ/test_fuzz_ftrace_text.sh [BUILD_DIR]   (default build)

cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
# another target over the same inputs (test_fuzz_offline_pair.sh)
TARGET=${FUZZ_TARGET:-fuzz_ftrace_text}
FUZZ=$BUILD/tests/$TARGET
SECONDS_BUDGET=${FUZZ_SECONDS:-20}
PASS=0 FAIL=0
ok()     { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
summary() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

tmp=$(mktemp -d /tmp/latscope-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$FUZZ" ]; then
	not_ok "$FUZZ is missing (make $FUZZ)"
	summary
	exit 1
fi

# libFuzzer's default exit code for a crash is 77, which tests/run.sh reads
# as "skipped": make every failure exit 1.
opts=(-error_exitcode=1 -timeout_exitcode=1 -timeout=10 -rss_limit_mb=1024)

# replay NAME FILE...: runs each input once.
replay() {
	local name=$1; shift
	if "$FUZZ" "${opts[@]}" "$@" >"$tmp/$name.log" 2>&1; then
		ok "$name: $# inputs replay cleanly"
	else
		not_ok "$name: an input fails"; tail -n 40 "$tmp/$name.log"
	fi
}

corpus=(tests/fuzz/corpus/*)
[ -e "${corpus[0]}" ] || { not_ok "no seed corpus in tests/fuzz/corpus"; summary; exit 1; }
replay corpus "${corpus[@]}"
replay traces tests/unit/data/ftrace_*.txt

mkdir -p "$tmp/corpus" "$tmp/artifacts"
if "$FUZZ" "${opts[@]}" -max_total_time="$SECONDS_BUDGET" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$tmp/artifacts/" "$tmp/corpus" tests/fuzz/corpus >"$tmp/fuzz.log" 2>&1; then
	ok "fuzzing for ${SECONDS_BUDGET}s found no crash"
else
	not_ok "fuzzing found a crash:"; tail -n 60 "$tmp/fuzz.log"
	keep=$BUILD/$TARGET-artifacts
	mkdir -p "$keep" && cp "$tmp"/artifacts/* "$keep"/ 2>/dev/null &&
		echo "crashing inputs kept in $keep (replay: $FUZZ FILE)"
fi

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log")
if [ "${runs:-0}" -ge 1000 ]; then
	ok "fuzzer executed $runs inputs"
else
	not_ok "fuzzer executed only ${runs:-0} inputs"
fi

summary
