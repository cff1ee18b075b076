#!/usr/bin/env bash
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there)
# --index=on over index dirs the kernel's overlayfs made and then someone
# changed, and over a layer without file handles: ovlrun does what the
# kernel's index=on mount does.  A whiteout entry: its names give EIO; an
# entry whose origin record names another file: removed as stale (its
# names leave the index); an entry without an origin record, or a name
# that is no handle: refused (status 125); a layer whose filesystem makes
# no file handles (an overlayfs): the index is off, with a warning.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
L=$(new_lower)
mkdir -p "$L/data"
for p in a:b x:y p:q; do echo "${p%:*}" > "$L/data/${p%:*}"; ln "$L/data/${p%:*}" "$L/data/${p#*:}"; done
show='cd /data; for f in a b x y p q; do echo "$f $(stat -c %h $f 2>&1) $(cat $f 2>&1 | tr "\n" " ")"; done'

# index entry of the file whose upper name is NAME, in work dir W
entry() { local i f; i=$(stat -c %i "$1/data/$3"); for f in "$2"/index/*; do [[ $(stat -c %i "$f") == "$i" ]] && echo "$f"; done; true; }
craft() { # CASE U W: what someone did to the kernel's index
	local u=$2 w=$3
	case $1 in
	whiteout) local e; e=$(entry "$u" "$w" p); rm "$u/data/p" "$e"; mknod "$e" c 0 0 ;;
	mismatch) setfattr -n trusted.overlay.origin -v "$(getfattr --absolute-names -e hex -n trusted.overlay.origin \
			"$(entry "$u" "$w" a)" | sed -n 's/^trusted.overlay.origin=//p')" "$(entry "$u" "$w" x)" ;;
	noorigin) local e; e=$(entry "$u" "$w" p); rm "$u/data/p"; setfattr -x trusted.overlay.origin "$e" ;;
	junk) echo hi > "$w/index/junkname" ;;
	esac
}
for c in whiteout mismatch noorigin junk; do
	for side in kernel ovlrun; do
		u=$T/$c-$side/u w=$T/$c-$side/w
		mkdir -p "$u" "$w"
		"$KOVLRUN" --lower="$L" --upper="$u" --work="$w" --index=on -- /bin/sh -c \
			'for f in a x p; do echo more >> /data/$f; done' || fail "$c: the kernel's first mount"
		craft "$c" "$u" "$w"
		bin=$KOVLRUN; [[ $side == ovlrun ]] && bin=$OVLRUN
		st=0
		out=$("$bin" --lower="$L" --upper="$u" --work="$w" --index=on -- /bin/sh -c "$show" 2> /dev/null) || st=$?
		printf '%s\nstatus %s\n' "$out" "$st" > "$T/$c.$side"
	done
	assert_eq "$(cat "$T/$c.kernel")" "$(cat "$T/$c.ovlrun")" "$c: ovlrun as the kernel's index=on"
done
grep -q "status 125" "$T/junk.ovlrun" || fail "a junk index entry: not refused"
grep -q "Input/output error" "$T/whiteout.ovlrun" || fail "a whiteout entry: no EIO"

# a lower on a filesystem without file handles: the index is off (the
# second name of p keeps the lower file), with a warning
if [[ $OVLRUN != "$KOVLRUN" ]]; then
	mkdir -p "$T/nh/l" "$T/nh/u" "$T/nh/w" "$T/nh/m" "$T/nh/top"
	echo y > "$T/nh/top/p"; ln "$T/nh/top/p" "$T/nh/top/q"
	out=$(unshare -m --propagation private -- bash -c '
		mount -t overlay ovl -o lowerdir="$1/l",upperdir="$1/u",workdir="$1/w" "$1/m" &&
		"$2" --lower="$1/top:$1/m:$3" --upper="$1/up" --work="$1/wk" --index=on -- \
			/bin/sh -c "echo more >> /p; cat /q; stat -c %h /p /q"' _ "$T/nh" "$OVLRUN" "$L" 2>&1)
	assert_eq "ovlrun: --index=on: a layer's filesystem cannot make file handles: going on with --index=off, as the kernel's overlayfs falls back
y
1
2" "$out" "a lower without file handles"
fi
finish
