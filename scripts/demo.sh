#!/usr/bin/env bash
# demo.sh — install the dependencies, build ovlrun (build/), make the default
# busybox image (.cache/image) and run a demo that writes through the
# overlay; then show on the host that the upper holds the changes (with a
# whiteout and an opaque dir) and that the lower is unchanged.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo > /dev/null; then exec sudo -E bash "$0" "$@"; fi
	echo "demo.sh: must run as root" >&2
	exit 1
fi
[[ ${SKIP_DEPS:-} == 1 ]] || bash scripts/install-deps.sh
build=${BUILD_DIR:-build}

if [[ -n ${OVLRUN:-} ]]; then
	ovlrun=$OVLRUN   # developer option: demo an existing binary, no build
else
	echo "=== build ($build)"
	mkdir -p "$build"
	if ! { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
		cmake --build "$build" -j "$(nproc)"; } > "$build/demo-build.log" 2>&1; then
		tail -n 40 "$build/demo-build.log"; echo "demo.sh: build failed" >&2; exit 1
	fi
	ovlrun=$src/$build/ovlrun
fi
[[ -x $ovlrun ]] || { echo "demo.sh: $ovlrun was not built" >&2; exit 1; }

echo "=== image (.cache/image)"
source "$src/tests/lib.sh"
img=$(image_dir)
echo "lower: $img"

demo=$(mktemp -d /tmp/ovlrun-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
upper=$demo/upper
lower_sum() { tree_dump "$img" -F | sha256sum | cut -d' ' -f1; }
before=$(lower_sum)

echo
echo "=== inside: $ovlrun --lower=$img --upper=$upper -- /bin/sh -c '...'"
"$ovlrun" --lower="$img" --upper="$upper" -- /bin/sh -c '
set -x
cat /etc/hostname
echo "hello from the sandbox" > /root/hello.txt
echo "demo:x:1001:1001::/home/demo:/bin/sh" >> /etc/passwd
rm /etc/hostname
rm -rf /home/user && mkdir /home/user && echo fresh > /home/user/new.txt
mkdir -p /srv/www && echo "<h1>it works</h1>" > /srv/www/index.html
ln -s /srv/www/index.html /root/index
chmod 600 /root/hello.txt
ls -la /root /home/user
cat /root/index
tail -n 2 /etc/passwd
test -e /etc/hostname || echo "/etc/hostname is gone (whited out)"
' < /dev/null || echo "(the demo command exited with status $?)"

echo
echo "=== on the host: the upper ($upper)"
(cd "$upper" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
	case $(stat -c %F "$p") in
	"character special file")
		if [[ $(stat -c '%t:%T' "$p") == 0:0 ]]; then echo "$p  (whiteout: char 0/0)"; else echo "$p  (char device)"; fi ;;
	directory)
		if [[ $(getfattr --only-values -n trusted.overlay.opaque "$p" 2>/dev/null) == y ]]; then
			echo "$p/  (opaque dir: trusted.overlay.opaque=y)"
		else echo "$p/"; fi ;;
	"symbolic link") echo "$p -> $(readlink "$p")" ;;
	*) echo "$p  ($(stat -c '%s bytes, mode %a' "$p"))" ;;
	esac
done)
echo
echo "upper /etc/passwd ends with: $(tail -n1 "$upper/etc/passwd")"
echo "lower /etc/passwd ends with: $(tail -n1 "$img/etc/passwd")"
echo "lower /etc/hostname still:   $(cat "$img/etc/hostname")"
after=$(lower_sum)
echo
echo "=== lower checksum (canonical tree dump, sha256)"
echo "before: $before"
echo "after:  $after"
if [[ $before == "$after" ]]; then
	echo "the lower is unchanged"
else
	echo "demo.sh: THE LOWER CHANGED" >&2
	exit 1
fi
