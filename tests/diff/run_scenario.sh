#!/usr/bin/env bash
# run_scenario.sh [-k] [-v] [-u] SCENARIO — differential test of ovlrun
# against the kernel's overlayfs.
#
# SCENARIO (tests/diff/scenarios/NNN_name.sh) is sourced and defines:
#   script=...            the shell script run inside (/bin/sh -c "$script")
#   setup_lower() {...}   optional, host side, on a fresh copy of the image in $LOWER
#   setup_top_lower() {}  optional: a second lower $TOP stacked ON TOP of $LOWER
#                         (--lower=$TOP:$LOWER); starts empty
#   lowers=N              optional: N lowers in all (at most 500, the kernel's
#                         limit): $TOP if the scenario has one, N-1 or N-2
#                         generated lowers $STACK/1 ... below it, then $LOWER
#                         (--lower=$TOP:$STACK/1:...:$LOWER); each starts empty
#   setup_stack_lower() {}  optional with lowers: run in each generated lower,
#                         its index (1: the topmost) in $1
#   setup_upper() {...}   optional: pre-existing upper content in $UPPER
#   no_upper=1            optional: read-only overlay (no --upper)
#   index=on              optional: both sides with the inodes index (--index=on,
#                         the kernel's index=on) and a work dir $WORK of their
#                         own; the report then lists the index's entries (type,
#                         link count, nlink record, the upper names of each)
#   image=debian          optional: the lower is the cached Debian bookworm image
#                         (tests/lib.sh debian_image) instead of the busybox one,
#                         shared read-only by both runs (not copied) unless the
#                         scenario has a setup_lower; PATH gets /usr/sbin:/sbin
#   volatile_files=ERE    optional: upper files (paths as in the dump, matched
#                         with grep -E) whose contents carry times (logs): their
#                         size and checksum are left out of the comparison
#   skip_reason=...       optional: skip (exit 77) with this reason
#   $inotify_ev_py        set for the scenario: python def ev(tag) printing the
#                         events queued on inotify fd `ino` (inotify_ev.py), to
#                         splice into a python script (unquoted here-doc)
#   documented_difference="..."  optional: a known, README-documented
#                         difference.  ovlrun's report must then equal its
#                         pinned copy, tests/diff/expected/NNN_name.ovlrun (in
#                         the rootless pass NNN_name.rootless.ovlrun if there
#                         is one, -u writes it there; the
#                         kernel's side may vary with the kernel version): the
#                         difference is printed, and any change of ovlrun's
#                         behaviour fails.  A pin without documented_difference
#                         is an error.
#   rootless_difference="..."  optional: the same, for the rootless pass alone
#                         (its pin NNN_name.rootless.ovlrun; the root pass
#                         compares with the kernel as ever)
#
# The scenario runs twice on identical fresh lowers and fresh uppers: in the
# kernel's overlayfs (tests/tools/kovlrun: mount -t overlay with
# redirect_dir=on,index=off,metacopy=off,xino=off, chroot) and in $OVLRUN,
# both with `env -i PATH=/bin:/usr/bin HOME=/root`, umask 022, no stdin.
# Compared: exit status, stdout, stderr, the canonical dump of the upper
# (tests/lib.sh upper_dump) and that every lower is unchanged.
# Prints a unified diff (kernel vs ovlrun) on mismatch and exits 1.
#
#   -k  run the kernel half only and print its report (validates a scenario)
#   -v  print the report even when identical
#   -u  (re)write the pin of a scenario with documented_difference from this
#       run's ovlrun report; review it with git diff
# OVLRUN=kernel compares the kernel with itself (harness self-check: every
# scenario must be identical, pins are not used).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel_only=0 verbose=0 update_pin=0
while [[ $# -gt 0 && $1 == -* ]]; do
	case $1 in
	-k) kernel_only=1 ;;
	-v) verbose=1 ;;
	-u) update_pin=1 ;;
	*) echo "usage: $0 [-k] [-v] [-u] SCENARIO" >&2; exit 2 ;;
	esac
	shift
