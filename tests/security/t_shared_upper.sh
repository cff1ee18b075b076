#!/usr/bin/env bash
# needs host root: the attack is run by another host user, which a user cannot switch to
# Issue 7 point 3: root inside plants a set-uid-root program in the upper
# for host users.  Without the sandbox (the kernel's overlayfs with its
# upper in a dir everyone can enter) host user 1000 runs it and gets euid 0.
# A 0700 upper is no protection (root inside chmods "/", the upper's root).
# ovlrun refuses, for a root command, an upper (new or existing) in a dir
# other users can reach (125, one line naming it), unless
# --allow-shared-upper; accepts one on a nosuid,nodev filesystem; and makes
# a new upper with the lower root's mode where only root can reach it, or
# for a non-root command (which cannot make set-uid-root files), so that
# "/" stays searchable inside.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
[[ $(basename "$OVLRUN") != kovlrun ]] || skip "ovlrun's own protection is the subject"
require_kernel_overlay
# The attack's setting: dirs other users can enter ($T is root-only).
chmod 0755 "$T"
mkdir -m 0755 "$T/pub"
L=$(new_lower)
install -m 0755 "$(tool euid)" "$L/usr/bin/euid"
snapshot_lower "$L"
plant='cp /usr/bin/euid /x && chmod 4755 /x && echo planted'
# (through sh: setpriv itself keeps its capabilities until its execve)
as_host_user() {
	setpriv --reuid=1000 --regid=1000 --clear-groups /bin/sh -c 'exec "$@"' sh "$@" 2>&1 || true
}

# The program honours its set-uid bit on the host.
install -m 4755 "$(tool euid)" "$T/pub/probe"
assert_eq "ruid=1000 euid=0" "$(as_host_user "$T/pub/probe")" "set-uid-root euid run by uid 1000"
rm "$T/pub/probe"

# Without the sandbox: the kernel's overlayfs; the host user becomes root.
STATUS=0
OUT=$("$KOVLRUN" --lower="$L" --upper="$T/pub/kernel" -- /bin/sh -c "$plant" 2>&1) || STATUS=$?
assert_status 0
assert_stdout "planted"
assert_eq "ruid=1000 euid=0" "$(as_host_user "$T/pub/kernel/x")" "uid 1000 running the kernel upper's plant"

# The upper's own mode is no protection: its root is the sandbox's "/",
# which root inside chmods.  On the kernel's overlayfs, an upper made 0700
# in a dir others can enter: root opens "/" and plants, the user is root.
mkdir -m 0700 "$T/pub/kernel700"
STATUS=0
OUT=$("$KOVLRUN" --lower="$L" --upper="$T/pub/kernel700" -- /bin/sh -c "chmod 755 /; $plant" 2>&1) || STATUS=$?
assert_status 0
assert_eq "ruid=1000 euid=0" "$(as_host_user "$T/pub/kernel700/x")" "uid 1000 running the plant of a 0700 upper opened from inside"

# ovlrun: an upper, new or existing, whatever its own mode, in a dir other
# users can reach is refused for a root command; nothing is left behind.
for u in new closed; do
	[[ $u == new ]] || mkdir -m 0700 "$T/pub/$u"
	run_ovl --lower="$L" --upper="$T/pub/$u" -- /bin/sh -c "chmod 755 /; $plant"
	assert_status 125
	assert_stderr_contains "upper dir $T/pub/$u: other host users can reach it"
	assert_missing "$T/pub/$u/x"
	assert_missing "$T/pub/.$u.ovlrun-work"
done
assert_missing "$T/pub/new"

# An existing upper other users can reach: refused before anything runs.
mkdir -m 0755 "$T/pub/old"
run_ovl --lower="$L" --upper="$T/pub/old" -- /bin/sh -c "$plant"
assert_status 125
assert_stdout ""
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines of the refusal"
assert_stderr_contains "upper dir $T/pub/old:"
assert_stderr_contains "--allow-shared-upper"
assert_missing "$T/pub/old/x"
assert_missing "$T/pub/.old.ovlrun-work"
# Mode 0700, but its owner is a host user: reachable too.
mkdir -m 0700 "$T/pub/users"
chown 1000:1000 "$T/pub/users"
run_ovl --lower="$L" --upper="$T/pub/users" -- /bin/true
assert_status 125
assert_stderr_contains "upper dir $T/pub/users:"
# Through a symlink: judged where it leads.
ln -s old "$T/pub/link"
run_ovl --lower="$L" --upper="$T/pub/link" -- /bin/true
assert_status 125
assert_stderr_contains "upper dir $T/pub/old:"

# --allow-shared-upper: the user knows; it runs, and so does the plant.
run_ovl --allow-shared-upper --lower="$L" --upper="$T/pub/old" -- /bin/sh -c "$plant"
assert_status 0
assert_stdout "planted"
assert_eq "ruid=1000 euid=0" "$(as_host_user "$T/pub/old/x")" "uid 1000 running the plant with --allow-shared-upper"

# On a nosuid,nodev filesystem a plant does nothing: accepted.
mkdir -m 0755 "$T/pub/nosuid"
STATUS=0
OUT=$(unshare -m --propagation private sh -c 'mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs "$1" &&
	mkdir -m 0755 "$1/u" && "$2" --lower="$3" --upper="$1/u" -- /bin/sh -c "$4" &&
	setpriv --reuid=1000 --regid=1000 --clear-groups /bin/sh -c "exec \"\$0\"" "$1/u/x"' \
	- "$T/pub/nosuid" "$OVLRUN" "$L" "$plant" 2>&1 < /dev/null) || STATUS=$?
assert_status 0
assert_stdout "planted
ruid=1000 euid=1000"

# Where only root can reach it, a new upper gets the lower root's mode:
# "/" inside stays searchable for the users a root command switches to.
mkdir -m 0700 "$T/priv"
run_ovl --lower="$L" --upper="$T/priv/u" -- /bin/sh -c \
	'ls -ld / | cut -c1-10; su -s /bin/sh user -c "cat /etc/hostname"'
assert_status 0
assert_stdout "drwxr-xr-x
ovlrun-image"
assert_mode "$T/priv/u" 755

# A non-root command: a new upper in the reachable dir gets the lower
# root's mode; its set-uid files are its own uid's, not root's.
run_ovl --lower="$L" --upper="$T/pub/user-cmd" --uid=1000 --gid=1000 -- /bin/sh -c \
	'cp /usr/bin/euid /tmp/y && chmod 4755 /tmp/y && ls -ld / | cut -c1-10'
assert_status 0
assert_stdout "drwxr-xr-x"
assert_mode "$T/pub/user-cmd" 755
assert_eq "4755 1000" "$(stat -c '%a %u' "$T/pub/user-cmd/tmp/y")" "a non-root command's set-uid file"
finish
