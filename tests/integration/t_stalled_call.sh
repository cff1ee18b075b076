#!/usr/bin/env bash
# A call stalled in the host stalls only its caller: while one process's
# copy-up cannot read its lower file (a write lease held outside makes the
# supervisor's open of it block, as a hung host filesystem would), the
# sandbox's other processes go on making, renaming, linking, chmod-ing and
# removing names in other directories, running programs and reading
# files.  Ordered by FIFOs, not by time:
#  1. tests/tools/leaseholder takes a write lease on the lower's big file;
#  2. inside, A appends to it in the background: the copy-up's open starts
#     to break the lease and blocks; the holder is told (SIGIO) and says so;
#  3. B, told that A is blocked, runs its calls; A must still be blocked
#     when B is done (no marker of A's yet), then B lets the lease go;
#  4. A completes: the appended file is whole, the upper is as expected.
# Run twice: A appends (a copy-up for writing), then A chmods (for an
# attribute change).
# A supervisor that served A's call under a lock B's calls need hangs
# until the kernel breaks the lease by force (lease-break-time, 45 s by
# default); then A finishes first and the marker shows it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
holder=$(tool leaseholder)

L=$(new_lower)
mkdir -p "$L/data" "$L/other"
seq 1 100000 > "$L/data/big"
echo keep > "$L/other/file"
snapshot_lower "$L"

# stalled NAME A-COMMAND: the scenario above with A-COMMAND as A's call,
# in a fresh upper $T/u.NAME.
stalled() {
	local name=$1 a=$2 ctl=$T/ctl.$1
	mkdir -p "$ctl"
	mkfifo "$ctl/ready" "$ctl/broken" "$ctl/release"
	"$holder" "$L/data/big" "$ctl/ready" "$ctl/broken" "$ctl/release" 2> "$T/holder.err" &
	local holder_pid=$!
	read -r _ < "$ctl/ready"
	local script="
( $a; echo A > /ctl/a_done ) &
read -r _ < /ctl/broken
[ ! -e /ctl/a_done ] || echo 'A was not blocked'
mkdir /d1 && echo hi > /d1/f && mv /d1/f /d1/g && ln /d1/g /d1/h && ln -s g /d1/l &&
chmod 700 /d1/g && rm /d1/h /d1/l && touch /other/new && mv /other/new /newer &&
cat /other/file && ls /d1 && mkdir -p /d2/x/y && rmdir /d2/x/y && /bin/true &&
echo B done
[ ! -e /ctl/a_done ] || echo 'B waited for A'
echo x > /ctl/release
wait
tail -n 2 /data/big"
	run_ovl --lower="$L" --upper="$T/u.$name" --bind="$ctl:/ctl" -- /bin/sh -c "$script"
	wait "$holder_pid" || fail "$name: leaseholder: $(cat "$T/holder.err")"
	assert_status 0
	assert_file_content "$T/u.$name/d1/g" "hi"
	assert_mode "$T/u.$name/d1/g" 700
	assert_exists "$T/u.$name/newer"
	assert_missing "$T/u.$name/other/new"
}

# A copy-up for writing: the data is copied before any lock.
stalled append 'echo appended >> /data/big'
assert_stdout "keep
g
B done
100000
appended"
assert_file_content "$T/u.append/data/big" "$(seq 1 100000; echo appended)"
# One for an attribute change: the same.
stalled chmod 'chmod 600 /data/big'
assert_stdout "keep
g
B done
99999
100000"
assert_mode "$T/u.chmod/data/big" 600
assert_file_content "$T/u.chmod/data/big" "$(seq 1 100000)"
finish
