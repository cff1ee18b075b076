#!/usr/bin/env bash
# ".." can never leave the overlay root: cd .. past /, /../../etc/hostname,
# relative climbs; a host file outside the image stays unreachable.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
marker_dir=$T/host-secret
mkdir "$marker_dir"
secret="HOST-SECRET-$RANDOM$RANDOM"
echo "$secret" > "$marker_dir/marker"
marker=$marker_dir/marker
# The probe must be meaningful: the host file is readable here, and the
# host's /etc/hostname (if any) is not the image's.
assert_file_content "$marker" "$secret"
host_hostname=$(cat /etc/hostname 2>/dev/null || echo "(none)")
[[ $host_hostname != ovlrun-image ]] || skip "host hostname equals the image's"

L=$(new_lower)
snapshot_lower "$L"
root_listing=$IMAGE_ROOT_LISTING
probe="
cd /; cd ..; cd ../../..; pwd; ls
echo ---; ls /..
echo ---; ls /../../../..
echo ---; cat /../../etc/hostname
cat /../../../../..$marker
cd /tmp && cat ../../../../../../..$marker
cat /proc/self/root/../..$marker
echo end"
sh_ovl "$L" "$T/u" "$probe"
assert_stdout "/
$root_listing
---
$root_listing
---
$root_listing
---
ovlrun-image
end"
assert_stderr "cat: can't open '/../../../../..$marker': No such file or directory
cat: can't open '../../../../../../..$marker': No such file or directory
cat: can't open '/proc/self/root/../..$marker': No such file or directory"
[[ $OUT$ERR != *"$secret"* ]] || fail "the host secret leaked into the sandbox"

# The probe works: with the same path present in the image, it is read
# (from the image, not the host).
L2=$(new_lower)
mkdir -p "$L2$marker_dir"
echo IMAGE-COPY > "$L2$marker"
snapshot_lower "$L2"
sh_ovl "$L2" "" "cat /../../../../..$marker; cd /tmp && cat ../../../../../../..$marker"
assert_status 0
assert_stdout "IMAGE-COPY
IMAGE-COPY"
assert_file_content "$marker" "$secret"
finish
