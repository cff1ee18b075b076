#!/usr/bin/env bash
# Whatever the command does to lower files — write, append, chmod, chown,
# truncate, touch, xattrs, rm, rename, hard links, fd-based fchmod/fchown/
# futimens/fsetxattr/ioctl(FS_IOC_SETFLAGS), writes through /proc/self/fd —
# the lower stays byte-for-byte identical (checked by finish, with inode flags).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init

mk_lower() {
	local l
	l=$(new_lower)
	mkdir -p "$l/data/dir"
	for f in w a c o t m x r n h p fm fo fu fx fl pf dd sd; do echo "lower-$f" > "$l/data/$f"; done
	echo inner > "$l/data/dir/inner"
	chmod 444 "$l/data/r"
	printf '%s\n' "$l"
}

# The fd-based probes work: on a scratch host file they change it.
scratch=$T/scratch
echo s > "$scratch"
probe_bin=$(image_dir)/usr/bin/ovlprobe
if [[ ! -e /opt/ovl-ld/ld.so ]]; then
	# ovlprobe needs the image's loader; run it with that loader explicitly
	run_probe() { "$(image_dir)/opt/ovl-ld/ld.so" --library-path "$(image_dir)/lib/$(gcc -print-multiarch)" "$probe_bin" "$@"; }
else
	run_probe() { "$probe_bin" "$@"; }
fi
run_probe fchmod "$scratch" 600 && assert_mode "$scratch" 600
run_probe fchown "$scratch" 1000 1000 && assert_owner "$scratch" 1000:1000
run_probe futimens "$scratch" && assert_eq 1000000000 "$(stat -c %Y "$scratch")" "futimens probe"
run_probe fsetxattr "$scratch" user.p v && assert_eq v "$(getfattr --only-values -n user.p "$scratch" 2>/dev/null)" "fsetxattr probe"

workload='
echo new > /data/w
echo more >> /data/a
chmod 600 /data/c
chown 1000:1000 /data/o
truncate -s 0 /data/t
touch -d "2001-01-01 00:00:00" /data/m
ovlprobe setxattr /data/x user.k v
chmod 666 /data/r
rm /data/n
mv /data/h /data/h2
ln /data/p /data/p2 && echo linked >> /data/p2
ovlprobe fchmod /data/fm 600
ovlprobe fchown /data/fo 1000 1000
ovlprobe futimens /data/fu
ovlprobe fsetxattr /data/fx user.k v
ovlprobe setflags /data/fl
ovlprobe ftruncate /data/fl 0
( exec 3< /data/pf; echo via-proc > /proc/self/fd/3 )
( exec 4<> /data/dd; echo XX >&4 )
printf Y | dd of=/data/sd bs=1 seek=1 conv=notrunc 2>/dev/null
rm -rf /data/dir
echo done
'
# Writable overlay: the operations succeed in the merged view.
L=$(mk_lower)
snapshot_lower "$L"
sh_ovl "$L" "$T/u" "$workload
cat /data/w /data/a /data/t /data/p; stat -c '%n %a %u:%g' /data/c /data/o /data/r
ls /data"
assert_stdout "done
new
lower-a
more
lower-p
linked
/data/c 600 0:0
/data/o 644 1000:1000
/data/r 666 0:0
a
c
dd
fl
fm
fo
fu
fx
h2
m
o
p
p2
pf
r
sd
t
w
x"
assert_whiteout "$T/u/data/n"
assert_whiteout "$T/u/data/dir"

# Read-only overlay: they all fail and nothing changes.
L2=$(mk_lower)
snapshot_lower "$L2"
sh_ovl "$L2" "" "$workload"
assert_stdout "done"
[[ $ERR == *"Read-only file system"* ]] || fail "no EROFS reported in read-only mode: $ERR"
finish
