#!/usr/bin/env bash
# Issue 7, point 8: races on arguments the kernel reads again after the
# supervisor's check.  A sibling thread flips, in a loop, the path string,
# the open_how flags, the AT_EMPTY_PATH path or the fd number of the main
# thread's call (ovlprobe race) between a benign value and one naming the
# host file on stdin (read-only) or a lower file.  From a plain chroot of
# the same image, the harmful value reaching the kernel changes the host
# file or the lower (ovlprobe race ... direct: the value a won race makes
# the kernel read, with no race left to chance); inside ovlrun the race
# never wins (wins 0), while both values reached the supervisor (benign and
# refused calls both counted): the race really ran.  In the rootless pass
# the host file is the user's own (what a user's sandbox keeps from its
# command) and the plain chroot is the user's, as root of its own user
# namespace.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"
C=$(new_lower)   # the plain chroot's copy: nothing protects it
TRIES=5000 SECS=5

# plain ROOT CMD...: CMD chrooted into ROOT with a /proc of its own pid
# namespace, /dev/null and /dev/shm: what ovlrun gives, without ovlrun.
plain() {
	local root=$1
	shift
	as_ns_root timeout 60 unshare -m -p -f --propagation private sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount -t tmpfs -o mode=755 tmpfs "$r/dev" &&
			mkdir -m 1777 "$r/dev/shm" && touch "$r/dev/null" &&
			mount --bind /dev/null "$r/dev/null" && exec chroot "$r" "$@"' plain "$root" "$@"
}

host=$T/hostfile
fresh_host() {
	rm -f "$host"
	echo host-original > "$host"
	chmod 644 "$host"
	[[ $OVLRUN_ROOTLESS == 1 ]] || chown 0:0 "$host"
}
host_state() {
	printf '%s %s ' "$(stat -c '%a %u:%g %s' "$host")" "$(cat "$host")"
	getfattr --absolute-names -d -m - "$host" 2>/dev/null | grep -c race || true
}
fresh_host
original=$(host_state)

for kind in open-path open-how empty-chown chmod-path fchmod-dup2 setxattr-path truncate-path; do
	# the attack works from a plain chroot
	fresh_host
	out=$(plain "$C" /usr/bin/ovlprobe race "$kind" "$TRIES" "$SECS" direct < "$host" 2>&1) || true
	[[ $out == "$kind: wins 1 "* ]] || fail "$kind from a plain chroot did not win (probe broken): $out"
	[[ $(host_state) != "$original" ]] || fail "$kind from a plain chroot left the host file as it was"
	# ...never inside ovlrun
	fresh_host
	STATUS=0
	out=$(timeout 120 "$OVLRUN" --lower="$L" --upper="$T/u" -- /usr/bin/ovlprobe race "$kind" \
		"$TRIES" "$SECS" < "$host" 2>&1) || STATUS=$?
	log "ovlrun: $out"
	assert_status 0 || true
	if [[ $out =~ ^$kind:\ wins\ ([0-9]+)\ benign\ ([0-9]+)\ refused\ ([0-9]+)\ tries\ ([0-9]+)$ ]]; then
		[[ ${BASH_REMATCH[1]} -eq 0 ]] || fail "$kind: the race won inside ovlrun: $out"
		[[ ${BASH_REMATCH[2]} -gt 0 && ${BASH_REMATCH[3]} -gt 0 ]] ||
			fail "$kind: the supervisor did not see both values (no race ran): $out"
	else
		fail "$kind: unexpected probe output: $out"
	fi
	assert_eq "$original" "$(host_state)" "$kind: the host file after the race inside ovlrun" || true
done

# O_PATH flipped to O_RDWR on a lower file: from a plain chroot the image
# is written; inside, the lower never is (a write reaches the upper copy
# at most: the overlay's own answer to O_RDWR).
fresh_host
out=$(plain "$C" /usr/bin/ovlprobe race open-how-lower "$TRIES" "$SECS" direct < "$host" 2>&1) || true
grep -q RACE-WIN "$C/etc/hostname" || fail "open-how-lower from a plain chroot did not write the image: $out"
STATUS=0
out=$(timeout 120 "$OVLRUN" --lower="$L" --upper="$T/u" -- /usr/bin/ovlprobe race open-how-lower \
	"$TRIES" "$SECS" < "$host" 2>&1) || STATUS=$?
log "ovlrun: $out"
assert_status 0
[[ $out =~ benign\ ([1-9][0-9]*) ]] || fail "open-how-lower: no call went through: $out"
assert_eq "$original" "$(host_state)" "the host file after the races"
finish
