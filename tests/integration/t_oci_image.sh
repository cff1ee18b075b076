#!/usr/bin/env bash
# --lower=oci:DIR:TAG: a Debian image as an OCI image layout, made here
# from the Debian test image with tar (no registry): a base layer (plain
# tar) and a layer of changes (tar+gzip: a new file, a whiteout, an opaque
# dir).  apt-get and dpkg inside ovlrun give the kernel's overlayfs's
# output over the same two layers in the kernel's format; a second run
# takes the layers from the cache as they are; a damaged blob, a blob that
# is no regular file, an unknown tag, a descriptor without a digest and a
# cache others may enter are refused (status 125).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
require_kernel_overlay
[[ $OVLRUN != "$KOVLRUN" ]] || skip "oci: lowers are ovlrun's"
use_debian_image
[[ -f $D/debs/repo/Packages ]] || fatal "the Debian image has no local repository in /debs/repo"

# ---- the layout: blobs by digest, a manifest tagged v1
lay=$T/layout
mkdir -p "$lay/blobs/sha256" "$T/l2/etc" "$T/l2/usr/share/zoneinfo"
# (the base without what the script never reads: a smaller tar)
as_ns_root tar -C "$D" --numeric-owner --xattrs --xattrs-include='*' -cf "$T/base.tar" \
	--exclude=./usr/lib/python3.11 --exclude=./usr/lib/gcc --exclude=./usr/lib/git-core \
	--exclude=./usr/share/locale --exclude=./usr/share/doc --exclude=./usr/share/man \
	--exclude=./usr/include --exclude=./var/cache/apt --exclude=./var/lib/apt/lists . ||
	fatal "tar of the base layer"
echo "from the second layer" > "$T/l2/etc/ovl-oci-test"
: > "$T/l2/etc/.wh.debian_version"
: > "$T/l2/usr/share/zoneinfo/.wh..wh..opq"
echo tz > "$T/l2/usr/share/zoneinfo/OVL"
tar -C "$T/l2" --numeric-owner -czf "$T/l2.tar.gz" . || fatal "tar of the second layer"
blob() { # FILE: its digest; the file goes into the layout
	local h
	h=$(sha256sum "$1" | cut -d' ' -f1)
	cp "$1" "$lay/blobs/sha256/$h"
	echo "sha256:$h"
}
base=$(blob "$T/base.tar"); l2=$(blob "$T/l2.tar.gz")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' \
	"$base" > "$T/config.json"
