#!/usr/bin/env bash
# Copy-up is atomic: SIGKILL of ovlrun at any moment of a copy-up never
# leaves a partial file under its final name, the upper still mounts with the
# kernel's overlayfs, and the next ovlrun on it works.
#
# At least 100 kills must land, at least 20 of them while a copy-up was in
# progress, decided from evidence by tests/tools/killprobe.c: it stops the
# supervisor (every thread), looks at its open files and kills it while
# stopped.  A kill is mid-copy when the stopped supervisor held an unlinked
# O_TMPFILE of the upper or a "#ovl.*" temp of the work dir, or when the kill
# left a "#ovl.*" temp in the work dir (a directory copy-up).  The kill
# points cycle: once the sandbox exists, once a copy-up temp file exists,
# once it holds 30/60/90% of the data, once the copy is linked in.
# After each kill, before any next run:
#  * no process of the run survives;
#  * every regular file in the upper is complete (the lower's content, or it
#    plus the append), no temp name is in the upper, every entry matches the
#    lower's type;
#  * the upper mounts with mount -t overlay (tests/tools/kovlrun's options,
#    private mount namespace) and the merged view shows complete files;
#  * the next ovlrun on that upper (the killed run's work dir still there)
#    runs and sees complete files.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
shopt -s extglob
ovl_init
# SIGKILL of the kernel reference's wrapper script leaves its namespace
# running: this property is ovlrun's own.
[[ $OVLRUN != "$KOVLRUN" ]] || skip "not applicable to the kernel reference (kovlrun)"
require_kernel_overlay
probe=$(tool killprobe)

KILLS_WANTED=100 MIDCOPY_WANTED=20 TIME_LIMIT=100
L=$(new_lower)
mkdir -p "$L/data/d1/d2"
size=$((64 * 1024 * 1024))
( set +o pipefail; yes 0123456789abcdef | head -c "$size" ) > "$L/data/d1/d2/big"
echo small > "$L/data/d1/small"
snapshot_lower "$L"
# Copies up data, d1, d2 (directories: temps in the work dir), big (an
# O_TMPFILE) and small, each then appended to.
script='echo x >> /data/d1/d2/big && echo x >> /data/d1/small'

# complete FILE LOWER-FILE: FILE holds LOWER-FILE's content, or it plus "x\n".
complete() {
	local n m
	n=$(stat -c %s "$2") m=$(stat -c %s "$1")
	if [[ $m -eq $n ]]; then
		cmp -s "$1" "$2"
	elif [[ $m -eq $((n + 2)) ]]; then
		cmp -s -n "$n" "$1" "$2" && [[ $(tail -c 2 "$1") == x ]]
	else
		return 1
	fi
}

# check_upper WHAT U: every entry of the upper U is whole (see above).
check_upper() {
	local what=$1 u=$2 type path
	while IFS=' ' read -r type path; do
		case $path in
		\#* | */\#*) fail "$what: temp name in the upper: $path"; continue ;;
		esac
		case $type in
		d) [[ -d $L/$path && ! -L $L/$path ]] || fail "$what: $path: a dir not in the lower" ;;
		f) complete "$u/$path" "$L/$path" ||
			fail "$what: $path: partial file under its final name ($(stat -c %s "$u/$path") bytes)" ;;
		*) fail "$what: $path: unexpected entry of type $type" ;;
		esac
	done < <(cd "$u" && find . -mindepth 1 -printf '%y %P\n')
}