done
[[ $# -eq 1 ]] || { echo "usage: $0 [-k] [-v] [-u] SCENARIO" >&2; exit 2; }
scenario=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
OVL_TEST_NAME=${OVLRUN_ROOTLESS:+rootless/}diff/$(basename "${scenario%.sh}")
source "$here/../lib.sh"

[[ -f $scenario ]] || fatal "no such scenario: $1"
# (a phase of the host side run again as root of the user's namespace,
# see host_side: in the caller's $T)
phase=${OVL_PHASE:-}
if [[ -n $phase ]]; then
	T=$OVL_PHASE_T
elif [[ $kernel_only -eq 1 ]]; then ovl_init --no-binary; else ovl_init; fi
require_kernel_overlay

script="" no_upper="" index="" lowers="" skip_reason="" documented_difference="" image="" volatile_files=""
rootless_difference=""
inotify_ev_py=$(<"$here/inotify_ev.py")
source "$scenario"
[[ $OVLRUN_ROOTLESS != 1 || -z $rootless_difference ]] || documented_difference=$rootless_difference
lowers_wanted=$lowers   # (the harness's own $lowers is the --lower list)
[[ -z $lowers_wanted ]] || ((lowers_wanted >= 2 && lowers_wanted <= 500)) ||
	fatal "lowers=$lowers_wanted: 2 to 500 (the kernel's limit)"
[[ -z $skip_reason ]] || skip "$skip_reason"
[[ -n $script ]] || fatal "scenario defines no script"

# The lower's image: a fresh copy of the busybox image per run, or the cached
# Debian image (large: used in place, read-only, when the scenario changes
# nothing in it; both overlays must leave it unchanged anyway).
run_path=/bin:/usr/bin shared_lower=""
case $image in
"") ;;
debian)
	debian=$(debian_image) || skip "cannot build the Debian image (no network?)"
	declare -F setup_lower > /dev/null || shared_lower=$debian
	run_path=/usr/sbin:/usr/bin:/sbin:/bin
	;;
*) fatal "unknown image '$image' (known: debian)" ;;
esac

# lower_state DIR: what must not change in a lower.  The canonical dump
# (contents hashed), except for the shared Debian image, whose full dump
# takes seconds: there every entry's type, mode, owner, link count, size,
# inode and change time (ctime: any write, chmod, chown, xattr or link change
# moves it, and nothing can set it back).
lower_state() {
	if [[ -n $shared_lower && $1 == "$shared_lower" ]]; then
		(cd "$1" && find . -printf '%p %y %m %U:%G %n %s %i %C@\n' | LC_ALL=C sort)
	else
		tree_dump "$1" -F
	fi
}

# upper_report DIR: the upper's canonical dump, without the contents of
# $volatile_files.
upper_report() {
	if [[ -z $volatile_files ]]; then upper_dump "$1"; return; fi
	upper_dump "$1" | RE=$volatile_files awk '{
		if ($1 ~ ENVIRON["RE"]) sub(/ size=[0-9]+ sha256=[0-9a-f]+/, " (contents not compared)")
		print }'
}

epoch=1704067200
# Entries created by a setup get the image's fixed mtime, unless the setup
# gave them an explicit time before 2024 (scenarios that test times do).
normalize_times() {
	find "$1" -newermt '2024-06-01' -execdir touch -h -d "@$epoch" {} +
}

