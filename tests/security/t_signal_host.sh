#!/usr/bin/env bash
# Issue 7, points 1 and 2: nothing inside can signal or renice the host
# processes around ovlrun.  A host "victim" shares the process group and
# session that ovlrun is started from; the command attacks its own process
# group (kill(0, ...), setpriority(PRIO_PGRP, 0, ...)) and its session's
# autogroup.  Each attack is first shown working from a plain chroot.  In
# the rootless pass everything is the test user's: the victim runs as it,
# the plain chroot is made as root of its own user namespace, and the
# sandbox's uid 0 is the user (an id of its ranges cannot signal the user's
# victim from a chroot either, so only 0 is tried).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
cp "$(tool boundprobe -static)" "$L/bin/boundprobe"
snapshot_lower "$L"

# killed PID: gone, a zombie waiting for its reaper, or with SIGKILL
# pending (kill() has returned; the victim has not run since)
killed() {
	local st pnd
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[[ -z $st || $st == Z || $st == X ]] && return 0
	pnd=$(awk '/^(SigPnd|ShdPnd):/ {print $2}' "/proc/$1/status" 2>/dev/null | tr '\n' ' ')
	for p in $pnd; do (( (16#$p >> 8) & 1 )) && return 0; done
	return 1
}
nice_of() { awk '{print $19}' "/proc/$1/stat"; }

# experiment AS-UID ATTACKER...: in a new session (so that the test itself
# is never the target), start a victim, then the attacker in the victim's
# process group and session; prints the victim's pid (a sleeping host
# process; the test kills it).  (The rootless pass: the victim is the user.)
experiment() {
	local uid=$1; shift
	setsid -w bash -c '
		uid=$1; shift
		as=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
		[[ $(id -u) -eq 0 ]] || as=()
		# the victim reports its pid once it runs as uid: only then attack
		exec 4< <(exec "${as[@]}" \
			sh -c "echo \$\$; exec sleep 1000 > /dev/null 2>&1")
		read -r victim <&4
		echo "$victim" > "'"$T"'/victim"
		"$@" > "'"$T"'/attack.out" 2>&1
		echo "attacker status $?" >> "'"$T"'/attack.out"' _ "$uid" "$@" 2> /dev/null || true
	cat "$T/victim"
}

read -ra nsroot < <(ns_root_prefix)
uids=(0 1000)
[[ $OVLRUN_ROOTLESS != 1 ]] || uids=(0)
for uid in "${uids[@]}"; do
	as=(); [[ $uid == 0 ]] || as=(--uid=1000 --gid=1000)

	# kill(0, SIGKILL): from a plain chroot it kills the whole group.
	v=$(experiment "$uid" "${nsroot[@]}" chroot --userspec="$uid:$uid" "$L" /bin/boundprobe kill0 9)
	killed "$v" || fail "uid $uid: kill(0) from a plain chroot did not kill the victim (probe broken)"
	kill -9 "$v" 2>/dev/null || true

	# Inside ovlrun only the sandbox's own group dies.
	v=$(experiment "$uid" "$OVLRUN" --lower="$L" "${as[@]}" -- /bin/boundprobe kill0 9)
	killed "$v" && fail "uid $uid: kill(0, SIGKILL) inside ovlrun killed a host process"
	grep -q "attacker status 137" "$T/attack.out" || fail "uid $uid: the command did not die of its own SIGKILL: $(cat "$T/attack.out")"
	kill -9 "$v" 2>/dev/null || true

	# SIGTERM and SIGSTOP likewise never reach the victim (a stopped victim
	# would show state T).
	v=$(experiment "$uid" "$OVLRUN" --lower="$L" "${as[@]}" -- /bin/sh -c '/bin/boundprobe kill0 15')
	killed "$v" && fail "uid $uid: kill(0, SIGTERM) inside ovlrun killed a host process"
	kill -9 "$v" 2>/dev/null || true

	# setpriority(PRIO_PGRP, 0, 19) renices the group from a plain chroot...
	v=$(experiment "$uid" "${nsroot[@]}" chroot --userspec="$uid:$uid" "$L" /bin/boundprobe renice-pgrp 19)
	assert_eq 19 "$(nice_of "$v")" "uid $uid: nice of the victim after a renice from a plain chroot (probe)"
	kill -9 "$v"
	# ...and only the sandbox's own group inside ovlrun.
	v=$(experiment "$uid" "$OVLRUN" --lower="$L" "${as[@]}" -- /bin/boundprobe renice-pgrp 19)
	grep -q "renice-pgrp: ok" "$T/attack.out" || fail "uid $uid: renice of its own group failed: $(cat "$T/attack.out")"
	assert_eq 0 "$(nice_of "$v")" "uid $uid: nice of the host victim after a renice inside ovlrun"
	kill -9 "$v"
done

# The sandbox is a session and process group of its own, led by its init.
sh_ovl "$L" "" 'cat /proc/self/stat | cut -d" " -f5,6; cat /proc/1/stat | cut -d" " -f5,6'
[[ $OUT =~ ^([0-9]+)\ ([0-9]+)$'\n'1\ 1$ ]] || fail "sessions inside: $OUT"
[[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] || fail "the command leads no process group of its own: $OUT"

# Point 2: /proc/*/autogroup.  From a chroot with the host's /proc, root
# renices the autogroup of its session: every process of it.
if [[ -e /proc/self/autogroup ]]; then
	v=$(experiment 0 "${nsroot[@]}" unshare -m sh -c "mount --rbind /proc '$L/proc' && chroot '$L' /bin/boundprobe autogroup 19")
	[[ $(cat "/proc/$v/autogroup") == *"nice 19" ]] || fail "autogroup renice from a plain chroot did not work (probe): $(cat "/proc/$v/autogroup")"
	kill -9 "$v"
	v=$(experiment 0 "$OVLRUN" --lower="$L" -- /bin/sh -c '/bin/boundprobe autogroup 19; cat /proc/self/autogroup')
	[[ $(cat "/proc/$v/autogroup") == *"nice 0" ]] || fail "autogroup of the host session changed from inside: $(cat "/proc/$v/autogroup")"
	grep -q "autogroup: ok" "$T/attack.out" && fail "writing /proc/self/autogroup inside was allowed: $(cat "$T/attack.out")"
	kill -9 "$v"
fi
assert_lower_unchanged "$L"
finish
