#!/usr/bin/env bash
# Issue 7, point 7: the sandbox cannot exhaust host memory through its
# memory-backed mounts.  /dev/shm is a tmpfs of --shm-size (64 MiB by
# default): root in a plain chroot with the host's /dev/shm fills what the
# host gives (half of its RAM), inside ovlrun the write stops at the bound.
# The upper is bounded with --tmp-upper=SIZE.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
snapshot_lower "$L"

fill='dd if=/dev/zero of=/dev/shm/fill bs=1M count=80 2>/dev/null; echo "status $?"; du -m /dev/shm/fill | cut -f1; rm -f /dev/shm/fill'
# Without the sandbox: 80 MiB land in the host's /dev/shm (in the rootless
# pass the same user's chroot, as root of its own user namespace).
OUT=$(as_ns_root unshare -m sh -c "mount --rbind /dev '$L/dev' && chroot '$L' /bin/sh -c '$fill'")
assert_stdout "status 0
80"
sh_ovl "$L" "" "df -k /dev/shm | sed 1d | tr -s ' ' | cut -d' ' -f2; $fill"
assert_stdout "65536
status 1
64"
OUT=$("$OVLRUN" --lower="$L" --shm-size=8M -- /bin/sh -c "df -k /dev/shm | sed 1d | tr -s ' ' | cut -d' ' -f2; $fill" 2>/dev/null)
assert_stdout "8192
status 1
8"
# The upper: --tmp-upper=SIZE puts it on a tmpfs of that size.  Unbounded
# (the host's disk behind a plain --tmp-upper) 24 MiB land; bounded to
# 8 MiB the write stops there.
write='dd if=/dev/zero of=/big bs=1M count=24 2>/dev/null; echo "status $?"; du -m /big | cut -f1'
OUT=$("$OVLRUN" --lower="$L" --tmp-upper -- /bin/sh -c "$write" 2>/dev/null)
assert_stdout "status 0
24"
OUT=$("$OVLRUN" --lower="$L" --tmp-upper=8M -- /bin/sh -c "$write" 2>/dev/null)
[[ $OUT =~ ^"status 1"$'\n'[78]$ ]] || fail "a write past --tmp-upper=8M: $OUT"
STATUS=0
OUT=$("$OVLRUN" --lower="$L" --shm-size=lots -- /bin/true 2>&1) || STATUS=$?
assert_status 125
assert_stdout "ovlrun: --shm-size=lots: expected a size such as 64M or 2G (at least 4K)"
assert_lower_unchanged "$L"
finish
