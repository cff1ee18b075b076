#!/usr/bin/env bash
# Directory fds cannot climb out: openat(fd, "..") repeatedly from "/",
# a dir fd kept open then "..", /proc/self/fd/N/.., /proc/1/root, /proc/self/cwd.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
marker_dir=$T/host-secret
mkdir "$marker_dir"
secret="HOST-SECRET-$RANDOM$RANDOM"
echo "$secret" > "$marker_dir/marker"
marker=$marker_dir/marker
rel=${marker#/}
L=$(new_lower)
mkdir -p "$L/data/sub/deeper"
snapshot_lower "$L"
root_listing=$(printf '%s\ndata\n' "$IMAGE_ROOT_LISTING" | sort)

sh_ovl "$L" "$T/u" "
ovlprobe dotdot 12
echo ---
ovlprobe dirfd-dotdot /data/sub/deeper 20 $rel
ovlprobe dirfd-dotdot /data/sub/deeper 20 etc/hostname; echo
exec 3< /data/sub
ls /proc/self/fd/3/../../../..
echo ---
cat /proc/self/fd/3/../../../..$marker
cat /proc/1/root$marker
cat /proc/1/cwd/../../..$marker
cat /proc/self/cwd/../..$marker
echo end"
assert_stdout "cwd=/
$root_listing
---
ovlrun-image

$root_listing
---
end"
[[ $OUT$ERR != *"$secret"* ]] || fail "the host secret leaked into the sandbox"
# Every attempt on the marker failed.
for p in "ovlprobe: openat $rel:" "/proc/self/fd/3/../../../..$marker" "/proc/1/root$marker" \
	"/proc/1/cwd/../../..$marker" "/proc/self/cwd/../..$marker"; do
	[[ $ERR == *"$p"* ]] || fail "no error for the attempt on $p (stderr: $ERR)"
done

# The probe works: with the marker path in the image, the dir-fd walk reads
# the image's copy.
L2=$(new_lower)
mkdir -p "$L2$marker_dir"
echo IMAGE-COPY > "$L2$marker"
snapshot_lower "$L2"
sh_ovl "$L2" "" "mkdir -p /x 2>/dev/null; ovlprobe dirfd-dotdot /tmp 20 $rel; exec 3< /tmp; cat /proc/self/fd/3/../..$marker"
assert_stdout "IMAGE-COPY
IMAGE-COPY"
assert_file_content "$marker" "$secret"
finish