# check_kernel WHAT U: mount the upper with the kernel's overlayfs and check
# the merged view of every file (the rootless pass: the user's mount, in
# its own user namespace, of the unprivileged format).
kopts=redirect_dir=off
[[ $OVLRUN_ROOTLESS != 1 ]] || kopts=userxattr
check_kernel() {
	local what=$1 u=$2 out st=0
	mkdir "$T/r/kwork" "$T/r/merged"
	out=$(as_ns_root unshare -m --propagation private -- sh -c '
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3,$6,index=off,metacopy=off,xino=off" "$4" || exit 1
		cd "$4/data" && find . -printf "%y %P\n" | LC_ALL=C sort && cat d1/small && cmp -s -n "$5" d1/d2/big "$1/data/d1/d2/big" && stat -c %s d1/d2/big
		' _ "$L" "$u" "$T/r/kwork" "$T/r/merged" "$size" "$kopts" 2>&1) || st=$?
	local want="d 
d d1
d d1/d2
f d1/d2/big
f d1/small
small"
	if [[ $st -ne 0 ]]; then
		fail "$what: mount -t overlay of the upper or its merged view failed (status $st):"
		_show "$out"
	elif [[ $out != "$want"?($'\n'x)$'\n'@($size|$((size + 2))) ]]; then
		fail "$what: merged view of the upper in the kernel's overlayfs:"
		_show "$out"
	fi
}

# check_next WHAT U: the next ovlrun on U runs and sees complete files.
check_next() {
	local what=$1 u=$2
	run_ovl --lower="$L" --upper="$u" -- /bin/sh -c 'cat /data/d1/small; stat -c %s /data/d1/d2/big'
	assert_status 0 || { log "  ($what)"; return; }
	[[ $OUT == small?($'\n'x)$'\n'@($size|$((size + 2))) ]] ||
		fail "$what: next run sees: $(tr '\n' ' ' <<< "$OUT")"
}

kills=0 midcopy=0 by_fd=0 by_work=0 exited=0 runs=0
modes=("spawn" "copy 0 $size" "copy 30 $size" "copy 60 $size" "copy 90 $size"
	"linked $T/r/u/data/d1/d2/big")
start=$SECONDS
while [[ $kills -lt $KILLS_WANTED && $((SECONDS - start)) -lt $TIME_LIMIT ]]; do
	mode=${modes[runs % ${#modes[@]}]}
	runs=$((runs + 1))
	rm -rf "$T/r"; mkdir "$T/r"
	U=$T/r/u W=$T/r/.u.ovlrun-work
	"$OVLRUN" --lower="$L" --upper="$U" -- /bin/sh -c "$script" < /dev/null > /dev/null 2> "$T/r/err" &
	pid=$!
	# shellcheck disable=SC2086 # mode is "NAME ARGS..."
	res=$("$probe" "$pid" $mode) || fatal "killprobe $pid $mode failed: $res"
	wait "$pid" 2> /dev/null || true
	if [[ $res == exited ]]; then
		exited=$((exited + 1))
		continue
	fi
	kills=$((kills + 1))
	what="kill $kills ($mode)"
	[[ $res == *survivors=0* ]] || fail "$what: processes of the run survived ovlrun: $res"
	mid=0
	[[ $res == *midcopy=1* ]] && { mid=1; by_fd=$((by_fd + 1)); }
	if [[ -d $W && -n $(find "$W" -name '#ovl.*' -print -quit) ]]; then
		[[ $mid -eq 1 ]] || by_work=$((by_work + 1))
		mid=1
	fi
	midcopy=$((midcopy + mid))
	[[ -d $U ]] || mkdir -m 0700 "$U"   # (killed before ovlrun made it)
	check_upper "$what" "$U"
	check_kernel "$what" "$U"
	check_next "$what" "$U"
done
log "copy-up kills: $kills landed in $runs runs ($exited runs ended first) in $((SECONDS - start))s;" \
	"mid-copy: $midcopy ($by_fd holding a copy-up temp, $by_work more leaving a temp in the work dir)"
[[ $kills -ge $KILLS_WANTED ]] ||
	fail "only $kills kills landed within ${TIME_LIMIT}s (wanted $KILLS_WANTED)"
[[ $midcopy -ge $MIDCOPY_WANTED ]] ||
	fail "only $midcopy kills landed mid-copy (wanted $MIDCOPY_WANTED): the copy-up was not exercised"
finish
