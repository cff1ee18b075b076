#!/usr/bin/env bash
# run_all.sh [-j N] [run_scenario.sh options] — run every differential scenario
# and print "N identical, M different" (plus skipped / documented).
# Exit status 1 if any scenario is different (undocumented, or documented but
# with ovlrun's report no longer as pinned in expected/), errored, or if a pin
# in expected/ has no scenario.  run_all.sh -u rewrites every pin.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jobs=1
if [[ ${1:-} == -j ]]; then jobs=$2; shift 2; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ovlrun-runall.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run_one() {
	local s=$1 name st=0
	name=$(basename "${s%.sh}")
	bash "$here/run_scenario.sh" "${@:2}" "$s" > "$tmp/$name.out" 2>&1 || st=$?
	echo "$st" > "$tmp/$name.rc"
}
export -f run_one
export here tmp

scenarios=("$here"/scenarios/*.sh)
[[ -e ${scenarios[0]} ]] || { echo "no scenarios found" >&2; exit 1; }
orphans=0
for pin in "$here"/expected/*.ovlrun; do
	[[ ! -e $pin || -e $here/scenarios/$(basename "${pin%.ovlrun}").sh ]] && continue
	echo "ERROR     expected/$(basename "$pin"): a pin without a scenario"
	orphans=$((orphans + 1))
done
printf '%s\0' "${scenarios[@]}" | xargs -0 -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$@"

identical=0 different=0 documented=0 skipped=0 errors=0
for s in "${scenarios[@]}"; do
	name=$(basename "${s%.sh}")
	rc=$(cat "$tmp/$name.rc")
	if [[ $rc -eq 0 ]] && grep -q '^DIFFERENT (documented' "$tmp/$name.out"; then
		documented=$((documented + 1)); echo "DOCUMENTED DIFFERENCE $name"
		different=$((different + 1))
	elif [[ $rc -eq 0 ]]; then
		identical=$((identical + 1))
	elif [[ $rc -eq 77 ]]; then
		skipped=$((skipped + 1)); echo "SKIPPED   $name: $(tail -n1 "$tmp/$name.out")"
	elif grep -q '^DIFFERENT' "$tmp/$name.out"; then
		different=$((different + 1)); echo "DIFFERENT $name"
		sed 's/^/    /' "$tmp/$name.out"
	else
		errors=$((errors + 1)); echo "ERROR     $name (exit $rc)"
		sed 's/^/    /' "$tmp/$name.out"
	fi
done
echo "$identical identical, $different different ($documented documented), $skipped skipped, $errors errors"
[[ $((different - documented)) -eq 0 && $errors -eq 0 && $orphans -eq 0 && $identical -gt 0 ]]
