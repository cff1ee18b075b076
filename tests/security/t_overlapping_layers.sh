#!/usr/bin/env bash
# Issue 7 point 9: overlapping layers.  A lower that is, or lies inside, the
# upper or the work dir is a lower the command rewrites: its writes land in
# the upper, and ovlrun clears and fills its work dir.  The kernel's
# overlayfs refuses these mounts; ovlrun refuses them too (125, one line
# naming both paths), judging by the objects, not the strings (symlinks,
# bind mounts).  Lowers on kernel interfaces (/proc, /sys, /dev, cgroup,
# devpts) are refused.  Allowed, as by the kernel: an upper inside a lower
# (hidden from the merged view: --lower=/ --tmp-upper).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
[[ $(basename "$OVLRUN") != kovlrun ]] || skip "ovlrun's refusals are the subject"
require_kernel_overlay
bb=bin/busybox
# The control runs (without ovlrun) are root's; in the rootless pass the
# same user's, as root of its own user namespace, where the kernel's
# overlayfs takes the unprivileged format.
uxattr=
[[ $OVLRUN_ROOTLESS != 1 ]] || uxattr=,userxattr

# Without the check, the attack works: a writable layer holding the lower
# lets the command rewrite it (plain chroot into the would-be upper)...
mkdir "$T/demo"
new_lower "$T/demo/img" > /dev/null
as_ns_root chroot "$T/demo" /img/$bb sh -c 'echo pwned > /img/etc/hostname'
assert_file_content "$T/demo/img/etc/hostname" "pwned"
# ...and ovlrun empties its work dir before use (a lower there would go).
mkdir "$T/demo-u" "$T/demo-w"
echo keep > "$T/demo-w/lower-file"
run_ovl --lower="$T/demo/img" --upper="$T/demo-u" --work="$T/demo-w" -- /bin/true
assert_status 0
assert_missing "$T/demo-w/lower-file"

# The layers: lowers inside an upper dir U and a work dir W, and on their own.
U=$T/u W=$T/w
mkdir "$U" "$W" "$T/m" "$T/k"
new_lower "$U/img" > /dev/null
new_lower "$W/img" > /dev/null
L=$(new_lower)
mkdir "$L/opt/work"   # an empty dir of the lower, used as a work dir at the end
for l in "$U/img" "$W/img" "$L"; do snapshot_lower "$l"; done
ln -s u/img "$T/link-to-lower"

# The kernel refuses these mounts (on a scratch tree of the same shape: it
# makes WORK/work before it checks, so it would change a lower there).
K=$T/kx
mkdir -p "$K/u/img" "$K/w/img" "$K/l" "$K/u2" "$K/w2"
ln -s u/img "$K/link"
as_ns_root unshare -m mount -t overlay overlay -o "lowerdir=$K/l,upperdir=$K/u2,workdir=$K/w2$uxattr" "$T/m" ||
	fail "the kernel did not mount separate layers (probe broken)"
for k in "u/img u w" "l l w" "w/img u w" "l u l" "link u w" "u/img/.. u w"; do
	read -r kl ku kw <<< "$k"
	if as_ns_root unshare -m mount -t overlay overlay -o "lowerdir=$K/$kl,upperdir=$K/$ku,workdir=$K/$kw$uxattr" \
		"$T/m" 2> /dev/null; then
		fail "the kernel mounted lowerdir=$kl upperdir=$ku workdir=$kw"
	fi
done

# refused LOWER UPPER WORK WHO: ovlrun refuses to run, naming the lower and
# WHO (the upper or work dir path).
refused() {
	local lower=$1 upper=$2 work=$3 who=$4
	run_ovl --lower="$lower" --upper="$upper" --work="$work" -- /bin/sh -c 'echo ran; echo x > /etc/hostname'
	assert_status 125
	assert_stdout ""
	assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines refusing $lower / $upper / $work"
	assert_stderr_contains "lower dir $lower "
	assert_stderr_contains " $who:"
}
refused "$U/img" "$U" "$W" "upper dir $U"                # a lower inside the upper
refused "$L" "$L" "$W" "upper dir $L"                    # the upper is a lower
refused "$W/img" "$U" "$W" "work dir $W"                 # a lower inside the work dir
refused "$L" "$U" "$L" "work dir $L"                     # the work dir is a lower
refused "$T/link-to-lower" "$U" "$W" "upper dir $U"      # through a symlink
refused "$U/img/etc/.." "$U" "$W" "upper dir $U"         # through ".."
refused "$L" "$T/k/../../${T##*/}/${L#"$T"/}" "$W" "upper dir $L"
# the default work dir, made for the refused run, is gone again
assert_missing "$T/.u.ovlrun-work"
run_ovl --lower="$U/img" --upper="$U" -- /bin/true
assert_status 125
assert_missing "$T/.u.ovlrun-work"

