#!/usr/bin/env bash
# needs host root: it switches to a user itself
# A rootless run with subordinate ids: the user (ovlrun-test, made with
# the ranges useradd gives in /etc/subuid and /etc/subgid) has ids 1 and up
# mapped to its ranges by ovlrun through newuidmap/newgidmap.  Files of
# other owners can then be made, as dpkg makes them; the oracle is the
# kernel's overlayfs mounted with userxattr in a user namespace of the same
# mapping (util-linux unshare --map-users, the same helpers): the same
# output, the same upper (its files owned by the range's host ids).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "the kernel's side is this test's own"
[[ -x /usr/bin/newuidmap && -x /usr/bin/newgidmap ]] || skip "no newuidmap/newgidmap (package uidmap)"
user=$(test_user ovlrun-test)
read -r start count < <(awk -F: -v u=ovlrun-test '$1 == u {print $2, $3; exit}' /etc/subuid)
read -r gstart gcount < <(awk -F: -v u=ovlrun-test '$1 == u {print $2, $3; exit}' /etc/subgid)
as_user() { setpriv --reuid=$user --regid=$user --clear-groups "$@"; }
as_user unshare -Ur true 2> /dev/null || skip "no unprivileged user namespaces here"

chmod 711 "$T"
L=$(new_lower)
chown -R $user:$user "$L"
mkdir -p "$L/t"; echo k > "$L/t/keep"; chown -R $user:$user "$L/t"
mkdir -m 700 "$T/o" "$T/k"
chown $user:$user "$T/o" "$T/k"

script='
cd /t
echo x > owned; chown 5:6 owned; mkdir d; chown 100:100 d; echo y > d/f; chown 7 d/f
chmod 4755 owned; chown 0:9 keep
ls -ln /t /t/d | sed "s/ [A-Z][a-z][a-z] .[0-9] [0-9:]* / /"
'
STATUS=0
OUT=$(as_user "$OVLRUN" --lower="$L" --upper="$T/o/u" -- /bin/sh -c "$script" 2> "$T/err") || STATUS=$?
ERR=$(cat "$T/err")
assert_status 0
[[ -z $ERR ]] || fail "ovlrun's stderr: $ERR"
want=$(as_user unshare --map-user=0 --map-group=0 --map-users=$start,1,$count \
	--map-groups=$gstart,1,$gcount -m /bin/sh -c '
		mkdir -p "$1" "$1.work" "$1.mnt" &&
		mount -t overlay overlay -o userxattr,lowerdir="$2",upperdir="$1",workdir="$1.work" "$1.mnt" &&
		chroot "$1.mnt" /bin/sh -c "$3"' sh "$T/k/u" "$L" "$script" 2>&1) || fail "the kernel's run: $want"
assert_eq "$want" "$OUT" "output against the kernel's userxattr overlayfs"
upper_dump "$T/k/u" | sed '/user\.overlay\.\(origin\|impure\|uuid\)/d' > "$T/k.dump"
upper_dump "$T/o/u" | sed '/user\.overlay\.\(origin\|impure\|uuid\)/d' > "$T/o.dump"
diff -u "$T/k.dump" "$T/o.dump" >&2 || fail "the upper differs from the kernel's"
[[ $(stat -c %u:%g "$T/o/u/t/owned") == "$((start + 4)):$((gstart + 5))" ]] ||
	fail "owned is $(stat -c %u:%g "$T/o/u/t/owned") on the host, not the range's ids"

# past the ranges: the kernel's mount refuses (EINVAL), ovlrun keeps the
# owner in the file's record, its host owner the range's as before
past=$((count + 10))
as_user unshare --map-user=0 --map-group=0 --map-users=$start,1,$count \
	--map-groups=$gstart,1,$gcount -m /bin/sh -c '
		mount -t overlay overlay -o userxattr,lowerdir="$2",upperdir="$1",workdir="$1.work" "$1.mnt" &&
		chroot "$1.mnt" chown "$3" /t/owned' sh "$T/k/u" "$L" "$past" 2> /dev/null &&
	fail "the kernel's userxattr mount took chown $past"
STATUS=0
OUT=$(as_user "$OVLRUN" --lower="$L" --upper="$T/o/u" -- /bin/sh -c "chown $past /t/owned && stat -c %u:%g:%a /t/owned") || STATUS=$?
assert_status 0
assert_eq "$past:6:755" "$OUT" "owner past the ranges (chown drops set-uid)"
assert_eq "$past:6:0755:file" "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$T/o/u/t/owned")" \
	"the owner record of /t/owned"
[[ $(stat -c %u:%g "$T/o/u/t/owned") == "$((start + 4)):$((gstart + 5))" ]] ||
	fail "owned's host owner changed with a recorded chown"
finish
