#!/usr/bin/env bash
# needs host root: its lower holds device nodes, which a user cannot make
# Device nodes in the overlay: only those of the sandbox's own /dev devices
# (null, zero, full, random, urandom, tty) open (diff/073_device_open); a
# node of any other device, found in a lower or made with mknod in the
# upper, never reaches the host's device.  Shown to open from a plain
# chroot of the same lower (the attack is real), and refused inside: the
# kernel message buffer (/dev/kmsg, c 1 11), a host block device, /dev/mem
# (c 1 1).  A device is only ever opened by the kernel for the command:
# an unlinked node reopened through /proc/self/fd, which the supervisor
# would open itself, is refused (a /dev/tty node, 5:0, opened by the
# supervisor would be ITS terminal: the host's).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
blk=$(ls /sys/dev/block | head -n 1)
[[ -n $blk ]] || fatal "no block device on this machine"
mkdir -p "$L/data"
mknod "$L/data/kmsg" c 1 11
mknod "$L/data/disk" b "${blk%:*}" "${blk#*:}"
snapshot_lower "$L"

OUT=$(timeout 60 chroot "$L" /bin/sh -c 'x=$(head -c 1 /data/kmsg) && echo kmsg opens
	x=$(head -c 1 /data/disk) && echo disk opens' 2>&1) || true
assert_eq "kmsg opens
disk opens" "$OUT" "a plain chroot opens the nodes (probe)"

sh_ovl "$L" "$T/u" '
for n in /data/kmsg /data/disk; do head -c 1 $n > /dev/null 2>&1; echo "$n $?"; done
mknod /tmp/mem c 1 1 && mknod /tmp/kmsg c 1 11
for n in /tmp/mem /tmp/kmsg; do head -c 1 $n > /dev/null 2>&1; echo "$n $?"; done
mknod /tmp/null c 1 3 && head -c 1 /tmp/null; echo "an allowed one: $?"
mknod /tmp/tty c 5 0 && ovlprobe reopen-unlinked /tmp/tty
ovlprobe reopen-unlinked /tmp/null
'
assert_stdout "/data/kmsg 1
/data/disk 1
/tmp/mem 1
/tmp/kmsg 1
an allowed one: 0
Permission denied
Permission denied"
finish
