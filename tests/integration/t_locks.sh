#!/usr/bin/env bash
# POSIX, OFD and flock locks stay coherent across a copy-up: a lock taken
# through a read-only fd of a lower file conflicts with a lock taken after
# the file was copied up (both live on the upper copy's inode).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data"
echo orig > "$L/data/f"
echo orig > "$L/data/g"
snapshot_lower "$L"

# kinds: first lock (read-only fd of the lower file), then a writer copies
# the file up, then a conflicting lock from a fresh open must be refused.
# (The holder says "locked" through a FIFO and holds until its stdin, a
# FIFO the script holds, closes: no timing.)
sh_ovl "$L" "$T/u" '
hold() { # FILE KIND: a holder in the background, its answer printed
	mkfifo /tmp/hold /tmp/said
	ovlprobe lock "$1" "$2" stdin < /tmp/hold > /tmp/said &
	exec 3> /tmp/hold
	read -r said < /tmp/said
	echo "$said"
}
release() { exec 3>&-; wait; rm /tmp/hold /tmp/said; }
hold /data/f posix-r
echo more >> /data/f
ovlprobe lock /data/f posix-w 0
release
ovlprobe lock /data/f posix-w 0
hold /data/g flock-s
echo more >> /data/g
ovlprobe lock /data/g flock-x 0
ovlprobe lock /data/g ofd-w 0
release
ovlprobe lock /data/g flock-x 0
cat /data/f /data/g'
assert_status 0
assert_stdout "locked
busy
locked
locked
busy
locked
locked
orig
more
orig
more"
assert_file_content "$T/u/data/f" "orig
more"
finish
