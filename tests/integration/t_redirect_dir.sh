#!/usr/bin/env bash
# needs host root: redirects, which the unprivileged format has not
# Moved directories are recorded in the kernel's redirect_dir format: the
# kernel's overlayfs (redirect_dir=on) mounted on an upper ovlrun wrote
# shows the same tree, ovlrun shows the tree of an upper the kernel wrote,
# and a second ovlrun run shows its own.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
L=$(new_lower)
mkdir -p "$L/data/a/sub" "$L/data/b" "$L/data/c" "$L/data/d/deep"
echo a > "$L/data/a/f"
echo s > "$L/data/a/sub/g"
echo c > "$L/data/c/h"
echo d > "$L/data/d/deep/i"
ln -s /etc "$L/data/ln"
snapshot_lower "$L"
tree='find /data | sort; cat /data/b/a2/f /data/b/a2/sub/g /data/c2/h /data/b/d2/deep/i'

# ovlrun moves a (to another dir) and c (within its dir); the kernel moves d.
sh_ovl "$L" "$T/u" 'mv /data/a /data/b/a2 && mv /data/c /data/c2'
assert_status 0
"$KOVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c 'mv /data/d /data/b/d2' ||
	fail "the kernel's move"
want="/data
/data/b
/data/b/a2
/data/b/a2/f
/data/b/a2/sub
/data/b/a2/sub/g
/data/b/d2
/data/b/d2/deep
/data/b/d2/deep/i
/data/c2
/data/c2/h
/data/ln
a
s
c
d"
sh_ovl "$L" "$T/u" "$tree"
assert_eq "$want" "$OUT" "ovlrun, a second run: both moves"
k=$("$KOVLRUN" --lower="$L" --upper="$T/u" -- /bin/sh -c "$tree" 2>&1) || fail "kernel: $k"
assert_eq "$want" "$k" "the kernel's overlayfs on the same upper"
assert_eq '"/data/a"' "$(getfattr --absolute-names --only-values -n trusted.overlay.redirect \
	"$T/u/data/b/a2" 2>/dev/null | sed 's/.*/"&"/')" "the redirect ovlrun wrote (absolute)"

# A redirect the upper brings (an upper from elsewhere) reaches nothing but
# the lowers: "..", an empty component and a symlink on the way are
# refused or end the lookup, as in the kernel's overlayfs.
for side in kernel ovlrun; do
	u=$T/crafted-$side
	mkdir -p "$u/data/dots" "$u/data/empty" "$u/data/viasym"
	setfattr -n trusted.overlay.redirect -v "/../../etc" "$u/data/dots"
	setfattr -n trusted.overlay.redirect -v "/data//b" "$u/data/empty"
	setfattr -n trusted.overlay.redirect -v "/data/ln" "$u/data/viasym"
done
script='for d in dots empty viasym; do ls /data/$d > /dev/null 2>&1; echo "$d $?"; ls /data/$d 2>/dev/null | head -3; done'
k=$("$KOVLRUN" --lower="$L" --upper="$T/crafted-kernel" -- /bin/sh -c "$script" 2>&1) ||
	fail "kernel: $k"
sh_ovl "$L" "$T/crafted-ovlrun" "$script"
log "crafted redirects: $OUT"
assert_eq "$k" "$OUT" "crafted redirects: ovlrun as the kernel's overlayfs"
assert_eq "" "$(grep -E '^(passwd|hostname|shadow)$' <<< "$OUT")" "no host /etc entry listed"
finish