# Through a bind mount of a dir inside the upper: no ".." leads from the
# lower into the upper, but the kernel (walking dentries) and ovlrun see it.
STATUS=0
OUT=$(as_ns_root unshare -m --propagation private sh -c 'mount --bind "$1/img" "$2" || exit 1
	mount -t overlay overlay -o "lowerdir=$2,upperdir=$1,workdir=$3$6" "$4" 2> /dev/null &&
		echo kernel-mounted
	"$5" --lower="$2" --upper="$1" --work="$3" -- /bin/true' - "$U" "$T/m" "$W" "$T/k" "$OVLRUN" "$uxattr" \
	2> "$T/bind.err" < /dev/null) || STATUS=$?
assert_status 125
assert_stdout ""
assert_eq "ovlrun: lower dir $T/m is inside the upper dir $U: overlapping layers, the command could change the lower" \
	"$(cat "$T/bind.err")" "refusal of a bind-mounted lower"

# Upper and work inside one another.
mkdir "$T/nest"
run_ovl --lower="$L" --upper="$T/nest/u" --work="$T/nest" -- /bin/true
assert_status 125
assert_stderr "ovlrun: work dir $T/nest and upper dir $T/nest/u must not contain each other"
assert_missing "$T/nest/u"
run_ovl --lower="$L" --upper="$T/nest" --work="$T/nest/w" -- /bin/true
assert_status 125
assert_missing "$T/nest/w"

# A work dir inside a lower, holding files: ovlrun would clear them.
mkdir "$T/lw"
run_ovl --lower="$L" --upper="$T/lw/u" --work="$L/etc" -- /bin/true
assert_status 125
assert_stderr "ovlrun: work dir $L/etc is inside lower dir $L and not empty: ovlrun would clear it"
assert_missing "$T/lw/u"

# Lowers on kernel interfaces: without the check a /dev lower hands the
# command the host's devices (here: the host's kernel log, as root)...
# (A user's overlayfs refuses the host's /dev as a lower outright, "failed
# to clone lowerpath": the mount is the host namespace's; pinned.)
STATUS=0
OUT=$(as_ns_root unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=/dev:$1$3" "$2" 2> /dev/null || exit 32
	stat -c "%F %t:%T" "$2/kmsg" && dd if="$2/kmsg" bs=8192 count=1 iflag=nonblock 2> /dev/null |
	grep -c .' - "$L" "$T/m" "$uxattr" < /dev/null 2>&1) || STATUS=$?
if [[ $OVLRUN_ROOTLESS == 1 ]]; then
	assert_status 32
	assert_stdout ""
else
	assert_status 0
	assert_stdout "character special file 1:b
1"
fi
# ...ovlrun refuses every such lower.
cgroup=$(findmnt -rn -t cgroup2,cgroup -o TARGET | head -n1)
for v in /proc /proc/sys /sys ${cgroup:+"$cgroup"} /dev /dev/pts; do
	fstype=$(findmnt -no FSTYPE -T "$v" | head -n1)
	run_ovl --lower="$v" --tmp-upper -- /bin/true
	assert_status 125
	assert_stderr "ovlrun: lower dir $v: on $fstype, a kernel interface, not a directory tree"
	run_ovl --lower="$L:$v" -- /bin/true
	assert_status 125
done

# Allowed: the host's root as the lower with a new upper inside it (hidden,
# as ovlrun's staging dir is).
mkdir "$T/tmpd"
TMPDIR=$T/tmpd run_ovl --lower=/ --tmp-upper -- /bin/sh -c "ls -A '$T/tmpd' | wc -l"
assert_status 0
assert_stdout "0"
# An empty work dir inside a lower: hidden, and the lower keeps it empty.
run_ovl --lower="$L" --upper="$T/lw/u2" --work="$L/opt/work" -- /bin/sh -c 'ls -A /opt; echo y > /etc/hostname'
assert_status 0
assert_stdout "ovl-ld"
finish
