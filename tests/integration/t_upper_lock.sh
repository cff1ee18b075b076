#!/usr/bin/env bash
# One ovlrun per upper: a second one on the same upper is refused (125);
# the lock is released when the first one exits.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
U=$T/u

"$OVLRUN" --lower="$L" --upper="$U" -- /bin/sh -c 'touch /tmp/started; sleep 8; echo first-done' \
	< /dev/null > "$T/first.out" 2> "$T/first.err" &
first=$!
for _ in $(seq 200); do [[ -e $U/tmp/started ]] && break; sleep 0.05; done
[[ -e $U/tmp/started ]] || fail "first ovlrun did not start"

run_ovl --lower="$L" --upper="$U" -- /bin/sh -c 'echo second-ran; touch /tmp/second'
assert_status 125
assert_stdout ""
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines of the refused ovlrun"
shopt -s nocasematch
[[ $ERR == *upper* || $ERR == *"$U"* ]] || fail "refusal does not name the upper: $ERR"
shopt -u nocasematch
assert_missing "$U/tmp/second"

# Also with a different lower, and with a relative path to the same upper.
run_ovl --lower="$L" --upper="$(realpath --relative-to=. "$U")" -- /bin/true
assert_status 125

st=0; wait "$first" || st=$?
assert_eq 0 "$st" "status of the first ovlrun"
assert_eq "first-done" "$(cat "$T/first.out")" "stdout of the first ovlrun"

# Released: a third run works and sees the first one's changes.
run_ovl --lower="$L" --upper="$U" -- /bin/sh -c 'ls /tmp'
assert_status 0
assert_stdout "started"
finish
