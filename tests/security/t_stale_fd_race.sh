#!/usr/bin/env bash
# An fd of a lower file opened before a copy-up is replaced by an fd of the
# copy at its holder's next trapped call (syscalls/stale.c).  A thread of
# the holder that puts another file at that fd number meanwhile must never
# get a writable fd of the copy (a root-owned file, read-only to the
# holder): the replacement is read-only, as every fd of a lower file is,
# and is installed only while the number still holds the description that
# was checked.  (Before that check, 70 of 300 rounds gave the unprivileged
# caller a writable fd of the root-owned copy.)  There is no sandbox-free
# form of this attack: it targets ovlrun's own replacement.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data" "$L/tmp"
chmod 1777 "$L/tmp"
for i in $(seq 0 299); do echo "root's $i" > "$L/data/x$i"; done
cp "$(tool stalerace -static -pthread)" "$L/bin/stalerace"
snapshot_lower "$L"

run_ovl --lower="$L" --upper="$T/u" --uid=1000 --gid=1000 -- /bin/stalerace 300
assert_status 0
widened=$(sed -n 's/^widened \([0-9]*\) .*/\1/p' <<< "$OUT")
log "stalerace: $OUT"
assert_eq 0 "$widened" "rounds that left a writable fd of the root-owned copy ($OUT)"
out=$(grep -l -v "^root's" "$T"/u/data/x* 2>/dev/null || true)
assert_eq "" "$out" "copies written through a replaced fd"
finish
