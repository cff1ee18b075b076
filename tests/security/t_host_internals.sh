#!/usr/bin/env bash
# Issue 7, point 6: host internals stay hidden.  The command has a mount
# namespace of its own whose root is a read-only view of the shadow root
# (pivot_root: the staging area and the layer mounts are not in it), and the
# /proc and /sys paths that container runtimes mask are masked.  Root in a
# plain chroot with the host's /proc and /sys reads them all.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
C=$(new_lower)   # the chroot's own copy: the chroot writes where it likes
snapshot_lower "$L"

masked_files="/proc/kallsyms /proc/cmdline /proc/keys /proc/timer_list /proc/sched_debug
	/proc/slabinfo /proc/kcore /proc/latency_stats /proc/timer_stats /proc/sysrq-trigger
	/proc/kpagecount /proc/kpageflags /proc/vmallocinfo"
masked_dirs="/sys/firmware /proc/acpi /proc/asound /proc/scsi /sys/devices/virtual/powercap"
# What the probe reads: the first bytes of each file, the entries of each dir.
probe='for f in '$(echo $masked_files)'; do [ -e $f ] && printf "%s %s\n" $f "$(head -c 64 $f 2>/dev/null | wc -c)"; done
	for d in '$(echo $masked_dirs)'; do [ -d $d ] && printf "%s %s\n" $d "$(ls -A $d | wc -l)"; done; true'

# Without the sandbox: the host's /proc and /sys mounted into a chroot (in
# the rootless pass by the same user, as root of its own user namespace).
OUT=$(as_ns_root unshare -m sh -c "mount --rbind /proc '$C/proc' && mount --rbind /sys '$C/sys' && chroot '$C' /bin/sh -c '$probe'")
host=$OUT
readable=$(awk '$2 > 0' <<< "$host" | wc -l)
# (a user reads fewer of them than root: kallsyms, cmdline, /sys/firmware)
least=6
[[ $OVLRUN_ROOTLESS != 1 ]] || least=3
[[ $readable -ge $least ]] || fail "the probe finds too little to read on the host ($readable): $host"
# Inside: each path the host has is there, and empty.
sh_ovl "$L" "" "$probe"
assert_stdout "$(awk '{print $1, 0}' <<< "$host")"

# Read-only: the kernel's knobs.  (The host's are not written to show this.)
sh_ovl "$L" "" 'echo 1 > /proc/sys/vm/drop_caches; echo $?; echo x > /proc/sysrq-trigger; cat /proc/sysrq-trigger | wc -c'
assert_stderr_contains "Read-only file system"

# The mount namespace holds only the sandbox's view: its root shows as the
# overlay, every mount point is inside it, and no mount point names the
# staging area, a layer or the host.
sh_ovl "$L" "$T/u" 'cut -d" " -f5,6,9 /proc/self/mountinfo'
root_line=$(head -n 1 <<< "$OUT")
[[ $root_line == "/ rw,"*" overlay" ]] || fail "root of the command's mount namespace: $root_line"
while read -r mp _ _; do
	case $mp in
	/ | /dev | /dev/* | /proc | /proc/* | /sys | /sys/* | /bin/busybox) ;;
	*) fail "unexpected mount point inside: $mp" ;;
	esac
done <<< "$OUT"
[[ $OUT != *ovlrun.* && $OUT != *"$T"* ]] || fail "a host path among the mount points: $OUT"
# The staging area, seen from the host while the command runs, is not in
# the command's namespace: its mounts number what the listing showed.
sh_ovl "$L" "$T/u" 'wc -l < /proc/self/mountinfo; wc -l < /proc/1/mountinfo'
[[ $(sed -n 1p <<< "$OUT") == "$(sed -n 2p <<< "$OUT")" ]] || fail "init and command see different mounts: $OUT"
# The root cannot be written natively (only through the overlay): the real
# mount, as the host reads the command's mountinfo, is a read-only tmpfs.
ovl_background probe --lower="$L" --upper="$T/u" -- /bin/sh -c 'echo ready; read x' host-internals-probe
assert_eq ready "$SAID" "the probe started"
pid=$(pgrep -f -n host-internals-probe)
real_root=$(awk '$5 == "/" { for (i = 7; $i != "-"; i++) ; print $6, $(i + 1) }' "/proc/$pid/mountinfo")
[[ $real_root == "ro,"*" tmpfs" ]] || fail "the real root of the command's namespace: $real_root"
echo done >&8
exec 8>&-
wait "$BG_PID" || fail "the probe's exit status"
assert_lower_unchanged "$L"
finish
