#!/usr/bin/env bash
# One ovlrun per upper: a second one on the same upper is refused (125)
# without touching the first one's work dir; the lock is released when the
# first one exits.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
U=$T/u

# The first run says it runs through a FIFO, then waits for a line on its
# stdin, which the test holds open.
ovl_background first --lower="$L" --upper="$U" -- /bin/sh -c 'touch /tmp/started; echo started; read go; echo first-done'
first=$BG_PID
assert_eq "started" "$SAID" "the first run's command"
# (kovlrun names its work dir differently)
work=$(find "$T" -maxdepth 1 -name '.u.*' -type d)
[[ -n $work ]] || fail "no work dir next to the upper"
[[ -z $work ]] || touch "$work/first-run-file"

run_ovl --lower="$L" --upper="$U" -- /bin/sh -c 'echo second-ran; touch /tmp/second'
assert_status 125
assert_stdout ""
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines of the refused ovlrun"
shopt -s nocasematch
[[ $ERR == *upper* || $ERR == *"$U"* ]] || fail "refusal does not name the upper: $ERR"
shopt -u nocasematch
assert_missing "$U/tmp/second"
[[ -z $work ]] || assert_exists "$work/first-run-file"

# Also with a different lower, and with a relative path to the same upper.
run_ovl --lower="$L" --upper="$(realpath --relative-to=. "$U")" -- /bin/true
assert_status 125
# ovlrun diff / export / commit read an upper no run is changing
if [[ $OVLRUN != "$KOVLRUN" ]]; then
	run_ovl diff "$U" --lower="$L"
	assert_status 1
	assert_stderr_contains "in use by a running ovlrun"
fi

echo go >&8
read -r -t "$OVLRUN_TIMEOUT" said <&9 || said="(nothing)"
st=0; wait "$first" || st=$?
exec 8>&- 9<&-
assert_eq 0 "$st" "status of the first ovlrun"
assert_eq "first-done" "$said" "stdout of the first ovlrun"
assert_eq "u" "$(ls -A "$T" | grep -v '^\.run$\|^\.snap$\|^lower\.\|^first\.\(said\|hold\|err\)$')" \
	"left next to the upper by the first run"

# Released: a third run works and sees the first one's changes.
run_ovl --lower="$L" --upper="$U" -- /bin/sh -c 'ls /tmp'
assert_status 0
assert_stdout "started"
finish
