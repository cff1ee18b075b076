#!/usr/bin/env bash
# tar c/x, sed -i, dd, truncate through ovlrun; results checked on the host.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data/src/sub"
printf 'alpha\nbeta\ngamma\n' > "$L/data/text"
echo 0123456789 > "$L/data/digits"
seq 1 1000 > "$L/data/numbers"
echo s > "$L/data/src/s"; echo t > "$L/data/src/sub/t"; ln -s s "$L/data/src/ls"
chmod 640 "$L/data/text"
snapshot_lower "$L"
U=$T/u

sh_ovl "$L" "$U" '
set -e
tar cf /tmp/src.tar -C /data src
tar tf /tmp/src.tar | sort
mkdir /tmp/out
tar xf /tmp/src.tar -C /tmp/out
cat /tmp/out/src/s /tmp/out/src/sub/t
readlink /tmp/out/src/ls
tar czf /tmp/src.tgz -C / data/src
tar tzf /tmp/src.tgz | sort | head -n2
sed -i "s/beta/BETA/; /gamma/d" /data/text
cat /data/text
stat -c "%a" /data/text
printf AB | dd of=/data/digits bs=1 seek=4 conv=notrunc 2>/dev/null
cat /data/digits
dd if=/dev/zero of=/tmp/zeros bs=1024 count=64 2>/dev/null
wc -c < /tmp/zeros
dd if=/data/numbers of=/tmp/n10 bs=1 count=10 2>/dev/null
cat /tmp/n10; echo
truncate -s 5 /data/numbers
cat /data/numbers; echo
truncate -s 1M /tmp/sparse
wc -c < /tmp/sparse
'
assert_status 0
assert_stdout "src/
src/ls
src/s
src/sub/
src/sub/t
s
t
s
data/src/
data/src/ls
alpha
BETA
640
0123AB6789
65536
1
2
3
4
5

1
2
3
1048576"
assert_file_content "$U/data/text" "alpha
BETA"
assert_mode "$U/data/text" 640
assert_file_content "$U/data/digits" "0123AB6789"
assert_eq 5 "$(stat -c %s "$U/data/numbers")" "size of truncated numbers"
assert_eq 1048576 "$(stat -c %s "$U/tmp/sparse")" "size of /tmp/sparse"
assert_file_content "$U/tmp/out/src/sub/t" "t"
assert_eq "s" "$(readlink "$U/tmp/out/src/ls")" "extracted symlink"
assert_eq "$(tar tf "$U/tmp/src.tar" | sort | tr '\n' ' ')" "src/ src/ls src/s src/sub/ src/sub/t " "tar listing of the archive on the host"
finish
