#!/usr/bin/env bash
# The upper uses the kernel's format: an upper written by ovlrun mounts with
# the kernel's overlayfs and shows the same tree, and the reverse.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
L=$(new_lower)
mkdir -p "$L/data/d/sub" "$L/data/keep"
echo f > "$L/data/f"; echo g > "$L/data/g"; echo x > "$L/data/d/x"; echo k > "$L/data/keep/k"
snapshot_lower "$L"

write='
rm /data/f
rm -rf /data/d && mkdir /data/d && echo new > /data/d/new
echo changed > /data/g
mkdir -p /data/keep/more && echo m > /data/keep/more/m
ln -s g /data/lnk
chmod 700 /data/keep'
show='find /data | sort; cat /data/g /data/d/new /data/keep/k; readlink /data/lnk; stat -c "%n %a" /data/keep'
expected="/data
/data/d
/data/d/new
/data/g
/data/keep
/data/keep/k
/data/keep/more
/data/keep/more/m
/data/lnk
changed
new
k
g
/data/keep 700"

# ovlrun writes, the kernel reads.
sh_ovl "$L" "$T/u1" "$write"
assert_status 0
assert_whiteout "$T/u1/data/f"
assert_opaque "$T/u1/data/d"
assert_not_opaque "$T/u1/data/keep"
STATUS=0
timeout 60 "$KOVLRUN" --lower="$L" --upper="$T/u1" -- /bin/sh -c "$show" > "$T/.run/k1" 2>&1 || STATUS=$?
assert_eq 0 "$STATUS" "kernel overlayfs on ovlrun's upper: status"
assert_eq "$expected" "$(cat "$T/.run/k1")" "kernel overlayfs on ovlrun's upper: view"

# The kernel writes, ovlrun reads.
STATUS=0
timeout 60 "$KOVLRUN" --lower="$L" --upper="$T/u2" -- /bin/sh -c "$write" > "$T/.run/k2" 2>&1 || STATUS=$?
assert_eq 0 "$STATUS" "kernel overlayfs writing: status"
sh_ovl "$L" "$T/u2" "$show"
assert_status 0
assert_stdout "$expected"

# Both uppers hold the same tree (kernel bookkeeping xattrs aside).
upper_dump "$T/u1" > "$T/.run/d1"; upper_dump "$T/u2" > "$T/.run/d2"
diff -u "$T/.run/d2" "$T/.run/d1" >&2 || fail "upper written by ovlrun differs from the kernel's (diff above: - kernel, + ovlrun)"
finish
