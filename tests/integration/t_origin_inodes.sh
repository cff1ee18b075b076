#!/usr/bin/env bash
# A copied-up file keeps its lower inode number through the origin record
# in the upper (the kernel's format): a second run reports it again, the
# kernel's overlayfs mounted on ovlrun's upper reports it, and ovlrun reads
# the records the kernel writes the same way.  d_ino agrees with st_ino.
# In the rootless pass (a user namespace cannot open file handles) the
# records are empty: a copy keeps its number for the run alone, and a later
# run shows the copy's own, as the kernel's userxattr mount does.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
L=$(new_lower)
mkdir -p "$L/data"
echo a > "$L/data/a"
echo b > "$L/data/b"
ia=$(stat -c %i "$L/data/a")
ib=$(stat -c %i "$L/data/b")

# ovlrun copies a up and moves it; the kernel copies b up.
sh_ovl "$L" "$T/u" 'chmod 600 /data/a && mv /data/a /data/a2 && stat -c %i /data/a2'
assert_status 0
assert_eq "$ia" "$OUT" "ovlrun: the number of a after its copy-up and rename"
"$KOVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c 'chmod 600 /data/b' || fail "kernel chmod"

if [[ $OVLRUN_ROOTLESS == 1 ]]; then
	own=$(as_ns_root stat -c %i "$T/u/data/a2" "$T/u/data/b")
	[[ $own != "$ia"$'\n'"$ib" ]] || fail "the copies have their lowers' numbers on the host (probe broken)"
	rec=$(as_ns_root python3 -c 'import os, sys
for p in sys.argv[1:]: print(len(os.getxattr(p, "user.overlay.origin")))' "$T/u/data/a2" "$T/u/data/b")
	assert_eq "0
0" "$rec" "the origin records of ovlrun's and the kernel's copies (empty)"
	sh_ovl "$L" "$T/u" 'stat -c %i /data/a2 /data/b; ovlprobe dino /data'
	assert_status 0
	assert_eq "$own
.: d_ino == st_ino
a2: d_ino == st_ino
b: d_ino == st_ino" "$OUT" "ovlrun, second run: the copies' own numbers, d_ino"
	k=$("$KOVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c 'stat -c %i /data/a2 /data/b') ||
		fail "kernel stat"
	assert_eq "$own" "$k" "the kernel's userxattr overlayfs: the copies' own numbers"
	finish
fi

# Both records read by ovlrun in a new run...
sh_ovl "$L" "$T/u" 'stat -c %i /data/a2 /data/b; ovlprobe dino /data'
assert_status 0
assert_eq "$ia
$ib
.: d_ino == st_ino
a2: d_ino == st_ino
b: d_ino == st_ino" "$OUT" "ovlrun, second run: numbers kept, d_ino"

# ...and by the kernel, which decodes a record only where its uuid is the
# lower filesystem's: ovlrun writes the one the kernel tells it
# (FS_IOC_GETFSUUID, Linux 6.5+ for ext4), a null one where it cannot learn
# it (the kernel then keeps the numbers only on a filesystem without one).
rec=$(getfattr --absolute-names -e hex -n trusted.overlay.origin "$T/u/data/a2" |
	sed -n 's/^trusted.overlay.origin=0x//p')
fs_uuid=$("$(tool fsuuid)" "$L")
k=$("$KOVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c 'stat -c %i /data/a2 /data/b') ||
	fail "kernel stat"
assert_eq "$ib" "$(sed -n 2p <<< "$k")" "the kernel's overlayfs: its own record"
if [[ $fs_uuid != unknown ]]; then
	assert_eq "$fs_uuid" "${rec:10:32}" "the uuid in ovlrun's record"
	assert_eq "$ia" "$(sed -n 1p <<< "$k")" "the kernel's overlayfs: ovlrun's record"
else
	log "note: the kernel does not tell the lower filesystem's uuid: ovlrun's record has none"
	assert_eq 00000000000000000000000000000000 "${rec:10:32}" "the uuid in ovlrun's record"
fi

# The same on a tmpfs (a random uuid), in a private mount namespace: the
# record carries the uuid, and the kernel finds the origin with it.
mkdir "$T/tm"
out=$(unshare -m --propagation private -- bash -c '
	set -e
	mount -t tmpfs -o mode=0700 tmpfs "$1"
	cp -a "$2" "$1/lower"
	stat -c %i "$1/lower/data/a"
	"$3" --lower="$1/lower" --upper="$1/u" -- /bin/sh -c "chmod 600 /data/a; mv /data/a /data/a2"
	"$3" --lower="$1/lower" --upper="$1/u" -- /bin/sh -c "stat -c %i /data/a2"
	"$4" --lower="$1/lower" --upper="$1/u" -- /bin/sh -c "stat -c %i /data/a2"
	[[ $("$5" "$1/lower") == $(getfattr --absolute-names -e hex -n trusted.overlay.origin \
		"$1/u/data/a2" | sed -n "s/^trusted.overlay.origin=0x//p" | cut -c11-42) ]] &&
		echo "uuid recorded"
	' _ "$T/tm" "$L" "$OVLRUN" "$KOVLRUN" "$(tool fsuuid)" 2>&1) || fail "tmpfs run: $out"
ino=$(head -1 <<< "$out")
assert_eq "$ino
$ino
$ino
uuid recorded" "$out" "on a tmpfs: ovlrun's second run, the kernel, the record's uuid"
finish