prepare() { # SIDE: build $T/SIDE/{lower,top,upper}
	local d=$T/$1
	mkdir -p "$d"
	if [[ -n $shared_lower ]]; then
		LOWER=$shared_lower
	elif [[ $image == debian ]]; then
		LOWER=$d/lower
		cp -a "$debian" "$LOWER"
	else
		LOWER=$d/lower
		new_lower "$LOWER" > /dev/null
	fi
	if declare -F setup_lower > /dev/null; then (cd "$LOWER" && setup_lower); fi
	[[ -n $shared_lower ]] || normalize_times "$LOWER"
	lowers=$LOWER
	if declare -F setup_top_lower > /dev/null; then
		TOP=$d/top
		mkdir -m 0755 "$TOP"
		(cd "$TOP" && setup_top_lower)
		normalize_times "$TOP"
		lowers=$TOP:$LOWER
	fi
	if [[ -n $lowers_wanted ]]; then
		local k n=$((lowers_wanted - 1)) stack=""
		[[ -z ${TOP:-} ]] || n=$((n - 1))
		STACK=$d/stack
		mkdir -m 0755 "$STACK"
		for ((k = 1; k <= n; k++)); do
			mkdir -m 0755 "$STACK/$k"
			if declare -F setup_stack_lower > /dev/null; then
				(cd "$STACK/$k" && setup_stack_lower "$k")
			fi
			stack+=$STACK/$k:
		done
		normalize_times "$STACK"
		lowers=${TOP:+$TOP:}$stack$LOWER
	fi
	UPPER=$d/upper
	if [[ -z $no_upper ]]; then
		mkdir -m 0755 "$UPPER"
		if declare -F setup_upper > /dev/null; then (cd "$UPPER" && setup_upper); fi
	fi
	local l
	IFS=: read -r -a _ls <<< "$lowers"
	for l in "${_ls[@]}"; do
		# (the shared lower: one dump before the first run, kept in $T)
		if [[ $l == "$shared_lower" ]]; then
			[[ -f $T/shared.before ]] || lower_state "$l" > "$T/shared.before"
		else
			lower_state "$l" > "$l.before"
		fi
	done
}

