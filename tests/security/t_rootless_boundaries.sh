#!/usr/bin/env bash
# needs host root: it switches to a user itself
# Three boundaries of a run by a user (ovlrun-single, no subordinate ids):
#  * /sys with --net=host is the host's, bound: a plain read-only bind
#    (mount --rbind, then a read-only remount, as the first rootless code
#    did) leaves every mount below it writable, the cgroup tree included
#    (a systemd host delegates the user's own cgroups there); inside,
#    every mount under /sys is read-only.
#  * Owner records (user.containers.override_stat) are the overlay's: on
#    the host the user sets one on its own file at will (here the record of
#    a set-uid root file); inside, neither through a named file nor through
#    an O_TMPFILE or unlinked file's fd (whose xattr calls the kernel would
#    make on the real file), and such a file does not show set-uid.
#  * An upper other host users can reach: root inside is the user, so a
#    set-uid program it plants there is set-uid to the user on the host;
#    on the kernel's overlayfs mounted by the user (its upper in a dir
#    everyone enters) another host user runs it and gets the user's euid;
#    ovlrun refuses such an upper for a user's run as for root's.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
[[ $(basename "$OVLRUN") != kovlrun ]] || skip "ovlrun's own boundaries are the subject"
user=$(test_user ovlrun-single)
as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups "$@"; }
as_user unshare -Ur true 2> /dev/null || skip "no unprivileged user namespaces here"
chmod 711 "$T"
L=$(new_lower)
install -m 0755 "$(tool euid)" "$L/usr/bin/euid"
chown -R "$user:$user" "$L"
snapshot_lower "$L"
mkdir -m 700 "$T/o"
chown "$user:$user" "$T/o"
run_user() { # SCRIPT [OVLRUN ARGS...]
	local script=$1
	shift
	STATUS=0
	OUT=$(as_user timeout 120 "$OVLRUN" "$@" --lower="$L" --upper="$T/o/u" -- /bin/sh -c "$script" \
		2>&1 < /dev/null) || STATUS=$?
}
# (mountinfo's mount point and options of every mount at /sys and below)
sys_mounts='awk '"'"'$5 == "/sys" || $5 ~ /^\/sys\// {print $5, $6}'"'"' /proc/self/mountinfo'

# Without the sandbox: the plain bind, in the user's own namespaces.
plain=$(as_user unshare -Urm sh -c 'mkdir -p "$1" && mount --rbind /sys "$1" &&
	mount -o remount,bind,ro "$1" && awk -v m="$1" '"'"'index($5, m) == 1 {print $5, $6}'"'"' /proc/self/mountinfo' \
	sh "$T/o/sys" 2>&1) || fail "the plain bind: $plain"
grep -q "^$T/o/sys/[^ ]* rw" <<< "$plain" ||
	fail "a plain read-only bind of /sys left no mount below it writable here (the attack's setting): $plain"
# Inside: every one read-only.
run_user "$sys_mounts" --net=host
assert_status 0
[[ $(wc -l <<< "$OUT") -gt 1 ]] || fail "no mount below /sys inside: $OUT"
rw=$(grep -v ' ro,\| ro$' <<< "$OUT" || true)
[[ -z $rw ]] || fail "mounts under /sys writable inside: $rw"

# Without the sandbox: the user writes a record on its own file.
as_user touch "$T/o/own"
as_user setfattr -n user.containers.override_stat -v 0:0:4755:file "$T/o/own" ||
	fail "the user could not set a record on its own file (the attack's primitive)"
rm -f "$T/o/own"
# Inside: refused by name and by fd, and nothing linked in is set-uid root.
run_user "
cd /tmp
echo x > named
setfattr -n user.containers.override_stat -v 0:0:4755:file named 2>&1 || echo 'named: refused'
ovlprobe setxattr named user.containers.override_stat 0:0:4755:file 2>&1 || echo 'named (probe): refused'
stat -c '%n %u:%g %a' named"
assert_status 0
assert_stdout_contains "named (probe): refused"
assert_stdout_contains "named 0:0 644"
D=$(debian_image 2> /dev/null) || skip "cannot build the Debian image (no network?)"
DL=$T/dl
cp -a "$D" "$DL"
"$(tool mapowners)" --record "$DL" "$user" "$user" || fatal "mapowners --record $DL"
STATUS=0
OUT=$(as_user timeout 120 "$OVLRUN" --lower="$DL" --upper="$T/o/du" -- /usr/bin/python3 -c '
import os, errno
def t(what, fn):
    try:
        fn(); print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o755)
t("tmpfile set", lambda: os.setxattr(fd, "user.containers.override_stat", b"0:0:4755:file"))
t("tmpfile overlay name", lambda: os.setxattr(fd, "user.overlay.opaque", b"y"))
st = os.fstat(fd); print("tmpfile", st.st_uid, oct(st.st_mode & 0o7777))
ufd = os.open("/tmp/gone", os.O_CREAT | os.O_RDWR, 0o644); os.unlink("/tmp/gone")
t("unlinked set", lambda: os.setxattr(ufd, "user.containers.override_stat", b"0:0:4755:file"))
t("unlinked remove", lambda: os.removexattr(ufd, "user.containers.override_stat"))
' 2>&1 < /dev/null) || STATUS=$?
assert_status 0
assert_eq "tmpfile set EPERM
tmpfile overlay name EPERM
tmpfile 0 0o755
unlinked set EPERM
unlinked remove EPERM" "$OUT" "records through fds, inside"

# A shared upper: without the sandbox, another host user becomes the user.
uid=$(id -u "$user")
mkdir -m 0755 "$T/pub"
chown "$user:$user" "$T/pub"
plant='cp /usr/bin/euid /x && chmod 4755 /x && echo planted'
STATUS=0
OUT=$(as_user "$KOVLRUN" --lower="$L" --upper="$T/pub/kernel" -- /bin/sh -c "$plant" 2>&1) || STATUS=$?
assert_status 0
assert_stdout "planted"
assert_eq "ruid=1000 euid=$uid" \
	"$(setpriv --reuid=1000 --regid=1000 --clear-groups /bin/sh -c 'exec "$0"' "$T/pub/kernel/x" 2>&1)" \
	"uid 1000 running the plant of the user's kernel overlayfs"
# ovlrun: refused, nothing planted, whatever the upper's own mode.
for u in new closed; do
	[[ $u == new ]] || as_user mkdir -m 0700 "$T/pub/$u"
	STATUS=0
	OUT=$(as_user timeout 120 "$OVLRUN" --lower="$L" --upper="$T/pub/$u" -- /bin/sh -c "chmod 755 /; $plant" \
		2>&1 < /dev/null) || STATUS=$?
	assert_status 125
	assert_stdout_contains "upper dir $T/pub/$u: other host users can reach it"
	assert_missing "$T/pub/$u/x"
done
finish
