#!/usr/bin/env bash
# test.sh — install the dependencies, build, and run every test twice:
#   1. build/       (RelWithDebInfo)                 ctest --output-on-failure
#   2. build-asan/  (-DOVLRUN_SANITIZE=ON: ASan+UBSan) ctest --output-on-failure
# Each pass also runs the rootless tests (ctest rootless/...: the shell
# tests and scenarios again as a user without privileges, see
# tests/tools/rootless_test).  Exits non-zero if any test fails or if a run
# executes no test.  Ends with the counts per kind (unit, integration,
# security, diff identical/different, rootless).
# Environment: JOBS (default: nproc), SKIP_ASAN=1 (only the first pass),
# BUILD_DIR (default build; the sanitizer build goes to $BUILD_DIR-asan),
# SKIP_DEPS=1 (do not call install-deps.sh).  CI runs it as root with CI=true:
# then a skipped test is a failure (the tests themselves fail instead of
# skipping, see tests/lib.sh skip() and tests/unit/run_unit.sh; any skip
# ctest still reports makes this script fail too).
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo > /dev/null; then exec sudo -E bash "$0" "$@"; fi
	echo "test.sh: the tests need root" >&2
	exit 1
fi
jobs=${JOBS:-$(nproc)}
[[ ${SKIP_DEPS:-} == 1 ]] || bash scripts/install-deps.sh

# Build the test images once, up front (the tests would build them on
# demand, but a differential scenario's ctest time limit is shorter than a
# first debootstrap).  Without a network the Debian tests say why themselves.
bash -c 'source tests/lib.sh; image_dir' > /dev/null
bash -c 'source tests/lib.sh; debian_image' > /dev/null ||
	echo "test.sh: the Debian image could not be built (the tests that use it will say so)" >&2

summary=()
failed=0
total_tests=0
total_failed=0
total_skipped=0

run_pass() { # NAME BUILD-DIR CMAKE-ARGS...
	local name=$1 dir=$2; shift 2
	echo "=== $name: configure and build ($dir)"
	mkdir -p "$dir"
	if ! cmake -S "$src" -B "$dir" "$@" > "$dir/configure.log" 2>&1; then
		cat "$dir/configure.log"; return 1
	fi
	if ! cmake --build "$dir" -j "$jobs" > "$dir/build.log" 2>&1; then
		tail -n 60 "$dir/build.log"; return 1
	fi
	echo "=== $name: ctest"
	local st=0
	if ! (cd "$dir" && ctest --output-on-failure --no-tests=error -j "$jobs" --timeout 900) 2>&1 | tee "$dir/ctest.out"; then
		st=1
	fi
	# Counts per kind from ctest's own result lines.
	local log=$dir/ctest.out kind counts="" total_pass=0
	for kind in unit integration security diff rootless; do
		local p f s
		p=$(grep -cE "Test +#[0-9]+: $kind/.* Passed" "$log" || true)
		f=$(grep -E "Test +#[0-9]+: $kind/" "$log" | grep -cvE ' Passed |Not Run|\*Skipped ' || true)
		s=$(grep -E "Test +#[0-9]+: $kind/" "$log" | grep -cE 'Skipped|Not Run' || true)
		total_pass=$((total_pass + p))
		if [[ $kind == diff ]]; then
			local doc
			# (the root pass's scenarios: the rootless pass's say rootless/diff/)
			doc=$(grep -cE '^DIFFERENT \(documented.*: diff/[^ ]+$' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null || true)
			doc=${doc:-0}
			counts+="diff: $((p - doc)) identical, $((f + doc)) different ($doc documented in README), $s skipped; "
		else
			counts+="$kind: $p passed, $f failed, $s skipped; "
		fi
	done
	summary+=("$name: $counts")
	# ctest's own closing line: "N% tests passed, F tests failed out of T"
	local line t f
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
	t=$(sed -nE 's/.* out of ([0-9]+).*/\1/p' <<< "$line")
	f=$(sed -nE 's/.* ([0-9]+) tests? failed .*/\1/p' <<< "$line")
	total_tests=$((total_tests + ${t:-0}))
	# (counted among "tests passed" by ctest; "Not Run" is counted failed)
	total_skipped=$((total_skipped + $(grep -cE 'Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)))
	total_failed=$((total_failed + ${f:-0}))
	if [[ $total_pass -eq 0 ]]; then
		echo "test.sh: $name executed no test" >&2
		st=1
	fi
	return "$st"
}

build=${BUILD_DIR:-build}
run_pass "tests" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo || { failed=1; summary+=("tests ($build): FAILED (see above)"); }
if [[ ${SKIP_ASAN:-} != 1 ]]; then
	# Leaks are checked too.  LeakSanitizer needs ptrace, which the seccomp
	# filter refuses: an instrumented process that exits inside the sandbox
	# reports "LeakSanitizer has encountered a fatal error" (and fails).
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	run_pass "tests under ASan+UBSan" "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DOVLRUN_SANITIZE=ON || { failed=1; summary+=("ASan+UBSan ($build-asan): FAILED (see above)"); }
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
# ctest counts a skipped test as passed: it is not.  Under CI=true a skip
# is a failure.
passed=$((total_tests - total_failed - total_skipped))
if [[ ${CI:-} == true && $total_skipped -ne 0 ]]; then
	echo "test.sh: $total_skipped test(s) skipped under CI=true, where a skip is a failure"
	total_failed=$((total_failed + total_skipped))
	failed=1
fi
if [[ $failed -ne 0 ]]; then
	echo "test.sh: FAILED"
fi
# The closing line CI reads: both passes together.
echo "tests: $passed passed, $total_failed failed"
[[ $failed -eq 0 ]] || exit 1
