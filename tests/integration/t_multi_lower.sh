#!/usr/bin/env bash
# --lower=A:B:C, leftmost on top: shadowing, whiteouts and opaque dirs in
# the lower layers; copy-up takes the topmost file.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
C=$(new_lower)
A=$T/A B=$T/B
mkdir -p "$A/data/opq" "$B/data/opq" "$C/data/opq" "$B/data/dir"
echo A > "$A/data/f"; echo B > "$B/data/f"; echo C > "$C/data/f"
echo B > "$B/data/g"; echo C > "$C/data/g"
echo C > "$C/data/h"
echo C > "$C/data/wh"; as_ns_root mknod "$A/data/wh" c 0 0
echo C > "$C/data/opq/c"; echo B > "$B/data/opq/b"; echo A > "$A/data/opq/a"
setfattr -n "$OVL_XATTR.opaque" -v y "$B/data/opq"
echo B > "$B/data/dir/b"
snapshot_lower "$A"; snapshot_lower "$B"; snapshot_lower "$C"
U=$T/u

sh_ovl "$A:$B:$C" "$U" '
cat /data/f /data/g /data/h
ls /data
ls /data/opq
cat /data/wh
echo more >> /data/g
cat /data/g
'
assert_status 0
assert_stdout "A
B
C
dir
f
g
h
opq
a
b
B
more"
assert_stderr "cat: can't open '/data/wh': No such file or directory"
assert_file_content "$U/data/g" "B
more"
# The order matters: C:B:A shows the other files.
sh_ovl "$C:$B:$A" "" 'cat /data/f /data/wh; ls /data/opq'
assert_status 0
assert_stdout "C
C
b
c"
finish
