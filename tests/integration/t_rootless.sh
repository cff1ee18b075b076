#!/usr/bin/env bash
# needs host root: it switches to a user itself
# ovlrun run by a user without privileges (here ovlrun-single, a user with
# no subordinate ids, no setuid helper, no capabilities): root inside is the user (a user namespace of its own),
# and the upper is in the kernel's unprivileged format (userxattr).  The
# oracle is the kernel's overlayfs mounted with userxattr by the same user
# in a user namespace: the same script gives the same output and the same
# upper, each mount reads the other's upper alike, and a dir the lowers
# have cannot move (EXDEV: mv copies), as there.  What the user may not
# read on the host stays unreadable inside.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "the kernel's side is this test's own"
user=$(test_user ovlrun-single)
as_user() { setpriv --reuid=$user --regid=$user --clear-groups "$@"; }
as_user unshare -Ur true 2> /dev/null || skip "no unprivileged user namespaces here"
chmod 711 "$T"          # (the user walks to its dirs, reads nothing else of ours)
L=$(new_lower)
mkdir -p "$L/t/keep" "$L/t/gone" "$L/t/op/sub" "$L/t/mv/sub"
echo k > "$L/t/keep/f"; echo g > "$L/t/gone/g"; echo o > "$L/t/op/old"; echo m > "$L/t/mv/sub/m"
# (a user's own image: the user's files; a copy-up must give the copy its
# owner, which only the ids the namespace maps can be)
chown -R $user:$user "$L"
echo secret > "$L/t/secret"; chmod 600 "$L/t/secret"  # (root's, on the host)
snapshot_lower "$L"
mkdir -m 700 "$T/o" "$T/k"
chown $user:$user "$T/o" "$T/k"

script='
cd /t
echo new > new; mkdir -p nd/in; echo z > nd/in/z; ln nd/in/z hard
rm -rf gone; rm keep/f; echo again > keep/f; chmod 640 keep/f
rm -rf op; mkdir op; echo n > op/new; mkfifo fifo; ln -s new link
mv mv moved
mv nd nd2 && echo "new dir moved"
cat secret 2>&1 || echo "secret: unreadable"
id -u; find /t | sort; cat keep/f nd2/in/z; ls moved/sub
'
run_ovl_user() {
	STATUS=0
	OUT=$(as_user "$OVLRUN" --lower="$L" --upper="$T/o/u" -- /bin/sh -c "$1" 2> "$T/err") || STATUS=$?
	ERR=$(cat "$T/err")
}
# the kernel's overlayfs, userxattr, in the user's own user namespace
kernel_user() { # UPPER SCRIPT
	as_user unshare -Urm /bin/sh -c '
		mkdir -p "$1" "$1.work" "$1.mnt" &&
		mount -t overlay overlay -o userxattr,lowerdir="$2",upperdir="$1",workdir="$1.work" "$1.mnt" &&
		chroot "$1.mnt" /bin/sh -c "$3"' sh "$1" "$L" "$2"
}
run_ovl_user "$script"
assert_status 0
[[ -z $ERR ]] || fail "ovlrun's stderr: $ERR"
want=$(kernel_user "$T/k/u" "$script" 2>&1) || fail "the kernel's run: $want"
assert_eq "$want" "$OUT" "output against the kernel's userxattr overlayfs"
upper_dump "$T/k/u" | sed '/user\.overlay\.\(origin\|impure\|uuid\)/d' > "$T/k.dump"
upper_dump "$T/o/u" | sed '/user\.overlay\.\(origin\|impure\|uuid\)/d' > "$T/o.dump"
diff -u "$T/k.dump" "$T/o.dump" >&2 || fail "the upper differs from the kernel's"
grep -q 'user.overlay.opaque="y"' "$T/o.dump" || fail "no user.overlay.opaque in the upper"
! grep -q 'trusted\.' "$T/o.dump" || fail "trusted.* xattrs in a rootless upper"
# (mv copied the lower dir, as over the kernel's: no redirect)
! grep -q 'overlay.redirect' "$T/o.dump" || fail "a redirect in a rootless upper"
[[ $(stat -c %u "$T/o/u/t/new") == "$user" ]] || fail "the upper's files are not the user's"

# An owner the namespace does not map: the kernel's mount refuses it
# (EINVAL), ovlrun keeps it in the file's owner record (t_rootless_override)
kernel_user "$T/k/u" 'chown 5:5 /t/new' > /dev/null 2>&1 && fail "the kernel's userxattr mount took chown 5:5"
run_ovl_user 'chown 5:5 /t/new && stat -c "%u:%g" /t/new'
assert_status 0
assert_eq "5:5" "$OUT" "owner after chown 5:5 (a record)"
assert_eq "5:5:0644:file" "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$T/o/u/t/new")" \
	"the owner record of /t/new"

# the subcommands read a rootless upper (user.overlay.*, by the user too)
STATUS=0
OUT=$(as_user "$OVLRUN" diff "$T/o/u" --lower="$L" 2>&1) || STATUS=$?
assert_status 0
for line in "D /t/gone" "C /t/op" "D /t/op/old" "A /t/op/new" "A /t/nd2/in/z"; do
	grep -qx "$line" <<< "$OUT" || fail "diff of the rootless upper: no \"$line\" in: $OUT"
done
as_user "$OVLRUN" export "$T/o/u" --lower="$L" > "$T/layer.tar" || fail "export of the rootless upper"
# (the listing whole first: grep -q stopping early would kill tar, and
# pipefail would call that a failure)
listing=$(tar tf "$T/layer.tar")
grep -qx 't/op/.wh..wh..opq' <<< "$listing" || fail "export of the rootless upper: no opaque mark"

# each reads the other's upper: the same tree
tree='find /t | sort; cat /t/keep/f; ls -la /t/op | wc -l'
run_ovl_user "$tree"
assert_status 0
assert_eq "$(kernel_user "$T/o/u" "$tree" 2>&1)" "$OUT" "the kernel's view of ovlrun's upper"
assert_eq "$(kernel_user "$T/k/u" "$tree" 2>&1)" \
	"$(as_user "$OVLRUN" --lower="$L" --upper="$T/k/u" -- /bin/sh -c "$tree" 2>&1)" \
	"ovlrun's view of the kernel's upper"
finish
