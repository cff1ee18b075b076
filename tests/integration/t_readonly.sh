#!/usr/bin/env bash
# Without --upper the overlay is read-only: every write fails with EROFS,
# reads work, nothing is written anywhere.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data/dir"
echo content > "$L/data/f"
snapshot_lower "$L"
before=$(ls -A "$T")

sh_ovl "$L" "" '
cat /data/f
try() { "$@" 2>/dev/null; echo "$1 $?"; }
try sh -c "echo x > /data/f"
try sh -c "echo x >> /data/f"
try sh -c "echo x > /tmp/new"
try touch /data/f
try touch /data/new
try mkdir /data/d
try rmdir /data/dir
try rm /data/f
try mv /data/f /data/g
try chmod 600 /data/f
try chown 1000 /data/f
try ln -s x /data/l
try ln /data/f /data/h
try mkfifo /data/p
try truncate -s 0 /data/f
try ovlprobe setxattr /data/f user.x y
cat /data/f
touch /data/new 2>&1
echo ok > /dev/null && echo devnull
'
assert_status 0
assert_stdout "content
sh 1
sh 1
sh 1
touch 1
touch 1
mkdir 1
rmdir 1
rm 1
mv 1
chmod 1
chown 1
ln 1
ln 1
mkfifo 1
truncate 1
ovlprobe 1
content
touch: /data/new: Read-only file system
devnull"
assert_eq "$before" "$(ls -A "$T")" "entries next to the lower (no upper/work dir created)"
finish
