#!/usr/bin/env bash
# /proc (own pid namespace), /dev (null zero full random urandom tty ptmx pts
# shm) and /sys are visible; using them writes nothing to the upper.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
U=$T/u

sh_ovl "$L" "$U" '
for n in null zero full random urandom tty; do test -c /dev/$n && echo "chr $n"; done
test -e /dev/ptmx && echo ptmx
test -d /dev/pts && echo pts
test -d /dev/shm && echo shm
echo discard > /dev/null && echo null-ok
head -c 4 /dev/zero | od -An -tx1
echo x > /dev/full; echo "full status $?"
head -c 16 /dev/urandom | wc -c
head -c 16 /dev/random | wc -c
echo shm-data > /dev/shm/f && cat /dev/shm/f
test -r /proc/self/status && echo proc-self
test -d /proc/1 && echo proc-1
n=$(ls /proc | grep -c "^[0-9][0-9]*$"); [ "$n" -lt 10 ] && echo "few pids"
grep -q "^Name:" /proc/self/status && echo status-ok
test -d /sys/kernel && echo sys-kernel
test -e /sys/class && echo sys-class
'
assert_status 0
assert_stdout "chr null
chr zero
chr full
chr random
chr urandom
chr tty
ptmx
pts
shm
null-ok
 00 00 00 00
full status 1
16
16
shm-data
proc-self
proc-1
few pids
status-ok
sys-kernel
sys-class"
assert_stderr "sh: write error: No space left on device"
assert_missing "$U/dev"
assert_missing "$U/proc"
assert_missing "$U/sys"
finish
