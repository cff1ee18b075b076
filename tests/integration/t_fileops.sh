#!/usr/bin/env bash
# cp -a, mv, rm -rf, ln, ln -s, chmod, chown, touch, mkdir -p, find through
# ovlrun; checked inside and on the host (upper contents, whiteouts, opaque).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data/dir/sub" "$L/data/tree/a/b" "$L/data/old/x"
echo a > "$L/data/a"; echo b > "$L/data/b"; echo c > "$L/data/c"
echo x > "$L/data/dir/x"; echo y > "$L/data/dir/sub/y"; ln -s x "$L/data/dir/lx"
echo t > "$L/data/tree/a/b/t"; echo o > "$L/data/old/x/o"
as_ns_root sh -c 'chown 1000:1000 "$1" && chmod 750 "$1"' sh "$L/data/dir/sub"
snapshot_lower "$L"
U=$T/u

sh_ovl "$L" "$U" '
set -e
cp -a /data/dir /data/dircopy
mv /data/a /data/a2
rm -rf /data/tree
ln /data/b /data/b.hard
ln -s /data/c /data/c.sym
ln -s ../missing /data/dangling
chmod 600 /data/c
chown 1000:1000 /data/b
touch -d "2005-05-05 05:05:05" /data/dir/x
touch /data/touched
mkdir -p /data/new/deep/er
rm -rf /data/old
mkdir /data/old
echo fresh > /data/old/f
find /data | sort
stat -c "%n %a %u:%g %h" /data/b /data/b.hard /data/c /data/dircopy/sub
stat -c "%n %Y" /data/dir/x
cat /data/c.sym /data/a2 /data/old/f
readlink /data/dircopy/lx
'
assert_status 0
assert_stdout "/data
/data/a2
/data/b
/data/b.hard
/data/c
/data/c.sym
/data/dangling
/data/dir
/data/dir/lx
/data/dir/sub
/data/dir/sub/y
/data/dir/x
/data/dircopy
/data/dircopy/lx
/data/dircopy/sub
/data/dircopy/sub/y
/data/dircopy/x
/data/new
/data/new/deep
/data/new/deep/er
/data/old
/data/old/f
/data/touched
/data/b 644 1000:1000 2
/data/b.hard 644 1000:1000 2
/data/c 600 0:0 1
/data/dircopy/sub 750 1000:1000 2
/data/dir/x 1115269505
c
a
fresh
x"
assert_stderr ""

# Host view of the upper.
assert_whiteout "$U/data/a"
assert_whiteout "$U/data/tree"
assert_file_content "$U/data/a2" "a"
assert_opaque "$U/data/old"
assert_file_content "$U/data/old/f" "fresh"
assert_missing "$U/data/old/x"
assert_not_opaque "$U/data"
assert_not_opaque "$U/data/dir"
assert_owner "$U/data/b" "1000:1000"
assert_eq "$(stat -c %i "$U/data/b")" "$(stat -c %i "$U/data/b.hard")" "inode of b and b.hard in the upper"
assert_mode "$U/data/c" 600
assert_eq "/data/c" "$(readlink "$U/data/c.sym")" "symlink c.sym in the upper"
assert_eq "../missing" "$(readlink "$U/data/dangling")" "symlink dangling in the upper"
assert_eq 1115269505 "$(stat -c %Y "$U/data/dir/x")" "mtime of the copied-up dir/x"
assert_file_content "$U/data/dir/x" "x"
assert_missing "$U/data/dir/sub"
assert_file_content "$U/data/dircopy/sub/y" "y"
assert_owner "$U/data/dircopy/sub" "1000:1000"
assert_type "$U/data/new/deep/er" "directory"
assert_type "$U/data/touched" "regular empty file"

# A second run sees the same merged tree.
sh_ovl "$L" "$U" 'ls /data; cat /data/a'
assert_status 1
assert_stdout "a2
b
b.hard
c
c.sym
dangling
dir
dircopy
new
old
touched"
assert_stderr "cat: can't open '/data/a': No such file or directory"
finish
