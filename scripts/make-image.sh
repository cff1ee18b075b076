#!/usr/bin/env bash
# make-image.sh DIR — build the small default ovlrun test/demo image in DIR.
#
# Contents (deterministic: same inputs give the same bytes, modes, owners
# and mtimes):
#   /bin/busybox (Debian's busybox-static) and one absolute symlink per applet
#   /etc/passwd, /etc/group (root 0, user 1000, nobody 65534), /etc/hostname
#   /proc /dev /sys (empty mount points), /tmp (1777), /root (0700),
#   /home/user (1000:1000), /usr/bin, /usr/sbin, /sbin, /opt
#   /usr/bin/ovlprobe: a dynamically linked test program (tests/tools/ovlprobe.c)
#     whose ELF interpreter /opt/ovl-ld/ld.so exists ONLY in the image
#     (plus the libc it needs in /lib/<multiarch>/).
# DIR must not exist or be empty.  Needs: busybox-static, gcc, binutils.
set -euo pipefail

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
dest=$1
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
probe_src=$src_dir/tests/tools/ovlprobe.c
epoch=1704067200   # 2024-01-01 00:00:00 UTC: fixed mtime of every entry

die() { echo "make-image.sh: $*" >&2; exit 1; }

if [[ -e $dest ]] && [[ -n $(ls -A "$dest") ]]; then
	die "$dest exists and is not empty"
fi
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	if [[ -x $b ]] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then busybox=$b; break; fi
done
if [[ -z $busybox ]]; then
	# 'file' may be missing; fall back to readelf (no PT_INTERP = static)
	for b in /bin/busybox /usr/bin/busybox; do
		if [[ -x $b ]] && ! readelf -l "$b" 2>/dev/null | grep -q 'program interpreter'; then busybox=$b; break; fi
	done
fi
[[ -n $busybox ]] || die "no static busybox found (apt-get install busybox-static)"
[[ -f $probe_src ]] || die "missing $probe_src"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ovlrun-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"

# Directories
for d in bin sbin etc usr usr/bin usr/sbin proc dev sys tmp root home home/user opt opt/ovl-ld lib; do
	mkdir -p "$root/$d"
done
chmod 0755 "$root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
chown 1000:1000 "$root/home/user"

# busybox and applet symlinks (absolute, as busybox --install -s does)
install -m 0755 "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
	[[ -n $applet ]] || continue
	[[ $applet == bin/busybox ]] && continue
	mkdir -p "$root/$(dirname "$applet")"
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full | LC_ALL=C sort)

# /etc
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
user:x:1000:
nogroup:x:65534:
G
echo "ovlrun-image" > "$root/etc/hostname"
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/hostname"

# The dynamic test program, its image-only loader and its libc.
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
[[ -n $multiarch ]] || multiarch=x86_64-linux-gnu
host_interp=$(readelf -l /bin/sh | sed -n 's/.*program interpreter: \(.*\)]/\1/p' | head -n1)
[[ -n $host_interp && -e $host_interp ]] || die "cannot find the host ELF interpreter"
(cd "$tmp" && cp "$probe_src" ovlprobe.c &&
	gcc -O2 -s -o ovlprobe ovlprobe.c -Wl,--dynamic-linker=/opt/ovl-ld/ld.so -Wl,--build-id=none)
install -m 0755 "$tmp/ovlprobe" "$root/usr/bin/ovlprobe"
install -m 0755 "$(readlink -f "$host_interp")" "$root/opt/ovl-ld/ld.so"
mkdir -p "$root/lib/$multiarch"
while IFS= read -r lib; do
	path=$(gcc -print-file-name="$lib")
	[[ $path == /* && -e $path ]] || die "cannot find $lib for ovlprobe"
	install -m 0755 "$(readlink -f "$path")" "$root/lib/$multiarch/$lib"
done < <(readelf -d "$tmp/ovlprobe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')

# Fixed owners and mtimes
chown -h 0:0 "$root" && find "$root" -mindepth 1 ! -path "$root/home/user" -exec chown -h 0:0 {} +
find "$root" -exec touch -h -d "@$epoch" {} +

mkdir -p "$dest"
# Move the content (not the dir) so an existing empty DIR keeps its identity.
cp -a "$root/." "$dest/"
chmod 0755 "$dest"; chown 0:0 "$dest"; touch -h -d "@$epoch" "$dest"
echo "make-image.sh: image ready in $dest ($(find "$dest" | wc -l) entries)"
