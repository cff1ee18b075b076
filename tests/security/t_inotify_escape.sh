#!/usr/bin/env bash
# inotify watches cannot reach host objects: paths that climb out of the
# sandbox's root through /proc magic links (/proc/1/root/.., /proc/1/cwd,
# /proc/self/fd/N) or that the supervisor would resolve in its own view
# (/dev/stdin) are refused (/proc/self/root is the overlay's root, where
# the host path does not exist), and no event of a host directory reaches the
# sandbox.  The probe shows that watches work: the same program hears of a
# file created in the overlay and in the sandbox's /dev/shm.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data"
snapshot_lower "$L"
mkdir -p "$T/hostdir"
host=${T#/}/hostdir
up=$(printf '../%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
# a file appears in the host dir while the watches are up
( sleep 0.5; touch "$T/hostdir/host-file" ) &
STATUS=0
OUT=$(timeout 60 "$OVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c "
	ovlprobe inotify -e create /proc/1/root/$up$host /proc/1/cwd/$up$host /proc/self/root/$up$host \
		/dev/stdin /proc/self/fd/0 /dev/fd/0 /data /dev/shm -- \
		sh -c 'sleep 1; touch /data/inside /dev/shm/inside'" < /dev/null 2>&1) || STATUS=$?
wait
assert_status 0
assert_stdout "add_watch /proc/1/root/$up$host: Permission denied
add_watch /proc/1/cwd/$up$host: Permission denied
add_watch /proc/self/root/$up$host: No such file or directory
add_watch /dev/stdin: No such file or directory
add_watch /proc/self/fd/0: No such file or directory
add_watch /dev/fd/0: No such file or directory
/data CREATE inside
/dev/shm CREATE inside"
[[ $OUT != *host-file* ]] || fail "an event of the host directory reached the sandbox"
[[ -e $T/hostdir/host-file ]] || fail "the host file was not made (the test did not run)"
finish
