#!/usr/bin/env bash
# needs host root: it switches to a user itself and makes that user's image
# Owners a run by a user cannot give host files, kept in owner records
# (user.containers.override_stat), so that dpkg and apt-get keep them across
# runs.  The user (ovlrun-single) has no subordinate ids: ovlrun maps it
# alone.  Its Debian image is the test image as a rootless image store
# unpacks it for such a user (tests/tools/mapowners.c --record): every file
# the user's, the owners it cannot have (shadow's group, _apt, the device
# nodes) in records.  Two runs on one upper: dpkg -i, apt-get install from
# a local repository, chown/chgrp/chmod to ids the namespace does not map,
# mknod of devices, then what the second run sees.  The oracle is the same
# two runs as root on the kernel's overlayfs over the root's image: the
# same output.  The kernel's userxattr mount refuses all of it (EINVAL,
# EPERM: t_rootless); ovlrun's upper holds the records.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "the kernel's side is this test's own"
use_debian_image
user=$(test_user ovlrun-single)
as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups "$@"; }
as_user unshare -Ur true 2> /dev/null || skip "no unprivileged user namespaces here"

chmod 711 "$T"
img=$T/img
cp -a "$D" "$img"
"$(tool mapowners)" --record "$img" "$user" "$user" || fatal "mapowners --record $img"
[[ $(getfattr --absolute-names --only-values -n user.containers.override_stat "$img/etc/shadow") == 0:42:0640:file ]] ||
	fatal "the user's image: /etc/shadow has no record 0:42:0640:file"
# (its state: the full dump of a Debian tree takes long; the ctime of
# every entry moves with any change)
img_state() { (cd "$1" && find . -printf '%p %y %m %U:%G %n %s %C@\n' | LC_ALL=C sort); }
img_state "$img" > "$T/img.before"
mkdir -m 700 "$T/o"
chown "$user:$user" "$T/o"

run1='
set -e
export DEBIAN_FRONTEND=noninteractive
echo "deb [trusted=yes] file:/debs/repo ./" > /etc/apt/sources.list
apt-get -o APT::Sandbox::User=root update -qq
apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends jq > /dev/null
dpkg -i /debs/hello_*.deb > /dev/null
echo "{\"a\": 1}" | jq -c .a
mkdir -p /srv/data; echo x > /srv/data/f
chown 1000:50 /srv/data/f; chgrp 42 /srv/data; chmod 2770 /srv/data
touch /srv/data/new
chown 4242 /usr/bin/hello; chmod 4755 /usr/bin/hello
mknod /srv/null c 1 3; mknod /srv/sda b 8 0; chown 0:6 /srv/sda; chmod 660 /srv/sda
'
show='
stat -c "%n %u:%g %a %F %t:%T" /etc/shadow /etc/gshadow /usr/bin/chage /usr/bin/expiry \
	/var/mail /var/log/apt /var/cache/apt/archives/partial /var/lib/apt/lists/partial \
	/usr/bin/jq /usr/bin/hello /srv/data /srv/data/f /srv/data/new /srv/null /srv/sda
dpkg-query -W -f="\${Package} \${Status}\n" jq hello
ls -ln /srv/data | sed "s/ [A-Z][a-z][a-z] .[0-9] [0-9:]* / /"
'
run_user() { # SCRIPT
	STATUS=0
	OUT=$(as_user timeout 300 "$OVLRUN" --lower="$img" --upper="$T/o/u" -- /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$1" 2>&1 < /dev/null) || STATUS=$?
}
run_kernel() { # SCRIPT (output and errors, as run_user)
	timeout 300 "$KOVLRUN" --lower="$D" --upper="$T/k" -- /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$1" 2>&1 < /dev/null
}
want1=$(run_kernel "$run1$show") || fail "the kernel's first run: $want1"
want2=$(run_kernel "$show") || fail "the kernel's second run: $want2"
run_user "$run1$show"
assert_status 0
assert_eq "$want1" "$OUT" "the first run against root's on the kernel's overlayfs"
run_user "$show"
assert_status 0
assert_eq "$want2" "$OUT" "the second run against root's on the kernel's overlayfs"
# /dev/null is the host's node, not the image's recorded one: its owner,
# host root, is no id of the user's namespace (the overflow ids, as in a
# rootless container; root's run shows 0:0)
run_user 'stat -c "%u:%g %a %F %t:%T" /dev/null'
assert_stdout "$(cat /proc/sys/kernel/overflowuid):$(cat /proc/sys/kernel/overflowgid) 666 character special file 1:3"

# in the upper: the user's files, what they are in records
rec() { getfattr --absolute-names --only-values -n user.containers.override_stat "$T/o/u$1" 2>&1; }
assert_eq "0:0:0644:char-1-3" "$(rec /srv/null)" "the record of /srv/null"
assert_eq "0:6:0660:block-8-0" "$(rec /srv/sda)" "the record of /srv/sda"
assert_eq "4242:0:4755:file" "$(rec /usr/bin/hello)" "the record of /usr/bin/hello"
assert_eq "1000:50:0644:file" "$(rec /srv/data/f)" "the record of /srv/data/f"
for p in /srv/null /srv/data/f /usr/bin/hello; do
	[[ -f $T/o/u$p && ! -L $T/o/u$p && $(stat -c %u:%g "$T/o/u$p") == "$user:$user" ]] ||
		fail "$p in the upper: $(stat -c '%u:%g %F' "$T/o/u$p"), not the user's regular file"
done
img_state "$img" > "$T/img.after"
diff -u "$T/img.before" "$T/img.after" >&2 || fail "the user's image changed"
finish
