#!/usr/bin/env bash
# The bubblewrap-style options: --tmp-upper, --bind/--ro-bind, --chdir,
# --setenv/--unsetenv, --uid/--gid, and the host root as a lower.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
[[ $(basename "$OVLRUN") != kovlrun ]] || skip "ovlrun-only options"
L=$(new_lower)
snapshot_lower "$L"

# --tmp-upper: writable, and gone afterwards (nothing new left in TMPDIR).
mkdir "$T/tmpdir"
STATUS=0
OUT=$(TMPDIR=$T/tmpdir timeout 60 "$OVLRUN" --lower="$L" --tmp-upper -- \
	/bin/sh -c 'echo data > /etc/new && cat /etc/new' 2>&1) || STATUS=$?
assert_status 0
assert_stdout "data"
assert_eq "" "$(ls -A "$T/tmpdir")" "left in TMPDIR after --tmp-upper"
run_ovl --lower="$L" --tmp-upper --upper="$T/u" -- /bin/true
assert_status 125
assert_stderr "ovlrun: --tmp-upper and --upper exclude each other"

# --bind (read-write, parents made in the upper) and --ro-bind of a file.
mkdir -p "$T/host/dir"
echo hostdata > "$T/host/dir/f"
echo single > "$T/host/file"
run_ovl --lower="$L" --upper="$T/u" --bind="$T/host/dir:/mnt/data" --ro-bind="$T/host/file:/etc/single" \
	-- /bin/sh -c 'ls /mnt; cat /mnt/data/f /etc/single; echo w > /mnt/data/written;
		echo x > /etc/single || echo ro-refused'
assert_status 0
assert_stdout "data
hostdata
single
ro-refused"
assert_stderr_contains "Read-only file system"
assert_file_content "$T/host/dir/written" "w"
assert_file_content "$T/host/file" "single"
assert_type "$T/u/mnt" "directory"
assert_missing "$T/u/mnt/data/written"
# A dir fd in a --bind dir follows the dir when the host moves it (the
# supervisor keeps no name of such a dir between calls: it can move, or go
# and its inode come back, without the overlay knowing).
# held_moved NAME FROM TO [cwd]: ovlprobe holds host2/FROM (a dir fd, or
# its cwd) through a --bind, the host moves it to TO, then the command
# chmods f through what it holds.
held_moved() {
	local name=$1 from=$2 to=$3
	chmod 644 "$T/host2/$from/f"
	ovl_background "$name" --lower="$L" --upper="$T/u.$name" --bind="$T/host2:/mnt/b" \
		-- ovlprobe dirfd-hold "/mnt/b/$from" f ${4:-}
	assert_eq "ready" "$SAID" "$name before the move"
	mv "$T/host2/$from" "$T/host2/$to"
	echo go >&8
	read -r -t "$OVLRUN_TIMEOUT" said <&9 || said="(nothing)"
	st=0; wait "$BG_PID" || st=$?
	exec 8>&- 9<&-
	assert_eq 0 "$st" "status of $name ($(cat "$T/$name.err"))"
	assert_eq "mode 600" "$said" "$name: chmod through the moved dir"
	assert_eq 600 "$(stat -c %a "$T/host2/$to/f")" "$name: the host file's mode"
}
mkdir -p "$T/host2/a"
echo f > "$T/host2/a/f"
held_moved heldfd a z
held_moved heldcwd z y cwd       # ...and so does a cwd there

run_ovl --lower="$L" --bind="$T/host/dir:/proc/x" -- /bin/true
assert_status 125
run_ovl --lower="$L" --bind="$T/nonexistent:/x" -- /bin/true
assert_status 125

# --chdir, --setenv, --unsetenv
run_ovl --lower="$L" --chdir=/etc --setenv=GREETING=hello --unsetenv=HOME -- \
	/bin/sh -c 'pwd; echo "$GREETING ${HOME-unset}"; cat hostname'
assert_status 0
assert_stdout "/etc
hello unset
ovlrun-image"
run_ovl --lower="$L" --chdir=/nonexistent -- /bin/true
assert_status 125
assert_stderr "ovlrun: --chdir=/nonexistent: No such file or directory"

# --uid/--gid: a plain user, refused where Linux refuses it.
run_ovl --lower="$L" --upper="$T/u2" --uid=1000 --gid=1000 -- \
	/bin/sh -c 'id -u; id -g; echo x > /etc/passwd || echo denied; echo y > /tmp/mine && ls -ln /tmp/mine'
assert_status 0
assert_stdout_contains "1000
1000
denied"
assert_stdout_contains " 1000     1000 "
assert_owner "$T/u2/tmp/mine" "1000:1000"
assert_missing "$T/u2/etc/passwd"

# The host's root as the lower: the upper and ovlrun's own dirs are hidden,
# the host is not changed.
marker="ovlrun-options-$$-$RANDOM"
run_ovl --lower=/ --upper="$T/hostup" -- /bin/sh -c "echo inside > /tmp/$marker; cat /tmp/$marker;
	ls -a '$T' | grep -c hostup || true"
assert_status 0
assert_stdout "inside
0"
assert_missing "/tmp/$marker"
assert_file_content "$T/hostup/tmp/$marker" "inside"
finish