config=$(blob "$T/config.json")
size() { stat -c %s "$lay/blobs/sha256/${1#sha256:}"; }
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},
"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s},
{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
	"$config" "$(size "$config")" "$base" "$(size "$base")" "$l2" "$(size "$l2")" > "$T/manifest.json"
manifest=$(blob "$T/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
"digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
	"$manifest" "$(size "$manifest")" > "$lay/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$lay/oci-layout"
rm "$T/base.tar"

# ---- the same second layer in the kernel's format, for the kernel
mkdir -p "$T/k2/etc" "$T/k2/usr/share/zoneinfo"
cp "$T/l2/etc/ovl-oci-test" "$T/k2/etc/"
as_ns_root mknod "$T/k2/etc/debian_version" c 0 0
setfattr -n "$OVL_XATTR.opaque" -v y "$T/k2/usr/share/zoneinfo"
cp "$T/l2/usr/share/zoneinfo/OVL" "$T/k2/usr/share/zoneinfo/"

script='
set -e
export DEBIAN_FRONTEND=noninteractive
cat /etc/ovl-oci-test; test -e /etc/debian_version || echo "debian_version: gone"
ls /usr/share/zoneinfo; ls -a /etc | grep -c "^\.wh\." || true
echo "deb [trusted=yes] file:/debs/repo ./" > /etc/apt/sources.list
apt-get update -qq
apt-get install -y -q --no-install-recommends jq 2>&1 | grep -E "^(Selecting|Unpacking|Setting up|[0-9]+ upgraded)"
echo "{\"a\": [1, 2, 3]}" | jq -c ".a | map(. * 2)"
dpkg -s jq libjq1 | grep -E "^(Package|Status)"
apt-get purge -y -qq jq libjq1 libonig5 > /dev/null
dpkg-query -W -f="\${Package} \${Status}\n" jq 2>&1 || echo "jq: purged"
'
OUT=$(timeout 300 "$KOVLRUN" --lower="$T/k2:$D" --upper="$T/ku" -- /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$script" 2>&1) ||
	fatal "the kernel's run: $OUT"
want=$OUT
mkdir -m 700 "$T/c"
run_ovl --oci-cache="$T/c/cache" --lower="oci:$lay:v1" --upper="$T/u1" -- /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$script"
assert_status 0
assert_eq "$want" "$(printf '%s\n%s' "$OUT" "$ERR" | sed '/^$/d')" "output over the OCI image"
assert_eq 2 "$(ls "$T/c/cache" | grep -c '^sha256-')" "layers in the cache"
before=$(stat -c '%i %Y' "$T/c/cache"/sha256-*)

# a second run: the cache's layers as they are, the same result
run_ovl --oci-cache="$T/c/cache" --lower="oci:$lay:v1" --upper="$T/u2" -- /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$script"
assert_status 0
assert_eq "$want" "$(printf '%s\n%s' "$OUT" "$ERR" | sed '/^$/d')" "output of a second run"
assert_eq "$before" "$(stat -c '%i %Y' "$T/c/cache"/sha256-*)" "the cached layers"

# refusals: an unknown tag, a damaged blob, a cache others may change
run_ovl --oci-cache="$T/c/cache" --lower="oci:$lay:v2" -- /bin/true
assert_status 125
assert_stderr_contains "no manifest tagged v2"
cp -a "$lay" "$T/bad"
printf 'X' | dd of="$T/bad/blobs/sha256/${l2#sha256:}" bs=1 seek=100 conv=notrunc 2> /dev/null
run_ovl --oci-cache="$T/c/cache2" --lower="oci:$T/bad:v1" -- /bin/true
assert_status 125
assert_stderr_contains "not $l2 (damaged or altered)"
for mode in 777 755; do     # (set-id files of a layer must not be reachable)
	mkdir -m $mode "$T/open$mode"
	run_ovl --oci-cache="$T/open$mode" --lower="oci:$lay:v1" -- /bin/true
	assert_status 125
	assert_stderr_contains "no one else may enter"
done
# a blob that is no regular file (a FIFO could feed the digest's bytes,
# then others): refused; a descriptor without a digest: refused
cp -a "$lay" "$T/fifo"
rm "$T/fifo/blobs/sha256/${l2#sha256:}"
mkfifo "$T/fifo/blobs/sha256/${l2#sha256:}"
run_ovl --oci-cache="$T/c/cache3" --lower="oci:$T/fifo:v1" -- /bin/true
assert_status 125
assert_stderr_contains "not a regular file"
mkdir -p "$T/nodig"
echo '{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json"}]}' > "$T/nodig/index.json"
run_ovl --oci-cache="$T/c/cache3" --lower="oci:$T/nodig" -- /bin/true
assert_status 125
assert_stderr_contains "without a digest"

[[ $OVLRUN_ROOTLESS != 1 ]] || finish  # (the rest makes a user's run itself)

# Run by a user without subordinate ids (ovlrun-single): a cache of its
# own, the layers unpacked as root of its namespace, what that namespace
# cannot make (shadow's group, _apt's files, the device nodes) the user's
# own files with owner records, as a rootless image store unpacks: the same
# output as root's on the kernel's overlayfs.  (apt-get as root: the
# namespace has no _apt to become.)
user=$(test_user ovlrun-single)
chmod 711 "$T"
mkdir -m 700 "$T/uc" "$T/kroot"
chown "$user:$user" "$T/uc"
uscript=${script//apt-get /apt-get -o APT::Sandbox::User=root }
want=$(timeout 300 "$KOVLRUN" --lower="$T/k2:$D" --upper="$T/kroot/u" -- /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$uscript" 2>&1) ||
	fatal "the kernel's run: $want"
STATUS=0
OUT=$(setpriv --reuid="$user" --regid="$user" --clear-groups timeout 300 "$OVLRUN" \
	--oci-cache="$T/uc/cache" --lower="oci:$lay:v1" --upper="$T/uc/u" -- /usr/bin/env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root /bin/sh -c "$uscript" 2>&1 < /dev/null) || STATUS=$?
assert_status 0
assert_eq "$(sed '/^$/d' <<< "$want")" "$(sed '/^$/d' <<< "$OUT")" "output over the OCI image, run by a user"
basedir=$T/uc/cache/sha256-${base#sha256:}
assert_eq "0:42:0640:file" "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$basedir/etc/shadow" 2>&1)" \
	"the owner record of /etc/shadow in the user's cache"
assert_eq "0:0:0666:char-1-3" "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$basedir/dev/null" 2>&1)" \
	"the owner record of /dev/null in the user's cache"
[[ $(stat -c %u "$basedir/etc/shadow") == "$user" ]] || fail "/etc/shadow in the user's cache is not the user's"
mkdir -m 755 "$T/uopen"
chown "$user:$user" "$T/uopen"
STATUS=0
OUT=$(setpriv --reuid="$user" --regid="$user" --clear-groups "$OVLRUN" --oci-cache="$T/uopen" \
	--lower="oci:$lay:v1" -- /bin/true 2>&1) || STATUS=$?
assert_status 125
assert_stdout_contains "must be a dir of yours that no one else may enter"
finish
