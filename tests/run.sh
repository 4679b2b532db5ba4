#!/usr/bin/env bash
# Runs the whole suite: every unit test binary and every integration script,
# once per build directory given (normally build/ then build-san/ with
# ASan+UBSan). Each program or script counts as one test; exit code 77 is a
# skip, which LATSCOPE_REQUIRE_BPF=1 turns into a failure.
#   tests/run.sh [--unit-only] BUILD [BUILD...]
set -u
cd "$(dirname "$0")/.."
unit_only=0
[ "${1:-}" = "--unit-only" ] && { unit_only=1; shift; }
[ $# -ge 1 ] || { echo "usage: tests/run.sh [--unit-only] BUILD [BUILD...]" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0 failed=0 skipped=0 failures=()

run_one() { # name, command...
	local name=$1; shift
	local log; log=$(mktemp)
	local t0=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	if [ $rc -eq 77 ] && [ "${LATSCOPE_REQUIRE_BPF:-0}" != 1 ]; then
		skipped=$((skipped + 1)); echo "SKIP $name"
	elif [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "PASS $name ($((SECONDS - t0))s)"
	else
		failed=$((failed + 1)); failures+=("$name")
		echo "FAIL $name (exit $rc, $((SECONDS - t0))s); failed checks, then the output's end:"
		grep -E '^not ok|MISMATCH|FAIL|ERROR|Sanitizer|runtime error' "$log" | head -n 40 | sed 's/^/  ! /'
		sed 's/^/    /' "$log" | tail -n 40
	fi
	[ -n "${LATSCOPE_VERBOSE:-}" ] && sed 's/^/    /' "$log"
	rm -f "$log"
}

for build in "$@"; do
	[ -x "$build/latscoped" ] || { echo "no $build/latscoped: build first" >&2; exit 2; }
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] && run_one "$build: unit $(basename "$t")" "$t"
	done
	[ $unit_only = 1 ] && continue
	for t in tests/integ/test_*.sh; do
		run_one "$build: integ $(basename "$t" .sh)" bash "$t" "$build"
	done
done

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
line="$passed passed, $failed failed"
[ $skipped -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ $failed -eq 0 ]
