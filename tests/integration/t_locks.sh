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
sh_ovl "$L" "$T/u" '
ovlprobe lock /data/f posix-r 1500 &
sleep 0.5
echo more >> /data/f
ovlprobe lock /data/f posix-w 0
wait
ovlprobe lock /data/f posix-w 0
ovlprobe lock /data/g flock-s 1500 &
sleep 0.5
echo more >> /data/g
ovlprobe lock /data/g flock-x 0
ovlprobe lock /data/g ofd-w 0
wait
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
