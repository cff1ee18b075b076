#!/usr/bin/env bash
# run_unit.sh TEST-BINARY — run a cmocka unit test for ctest (unit/NAME) and
# map its skips to ctest's skip code: cmocka exits 0 when tests were only
# skipped (skip(): a facility of the machine missing), which would count as
# a pass.  Exit status: the binary's on a failure; else 77 when any test was
# skipped (SKIP_RETURN_CODE), or 1 under CI=true, where a skip is a failure;
# else 0.  Prints the count and names of the skipped tests.
set -uo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 TEST-BINARY" >&2; exit 2; }
name=unit/$(basename "$1")
out=$(mktemp "${TMPDIR:-/tmp}/ovlrun-unit.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
# cmocka prints each skipped test as "[  SKIPPED ] NAME" on stdout; its
# summary ("[  SKIPPED ] N test(s), listed below:") goes to stderr.
"$1" > "$out"
st=$?
cat "$out"
[[ $st -eq 0 ]] || exit "$st"
mapfile -t skipped < <(sed -n 's/^\[  SKIPPED \] //p' "$out")
[[ ${#skipped[@]} -gt 0 ]] || exit 0
if [[ ${CI:-} == true ]]; then
	echo "FAIL: $name: ${#skipped[@]} test(s) skipped under CI=true, where a skip is a failure: ${skipped[*]}" >&2
	exit 1
fi
echo "SKIP: $name: ${#skipped[@]} test(s) skipped: ${skipped[*]}" >&2
exit 77
