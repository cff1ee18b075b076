#!/usr/bin/env bash
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there)
# --index=on keeps the names of a hard-linked lower file one file across
# runs and across the kernel: a second ovlrun run, the kernel's overlayfs
# mounted with index=on on ovlrun's upper and work dir, and ovlrun on the
# kernel's, all show the copy through every name with the lower's inode
# number and the overlay's link count.  The default work dir keeps the
# index between runs; an upper made over other layers is refused, as the
# kernel refuses it; --index=off leaves the index alone.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
L=$(new_lower)
mkdir -p "$L/data/sub"
echo data > "$L/data/a"; ln "$L/data/a" "$L/data/b"; ln "$L/data/a" "$L/data/sub/c"
ino=$(stat -c %i "$L/data/a")
show='cat /data/b /data/sub/c; stat -c "%i %h %a" /data/a /data/b /data/sub/c'
want="data
more
data
more
$ino 3 640
$ino 3 640
$ino 3 640"

# ovlrun writes, then a second run and the kernel read
run_ovl --lower="$L" --upper="$T/u" --work="$T/w" --index=on -- /bin/sh -c \
	'echo more >> /data/a && chmod 640 /data/sub/c'
assert_status 0
run_ovl --lower="$L" --upper="$T/u" --work="$T/w" --index=on -- /bin/sh -c "$show"
assert_status 0
assert_eq "$want" "$OUT" "ovlrun, second run"
k=$("$KOVLRUN" --lower="$L" --upper="$T/u" --work="$T/w" --index=on -- /bin/sh -c "$show") ||
	fail "kernel on ovlrun's upper"
assert_eq "$want" "$k" "the kernel's overlayfs (index=on) on ovlrun's upper and work dir"

# the kernel writes, ovlrun reads
"$KOVLRUN" --lower="$L" --upper="$T/ku" --work="$T/kw" --index=on -- /bin/sh -c \
	'echo more >> /data/a && chmod 640 /data/sub/c' || fail "kernel write"
run_ovl --lower="$L" --upper="$T/ku" --work="$T/kw" --index=on -- /bin/sh -c "$show"
assert_status 0
assert_eq "$want" "$OUT" "ovlrun on the kernel's upper and work dir"
# ... and a name removed by ovlrun counts on the kernel's record
run_ovl --lower="$L" --upper="$T/ku" --work="$T/kw" --index=on -- /bin/sh -c \
	'rm /data/b && stat -c %h /data/a'
assert_eq 2 "$OUT" "ovlrun removes a name on the kernel's upper"
k=$("$KOVLRUN" --lower="$L" --upper="$T/ku" --work="$T/kw" --index=on -- \
	/bin/sh -c 'stat -c %h /data/a /data/sub/c') || fail "kernel after ovlrun's rm"
assert_eq "2
2" "$k" "the kernel reads the count ovlrun left"

# ovlrun's default work dir (hidden next to the upper) keeps the index
# (kovlrun, the harness's self-check, removes the one it makes)
if [[ $OVLRUN != "$KOVLRUN" ]]; then
	mkdir -m 700 "$T/d"
	run_ovl --lower="$L" --upper="$T/d/u" --index=on -- /bin/sh -c \
		'echo more >> /data/a; chmod 640 /data/a'
	assert_status 0
	assert_exists "$T/d/.u.ovlrun-work/index"
	run_ovl --lower="$L" --upper="$T/d/u" --index=on -- /bin/sh -c "$show"
	assert_eq "$want" "$OUT" "second run with the default work dir"
fi

# --index=off: as the kernel's index=off (b shows the lower), the index kept
run_ovl --lower="$L" --upper="$T/u" --work="$T/w" --index=off -- /bin/sh -c 'cat /data/b'
assert_eq "data" "$OUT" "--index=off: the lower name shows the lower file"
k=$("$KOVLRUN" --lower="$L" --upper="$T/u" --work="$T/w" --index=off -- /bin/sh -c 'cat /data/b') ||
	fail "kernel index=off"
assert_eq "data" "$k" "the kernel with index=off"
[[ -n $(ls "$T/w/index") ]] || fail "--index=off removed the index"

# the same upper over other layers: refused by both
L2=$(new_lower)
run_ovl --lower="$L2" --upper="$T/u" --work="$T/w" --index=on -- /bin/true
assert_status 125
[[ $OVLRUN == "$KOVLRUN" ]] || assert_stderr_contains "made with other layers"
"$KOVLRUN" --lower="$L2" --upper="$T/u" --work="$T/w" --index=on -- /bin/true 2> /dev/null &&
	fail "the kernel mounted an index=on upper over other layers"
finish