# The index's entries, named by what they index (their names are file
# handles of one side's lowers): type, links, nlink record, upper names.
# (The kernel's own "#N" entries, a shared whiteout and temporaries, are
# its workings.)
index_report() {
	local f
	[[ -d $1 ]] || { echo "(no index dir)"; return; }
	for f in "$1"/*; do
		[[ (-e $f || -L $f) && $(basename "$f") != \#* ]] || continue
		printf '%s links=%s nlink=%s names=%s\n' "$(stat -c %F "$f")" "$(stat -c %h "$f")" \
			"$(getfattr --only-values -h -n "$OVL_XATTR.nlink" "$f" 2>/dev/null || echo -)" \
			"$(find "$UPPER" -inum "$(stat -c %i "$f")" -printf '/%P\n' | sort | paste -sd, -)"
	done | sort
}

run_side() { # SIDE BINARY -> $T/SIDE.report
	local side=$1 bin=$2 d=$T/$1 st=0
	local args=(--lower="$lowers")
	[[ -n $no_upper ]] || args+=(--upper="$UPPER")
	[[ -z $index ]] || args+=(--index="$index" --work="$d/work")
	# Sanitizer options of an ASan build go to both sides alike.
	( umask 022; cd /; env -i PATH="$run_path" HOME=/root "${SAN_ENV[@]}" \
		timeout -k 10 "$OVLRUN_TIMEOUT" "$bin" "${args[@]}" -- /bin/sh -c "$script" \
		< /dev/null > "$d/stdout" 2> "$d/stderr" ) || st=$?
	echo "$st" > "$d/status"
	host_side report "$side"
}

report() { # SIDE -> $T/SIDE.report, of $T/SIDE/{status,stdout,stderr}, the upper, the lowers
	local side=$1 d=$T/$1
	{
		echo "== exit status"; cat "$d/status"
		echo "== stdout"; cat "$d/stdout"
		echo "== stderr"; cat "$d/stderr"
		if [[ -z $no_upper ]]; then
			echo "== upper"; upper_report "$UPPER" 2>&1 || echo "(dump failed)"
		fi
		[[ -z $index ]] || { echo "== index"; index_report "$d/work/index"; }
		local l before after name
		IFS=: read -r -a _ls <<< "$lowers"
		for l in "${_ls[@]}"; do
			before=$l.before after=$l.after name=$(basename "$l")
			if [[ $l == "$shared_lower" ]]; then
				before=$T/shared.before after=$T/$side.shared.after name=lower
			fi
			lower_state "$l" > "$after" 2>&1 || true
			if cmp -s "$before" "$after"; then
				echo "== lower $name: unchanged"
			else
				echo "== lower $name: MODIFIED"
				diff -u --label before --label after "$before" "$after" || true
			fi
		done
		# Nothing may be left next to the layers (default work dir removed).
		local left
		left=$(cd "$d" && ls -A | grep -v -x -e lower -e top -e upper -e stdout -e stderr -e status \
			-e lower.before -e lower.after -e top.before -e top.after -e stack \
			${index:+-e work} || true)
		if [[ -n $left ]]; then echo "== left behind next to the upper:"; echo "$left"; fi
	} > "$T/$side.report"
}

# host_side PHASE SIDE: prepare (the layers) or report, on the host.  In the
# rootless pass as root of a user namespace mapping ids as ovlrun's
# (as_ns_root): the layers are made with the owners the scenario gives
# them, as they show inside, and read back alike.  prepare's results
# (LOWER lowers TOP STACK UPPER) come back through $T/SIDE.vars.
host_side() {
	if [[ $OVLRUN_ROOTLESS == 1 && -z $phase ]]; then
		as_ns_root env OVL_PHASE="$1" OVL_PHASE_SIDE="$2" OVL_PHASE_T="$T" bash "${BASH_SOURCE[0]}" "$scenario" ||
			fatal "$1 $2 (as root of the user's namespace) failed"
	else
		"$1" "$2"
	fi
	if [[ $1 == prepare ]]; then
		if [[ -n $phase ]]; then
			printf 'LOWER=%q lowers=%q TOP=%q STACK=%q UPPER=%q\n' "$LOWER" "$lowers" \
				"${TOP:-}" "${STACK:-}" "$UPPER" > "$T/$2.vars"
		elif [[ $OVLRUN_ROOTLESS == 1 ]]; then
			source "$T/$2.vars"
		fi
	fi
}
if [[ -n $phase ]]; then
	[[ $phase != report ]] || source "$T/$OVL_PHASE_SIDE.vars"
	host_side "$phase" "$OVL_PHASE_SIDE"
	exit 0
fi

host_side prepare kernel
run_side kernel "$KOVLRUN"
if [[ $kernel_only -eq 1 ]]; then
	cat "$T/kernel.report"
	exit 0
fi
host_side prepare ovlrun
run_side ovlrun "$OVLRUN"

same=0
diff -u --label "kernel overlayfs" --label "ovlrun" "$T/kernel.report" "$T/ovlrun.report" > "$T/diff" && same=1
# (the rootless pass has a pin of its own where its report differs:
# NNN_name.rootless.ovlrun)
pin=$here/expected/$(basename "${scenario%.sh}").ovlrun
rootless_pin=${pin%.ovlrun}.rootless.ovlrun
[[ $OVLRUN_ROOTLESS != 1 || ! ( -f $rootless_pin || $update_pin -eq 1 ) ]] || pin=$rootless_pin
pin_name=tests/diff/expected/$(basename "$pin")
if [[ -n $documented_difference && $OVLRUN != "$KOVLRUN" ]]; then
	# The kernel's side is shown; ovlrun's is checked against the pin.
	if [[ $update_pin -eq 1 ]]; then
		mkdir -p "$(dirname "$pin")"
		cp "$T/ovlrun.report" "$pin"
		log "PINNED: $OVL_TEST_NAME: ovlrun's report written to $pin_name"
	fi
	[[ -f $pin ]] || fatal "no pinned ovlrun report $pin_name for the documented difference (run_scenario.sh -u writes it)"
	cat "$T/diff"
	if ! diff -u --label "pinned ($pin_name)" --label "ovlrun now" "$pin" "$T/ovlrun.report"; then
		log "DIFFERENT from the pinned report (diff above): $OVL_TEST_NAME: ovlrun's behaviour" \
			"changed in a scenario with a documented difference; if intended, update README.md" \
			"('Differences from overlayfs') and the pin (run_scenario.sh -u)"
		exit 1
	fi
	if [[ $same -eq 1 ]]; then
		log "IDENTICAL: $OVL_TEST_NAME (as pinned; the documented difference '$documented_difference' did not show on this kernel)"
	else
		log "DIFFERENT (documented in README.md: $documented_difference; ovlrun as pinned in $pin_name): $OVL_TEST_NAME"
	fi
	exit 0
fi
[[ ! -f $pin || -n $documented_difference ]] ||
	fatal "$pin_name exists but the scenario has no documented_difference: remove the pin"
if [[ $same -eq 1 ]]; then
	[[ $verbose -eq 1 ]] && cat "$T/kernel.report"
	log "IDENTICAL: $OVL_TEST_NAME"
	exit 0
fi
cat "$T/diff"
log "DIFFERENT: $OVL_TEST_NAME"
exit 1
