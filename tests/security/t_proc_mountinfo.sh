#!/usr/bin/env bash
# Issue 7, point 6 (mountinfo): the command's mount table names no host
# path.  The kernel's /proc/<pid>/mountinfo gives, as each mount's root, its
# path inside its filesystem: for the binds of layer files (executables,
# FIFOs) and of --bind sources that is their host path.  From a plain
# chroot with a bind mount the host path shows; inside ovlrun no line of
# any pid form (self, thread-self, <pid>, 1, task/<tid>, relative to a
# /proc dirfd, through a symlink made in /dev/shm) names the lower, the
# upper or a bind source, and mounts and mountstats do not either.  The
# mounts themselves are all listed.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
C=$(new_lower)
src=$T/bind-src
mkdir "$src"
echo bound > "$src/f"
echo one-file > "$T/bind-file"

# From a plain chroot, a bind mount's root field is its host path (in the
# rootless pass the same user's, as root of its own user namespace).
mkdir -p "$C/mnt"
OUT=$(as_ns_root timeout 60 unshare -m -p -f --propagation private sh -c "mount --bind '$src' '$C/mnt' &&
	mount -t proc proc '$C/proc' && exec chroot '$C' cat /proc/self/mountinfo" 2>&1) || true
[[ $OUT == *" $src /mnt "* ]] || fail "a plain chroot's mountinfo does not show the bind's host path (probe broken): $OUT"

script='ovlprobe hello > /dev/null; mkfifo /tmp/fifo; (echo x > /tmp/fifo &); cat /tmp/fifo > /dev/null
sleep 1000 & s=$!
ln -s /proc/self/mountinfo /dev/shm/mi
for f in /dev/shm/mi /proc/self/mountinfo /proc/thread-self/mountinfo /proc/$$/mountinfo /proc/1/mountinfo \
	/proc/$s/mountinfo /proc/$$/task/*/mountinfo /proc/$s/task/$s/mountinfo \
	/proc/self/net/../mountinfo /dev/fd/../mountinfo /proc/self/mounts /proc/mounts \
	/proc/self/mountstats; do
	echo "== $f"; cat "$f"
done
echo "== dirfd"; ovlprobe cat-at /proc/self mountinfo
echo "== cwd"; cd /proc/$$ && cat mountinfo
kill $s'
run_ovl --lower="$L" --upper="$T/u" --bind="$src:/mnt/b" --ro-bind="$T/bind-file:/mnt/f" -- /bin/sh -c "$script"
assert_status 0 || true
printf '%s\n' "$OUT" > "$T/tables"
sections=$(grep -c '^== ' "$T/tables")
[[ $sections -eq 15 ]] || fail "not every table was read ($sections of 15): $ERR"
if grep -n -F -e "$T" -e "$L" -e "$src" -e "/ovlrun." "$T/tables" >&2; then
	fail "a mount table inside names a host path (lines above)"
fi
# every mount is still listed, with its mount point, in every mountinfo
for mp in / /proc /dev/shm /mnt/b /mnt/f /bin/busybox /usr/bin/ovlprobe /tmp/fifo; do
	n=$(awk -v mp="$mp" '/^== / { info = $2 ~ /(mountinfo|mi)$/ || $2 == "dirfd" || $2 == "cwd" }
		info && $5 == mp { c++ } END { print c + 0 }' "$T/tables")
	[[ $n -eq 12 ]] || fail "mount point $mp in $n mountinfo copies, not in all 12"
done
# the copy keeps the kernel's other fields: its own lines match the mounts' options
grep -q ' /mnt/f /mnt/f ro,' "$T/tables" || fail "the read-only bind's line lost its fields"

# A layer that lives on an overlayfs (a container host): the binds of its
# files carry that overlayfs' options, lowerdir=... and the others, host
# paths.  The host's own table shows them (probe); the command's does not.
O=$T/ovl
uxattr=   # (a user's mount: the unprivileged format)
[[ $OVLRUN_ROOTLESS != 1 ]] || uxattr=,userxattr
mkdir -p "$O/u" "$O/w" "$O/m"
OUT=$(as_ns_root timeout -k 10 "$OVLRUN_TIMEOUT" unshare -m --propagation private sh -c "
	mount -t overlay layerfs -o lowerdir='$L',upperdir='$O/u',workdir='$O/w'$uxattr '$O/m' &&
	grep -c 'lowerdir=$L' /proc/self/mountinfo &&
	'$OVLRUN' --lower='$O/m' --upper='$T/u2' -- /bin/sh -c 'cat /proc/self/mountinfo /proc/mounts'" 2>&1) ||
	fail "the run on a layer on overlayfs failed: $OUT"
[[ $(head -n 1 <<< "$OUT") -ge 1 ]] || fail "the host's table does not show the overlayfs' lowerdir (probe broken): $OUT"
grep -q ' /bin/busybox ' <<< "$OUT" || fail "the layer file's bind is not listed: $OUT"
if tail -n +2 <<< "$OUT" | grep -n -F -e "$L" -e "$O" >&2; then
	fail "the tables of a command whose layer is on an overlayfs name a host path (lines above)"
fi
finish
