#!/usr/bin/env bash
# A lower file that the host replaces while the sandbox runs (an outside
# change: undefined on overlayfs too) must not leave its name unusable: the
# engine caches a lower file's lstat, and when an open then finds another
# object under the name it drops what it cached and looks again
# (overlay/real.c), instead of answering ESTALE for the rest of the run.
# The host replaces the file between two reads of the command, which waits
# on its stdin (a FIFO: no sleeps).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data"
echo old > "$L/data/f"

ovl_background run --lower="$L" --upper="$T/u" -- /bin/sh -c \
	'cat /data/f; read x; cat /data/f; cat /data/f; stat -c %s /data/f'
assert_eq old "$SAID" "the first read"
echo newcontent > "$L/data/f.tmp"
mv "$L/data/f.tmp" "$L/data/f"
echo go >&8
exec 8>&-
rest=$(cat <&9)
status=0
wait "$BG_PID" || status=$?
assert_eq 0 "$status" "exit status"
assert_eq "newcontent
newcontent
11" "$rest" "reads and stat after the host replaced the file"
assert_eq "" "$(cat "$T/run.err")" "stderr"
finish
