#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Short libFuzzer run of the offline pairing engine behind latscope analyze
# (tests/fuzz/fuzz_offline_pair.c): the same seed corpus, real traces and
# time budget as test_fuzz_ftrace_text.sh, which it runs with this target.
#
# usage: tests/integ/test_fuzz_offline_pair.sh [BUILD_DIR]   (default build)
FUZZ_TARGET=fuzz_offline_pair exec bash "$(dirname "$0")/test_fuzz_ftrace_text.sh" "$@"
