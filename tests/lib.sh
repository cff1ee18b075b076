# tests/lib.sh — shared helpers for the shell-driven ovlrun tests.
# Source it from a test script (bash, set -euo pipefail is set here).
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#   ovl_init                      # root/binary checks, temp dir $T, cleanup trap
#   L=$(new_lower)                # fresh copy of the cached busybox image
#   snapshot_lower "$L"           # remember its canonical dump
#   run_ovl --lower="$L" --upper="$T/u" -- /bin/sh -c 'echo hi'
#   assert_status 0; assert_stdout "hi"
#   finish                        # checks every snapshotted lower is unchanged
#
# Environment:
#   OVLRUN       the binary under test (set by ctest).  OVLRUN=kernel selects
#                tests/tools/kovlrun, the same CLI on the kernel's overlayfs
#                (used to validate the tests themselves).
#   OVLRUN_SRC   the source tree (default: derived from this file's location)
#   OVLRUN_CACHE cache dir for the image and helper tools (default $OVLRUN_SRC/.cache)
#   CI=true      every skip is a failure (skip() exits 1, not 77)
#   OVLRUN_TIMEOUT  seconds per ovlrun invocation (default 120)
#   OVLRUN_KEEP=1   keep $T for debugging
#   OVLRUN_ROOTLESS=1  the rootless pass (tests/tools/rootless_test): the test
#                runs as a user without privileges, ovlrun and the kernel's
#                side (kovlrun) in user namespaces of that user; the images
#                are the user's own copies in $OVLRUN_CACHE
set -euo pipefail

OVLRUN_SRC=${OVLRUN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OVLRUN_CACHE=${OVLRUN_CACHE:-$OVLRUN_SRC/.cache}
OVLRUN_TIMEOUT=${OVLRUN_TIMEOUT:-120}
KOVLRUN=$OVLRUN_SRC/tests/tools/kovlrun
OVLRUN_ROOTLESS=${OVLRUN_ROOTLESS:-}
export OVLRUN_SRC OVLRUN_CACHE OVLRUN_ROOTLESS
# The overlay's xattrs: the kernel's unprivileged format (userxattr) in the
# rootless pass.
if [[ $OVLRUN_ROOTLESS == 1 ]]; then OVL_XATTR=user.overlay; else OVL_XATTR=trusted.overlay; fi

T=""
OVL_TEST_NAME=${OVL_TEST_NAME:-$(basename "${0%.sh}")}
OVL_FAILS=0
declare -a _ovl_snapshots=()

# Sanitizer settings of an ASan/UBSan build of ovlrun ("NAME=value" words);
# tests that clear the environment (env -i) pass these on to ovlrun.
SAN_ENV=()
for _v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	[[ -n ${!_v:-} ]] && SAN_ENV+=("$_v=${!_v}")
done
unset _v

# ---------------------------------------------------------------- messages
log()  { printf '%s\n' "$*" >&2; }
# skip REASON: exit 77 (ctest's SKIP_RETURN_CODE); under CI=true a skip is a
# failure: no test may pass in CI by not running.
skip() {
	[[ ${CI:-} != true ]] || fatal "skipped under CI=true, where a skip is a failure: $*"
	log "SKIP: $OVL_TEST_NAME: $*"
	exit 77
}
fatal() { log "FAIL: $OVL_TEST_NAME: $*"; exit 1; }
# A failed assertion is reported at once; the test goes on and fails at finish.
fail() { log "FAIL: $*"; OVL_FAILS=$((OVL_FAILS + 1)); }

# `ls /` of the test image (scripts/make-image.sh)
IMAGE_ROOT_LISTING="bin
dev
etc
home
lib
linuxrc
opt
proc
root
sbin
sys
tmp
usr"

# ---------------------------------------------------------------- set-up
require_root() {
	[[ $(id -u) -eq 0 ]] || skip "needs root"
}

# test_user NAME: make the user NAME once (root; under a lock) and print
# its uid.  ovlrun-test, a regular user, gets the subordinate ids useradd
# gives (ranges after every other one if useradd gave none);
# ovlrun-single, a system user, none: ovlrun maps it alone.
_make_test_user() {
	local name=$1 s
	id -u "$name" > /dev/null 2>&1 || {
		local kind=()
		[[ $name != ovlrun-single ]] || kind=(--system)
		useradd "${kind[@]}" --no-create-home --home-dir / --shell /usr/sbin/nologin \
			--comment "ovlrun tests" "$name" || return 1
	}
	[[ $name == ovlrun-test ]] || return 0
	grep -q "^$name:" /etc/subuid && grep -q "^$name:" /etc/subgid && return 0
	s=$(awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}' /etc/subuid /etc/subgid 2> /dev/null)
	usermod --add-subuids "$s-$((s + 65535))" --add-subgids "$s-$((s + 65535))" "$name"
}
test_user() {
	with_lock /run/ovlrun-test-users.lock _make_test_user "$1" > /dev/null ||
		fatal "cannot make the test user $1"
	id -u "$1"
}

# map_for_user DIR USER (as root): DIR becomes USER's copy of an image, as a
# rootless user keeps one (podman's storage does the same): each owner
# mapped as USER's namespace maps it (0 the user, 1.. its ranges in
# /etc/subuid and /etc/subgid: tests/tools/mapowners.c), so that inside they
# show the owners they have for root; no device nodes (a user cannot make
# them: a rootless container's image has none).
map_for_user() {
	local dir=$1 user=$2 uid gid us un gs gn
	uid=$(id -u "$user") gid=$(id -g "$user")
	read -r us un < <(awk -F: -v u="$user" '$1 == u {print $2, $3; exit}' /etc/subuid)
	read -r gs gn < <(awk -F: -v u="$user" '$1 == u {print $2, $3; exit}' /etc/subgid)
	find "$dir" \( -type b -o -type c \) -delete
	"$(tool mapowners)" "$dir" "$uid" "$gid" "$us" "$un" "$gs" "$gn"
}

# userns_map_args: unshare(1)'s options for a user namespace that maps ids
# as ovlrun run by this user maps them (supervisor/rootless.c): 0 is the
# user; 1.. its first ranges in /etc/subuid and /etc/subgid, when it has
# both and newuidmap/newgidmap exist.
userns_map_args() {
	local u g us un gs gn name
	u=$(id -u) g=$(id -g) name=$(id -un 2> /dev/null || echo "$u")
	read -r us un < <(awk -F: -v a="$u" -v b="$name" '($1 == a || $1 == b) && $3 > 0 {print $2, $3; exit}' /etc/subuid 2> /dev/null) || true
	read -r gs gn < <(awk -F: -v a="$u" -v b="$name" '($1 == a || $1 == b) && $3 > 0 {print $2, $3; exit}' /etc/subgid 2> /dev/null) || true
	if [[ -n ${un:-} && -n ${gn:-} && -x /usr/bin/newuidmap && -x /usr/bin/newgidmap ]]; then
		echo "--map-user=0 --map-group=0 --map-users=$us,1,$un --map-groups=$gs,1,$gn"
	else
		echo "--map-root-user"
	fi
}

# as_ns_root CMD...: in the rootless pass, CMD as root of a user namespace
# mapping ids as ovlrun's (with a mount namespace of its own): the host side
# of a test makes and reads its layers there, so that owners read as they
# do inside; otherwise (or there already) CMD itself.
as_ns_root() {
	local pre
	read -ra pre < <(ns_root_prefix)
	"${pre[@]}" "$@"
}
# ns_root_prefix: as_ns_root's words before CMD (none outside the rootless
# pass), for a test that hands a command line to another process.
ns_root_prefix() {
	if [[ $OVLRUN_ROOTLESS == 1 && $(id -u) -ne 0 ]]; then
		echo "unshare $(userns_map_args) -m --"
	else
		echo
	fi
}

# Resolve $OVLRUN; skip when it does not exist yet.
require_ovlrun() {
	if [[ ${OVLRUN:-} == kernel ]]; then
		OVLRUN=$KOVLRUN
	fi
	if [[ -z ${OVLRUN:-} ]]; then
		local b
		for b in "$OVLRUN_SRC"/build/ovlrun "$OVLRUN_SRC"/build*/ovlrun; do
			if [[ -x $b ]]; then OVLRUN=$b; break; fi
		done
	fi
	if [[ -z ${OVLRUN:-} || ! -x $OVLRUN ]]; then
		skip "ovlrun binary not found (OVLRUN=${OVLRUN:-unset})"
	fi
	export OVLRUN
}

require_kernel_overlay() {
	if ! grep -qw overlay /proc/filesystems; then
		modprobe overlay 2>/dev/null || true
	fi
	if ! grep -qw overlay /proc/filesystems; then
		skip "kernel overlayfs not available"
	fi
}

_ovl_cleanup() {
	local rc=$?
	if [[ -n $T && -d $T ]]; then
		# No test mounts anything outside a private namespace, but be sure:
		local m
		while IFS= read -r m; do
			[[ -n $m ]] && umount -l "$m" 2>/dev/null || true
		done < <(findmnt -rn -o TARGET 2>/dev/null | grep -F "$T" | sort -r || true)
		if [[ ${OVLRUN_KEEP:-} == 1 ]]; then
			log "kept $T"
		else
			# (an immutable/append-only flag set by a bug would block removal;
			# rootless: files of the user's other ids are removed as they
			# were made, and the kernel's work dirs are mode 0)
			if [[ $OVLRUN_ROOTLESS == 1 ]]; then
				as_ns_root sh -c 'find "$1" -type d -exec chmod u+rwx {} \; 2> /dev/null; rm -rf "$1"' sh "$T"
			else
				rm -rf "$T" 2>/dev/null || { chattr -R -i -a "$T" >/dev/null 2>&1; rm -rf "$T"; }
			fi
		fi
	fi
	exit "$rc"
}

# ovl_init [--no-binary]: standard prologue of a test.
ovl_init() {
	if [[ $OVLRUN_ROOTLESS == 1 ]]; then
		[[ $(id -u) -ne 0 ]] || fatal "OVLRUN_ROOTLESS=1 as root (tests/tools/rootless_test runs it as the test user)"
	else
		require_root
	fi
	[[ ${1:-} == --no-binary ]] || require_ovlrun
	T=$(mktemp -d "${TMPDIR:-/tmp}/ovlrun-test.XXXXXX")
	chmod 0700 "$T"  # only root enters: uppers made in it are not shared (--allow-shared-upper)
	mkdir "$T/.run" "$T/.snap"
	trap _ovl_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	umask 022
}

# ---------------------------------------------------------------- cache
# with_lock FILE CMD...: run CMD holding an exclusive flock on FILE.
with_lock() {
	local lock=$1; shift
	mkdir -p "$(dirname "$lock")"
	(
		flock -w 600 9 || { echo "cannot lock $lock" >&2; exit 1; }
		"$@"
	) 9>"$lock"
}

_image_key() {
	{
		sha256sum "$OVLRUN_SRC/scripts/make-image.sh" "$OVLRUN_SRC/tests/tools/ovlprobe.c" | cut -d' ' -f1
		local b
		for b in /bin/busybox /usr/bin/busybox; do [[ -e $b ]] && { sha256sum "$b" | cut -d' ' -f1; break; }; done
		gcc --version | head -n1
	} | sha256sum | cut -d' ' -f1
}

_build_image() {
	local img=$1 key=$2
	if [[ -d $img && -f $img.key && $(cat "$img.key") == "$key" ]]; then
		return 0
	fi
	rm -rf "$img" "$img.new" "$img.key"
	bash "$OVLRUN_SRC/scripts/make-image.sh" "$img.new" >&2
	mv "$img.new" "$img"
	printf '%s\n' "$key" > "$img.key"
}

# image_dir: print the cached image directory, building it on demand.
image_dir() {
	local img=$OVLRUN_CACHE/image key
	key=$(_image_key)
	if [[ $OVLRUN_ROOTLESS == 1 ]]; then
		# (the user's copy, made by tests/tools/rootless_test)
		[[ -f $img.key && $(cat "$img.key") == "$key" ]] ||
			{ log "rootless: no current copy of the image in $img"; return 1; }
		printf '%s\n' "$img"
		return 0
	fi
	if ! [[ -d $img && -f $img.key && $(cat "$img.key") == "$key" ]]; then
		with_lock "$OVLRUN_CACHE/image.lock" _build_image "$img" "$key"
	fi
	printf '%s\n' "$img"
}

# The Debian image of the distribution tests: bookworm minbase made with
# debootstrap, with python3 and its regression tests, a C toolchain, git,
# xz, stress-ng and inotify-tools; the .deb of "hello" in /debs and a local
# apt repository in /debs/repo (jq and the libraries it depends on, with
# a Packages index), both downloaded on the host.
DEBIAN_PACKAGES=python3,libpython3.11-testsuite,xz-utils,git,make,gcc,libc6-dev,stress-ng,inotify-tools
DEBIAN_REPO_DEBS="jq libjq1 libonig5"
# apt-get download PKG... into the cwd, from the host's package lists
# (refreshed once if they are stale).
_host_download() {
	apt-get download -qq "$@" > /dev/null 2>&1 ||
		{ apt-get update -qq > /dev/null 2>&1 && apt-get download -qq "$@" > /dev/null 2>&1; } ||
		{ echo "apt-get download $* failed" >&2; return 1; }
}
_build_debian() {
	local dir=$1 key=$2
	[[ -f $dir/.complete && $(cat "$dir/.complete") == "$key" ]] && return 0
	command -v dpkg-scanpackages > /dev/null || { echo "dpkg-scanpackages (dpkg-dev) is not installed" >&2; return 1; }
	rm -rf "$dir" "$dir.new"
	debootstrap --variant=minbase --include="$DEBIAN_PACKAGES" bookworm "$dir.new" \
		http://deb.debian.org/debian > "$OVLRUN_CACHE/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$OVLRUN_CACHE/debootstrap.log" >&2; return 1; }
	mkdir -p "$dir.new/debs/repo"
	(cd "$dir.new/debs" && _host_download hello) || return 1
	# shellcheck disable=SC2086 # a list of package names
	(cd "$dir.new/debs/repo" && _host_download $DEBIAN_REPO_DEBS &&
		dpkg-scanpackages --multiversion . 2> /dev/null > Packages) || return 1
	printf '%s\n' "$key" > "$dir.new/.complete"
	mv "$dir.new" "$dir"
}

# debian_image: print the cached Debian image directory, building it on
# demand (needs debootstrap and Debian's package registry).
debian_image() {
	if [[ $OVLRUN_ROOTLESS == 1 ]]; then
		[[ -f $OVLRUN_CACHE/debian/.complete ]] ||
			{ log "rootless: no copy of the Debian image in $OVLRUN_CACHE"; return 1; }
		printf '%s\n' "$OVLRUN_CACHE/debian"
		return 0
	fi
	command -v debootstrap > /dev/null || { log "debootstrap is not installed"; return 1; }
	with_lock "$OVLRUN_CACHE/debian.lock" _build_debian "$OVLRUN_CACHE/debian" \
		"$DEBIAN_PACKAGES;repo:$DEBIAN_REPO_DEBS" >&2 ||
		return 1
	printf '%s\n' "$OVLRUN_CACHE/debian"
}

# use_debian_image: set D to the Debian image; skip without it.
use_debian_image() {
	D=$(debian_image) || skip "cannot build the Debian image (no network?)"
}

# run_debian RUNNER UPPER CMD...: CMD in RUNNER ($OVLRUN or $KOVLRUN) with
# the Debian image $D as the lower (below the test's own DEBIAN_TOP if set),
# as root in a clean environment, no stdin; sets OUT, ERR and STATUS.
run_debian() {
	local runner=$1 upper=$2
	shift 2
	STATUS=0
	OUT=$(timeout 300 "$runner" --lower="${DEBIAN_TOP:+$DEBIAN_TOP:}$D" --upper="$upper" -- /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@" 2> "$T/err" < /dev/null) || STATUS=$?
	ERR=$(cat "$T/err")
}

_build_tool() { # SRC OUT [GCC FLAGS...]
	local src=$1 out=$2
	shift 2
	[[ -x $out ]] && return 0
	mkdir -p "$(dirname "$out")"
	gcc -O2 -Wall -Wextra "$@" -o "$out.tmp.$$" "$src" && mv "$out.tmp.$$" "$out"
}

# tool NAME [GCC FLAGS...]: print the path of a compiled helper from
# tests/tools/NAME.c (e.g. tool boundprobe -static, for use inside a lower)
tool() {
	local name=$1 src=$OVLRUN_SRC/tests/tools/$1.c h out
	shift
	h=$( (cat "$src"; echo "$@") | sha256sum | cut -c1-16)
	out=$OVLRUN_CACHE/tools/$name-$h
	if [[ ! -x $out ]]; then
		with_lock "$OVLRUN_CACHE/tools.lock" _build_tool "$src" "$out" "$@"
	fi
	printf '%s\n' "$out"
}

# new_lower [DIR]: make DIR (default: a new dir in $T) a fresh copy of the image.
new_lower() {
	local dir=${1:-} img
	if [[ -z $dir ]]; then dir=$(mktemp -d "$T/lower.XXXXXX"); rmdir "$dir"; fi
	img=$(image_dir)
	as_ns_root cp -a "$img" "$dir"
	printf '%s\n' "$dir"
}

# ---------------------------------------------------------------- dumps
# tree_dump DIR [treedump options]: canonical dump of a layer on stdout
# (type, mode, owner, nlink, size, sha256, symlink target, rdev, xattrs;
# no times, no inode numbers).
tree_dump() {
	local dir=$1 dump; shift
	dump=$(tool treedump)
	as_ns_root "$dump" "$@" "$dir"
}

# The kernel's private bookkeeping xattrs: their values are file handles and
# uuids of one mount instance; see README.md "Differences from overlayfs".
OVL_BOOKKEEPING_XATTRS=("$OVL_XATTR.origin" "$OVL_XATTR.impure" "$OVL_XATTR.uuid"
	"$OVL_XATTR.nlink" "$OVL_XATTR.upper")
upper_dump() {
	local args=() x
	for x in "${OVL_BOOKKEEPING_XATTRS[@]}"; do args+=(-x "$x"); done
	tree_dump "$1" "${args[@]}"
}

# snapshot_lower DIR: remember DIR's dump (with inode flags); finish checks it.
snapshot_lower() {
	local dir=$1 n=${#_ovl_snapshots[@]}
	mkdir -p "$T/.snap"
	tree_dump "$dir" -F > "$T/.snap/$n"
	_ovl_snapshots+=("$dir")
}

# assert_lower_unchanged: compare every snapshotted lower with its dump now.
assert_lower_unchanged() {
	local i
	for i in "${!_ovl_snapshots[@]}"; do
		local dir=${_ovl_snapshots[$i]}
		if ! tree_dump "$dir" -F > "$T/.snap/$i.now"; then
			fail "cannot dump lower $dir"
		elif ! diff -u --label "lower before" --label "lower after" "$T/.snap/$i" "$T/.snap/$i.now" >&2; then
			fail "lower layer $dir was modified (diff above)"
		fi
	done
}

# finish: final checks; exit 0 only if no assertion failed.
finish() {
	assert_lower_unchanged
	if [[ $OVL_FAILS -ne 0 ]]; then
		log "FAIL: $OVL_TEST_NAME: $OVL_FAILS assertion(s) failed"
		exit 1
	fi
	log "PASS: $OVL_TEST_NAME"
	exit 0
}

# ---------------------------------------------------------------- running
# run_ovl ARGS...: run "$OVLRUN" ARGS with no stdin and a timeout; stdout in
# $T/.run/stdout (also $OUT), stderr in $T/.run/stderr (also $ERR), status in $STATUS.
OUT="" ERR="" STATUS=0
run_ovl() {
	STATUS=0
	timeout -k 10 "$OVLRUN_TIMEOUT" "$OVLRUN" "$@" < /dev/null > "$T/.run/stdout" 2> "$T/.run/stderr" || STATUS=$?
	OUT=$(cat "$T/.run/stdout")
	ERR=$(cat "$T/.run/stderr")
	if [[ $STATUS -eq 124 ]]; then
		fail "ovlrun timed out after ${OVLRUN_TIMEOUT}s: ovlrun $*"
	fi
}

# ovl_background NAME OVLRUN-ARGS...: start ovlrun in the background with
# its stdin a FIFO the test holds open (fd 8: write to it, close it) and its
# stdout a FIFO the test reads (fd 9); stderr goes to $T/NAME.err.  Sets
# BG_PID, and SAID to the first line the command printed (its "I run").
ovl_background() {
	local name=$1; shift
	mkfifo "$T/$name.said" "$T/$name.hold"
	exec 8<> "$T/$name.hold"
	"$OVLRUN" "$@" < "$T/$name.hold" > "$T/$name.said" 2> "$T/$name.err" &
	BG_PID=$!
	exec 9< "$T/$name.said"
	read -r -t "$OVLRUN_TIMEOUT" SAID <&9 || SAID="(nothing)"
}

# sh_ovl LOWER UPPER SCRIPT: run SCRIPT with /bin/sh in the overlay
# (UPPER may be "" for a read-only overlay).
sh_ovl() {
	local lower=$1 upper=$2 script=$3
	if [[ -n $upper ]]; then
		run_ovl --lower="$lower" --upper="$upper" -- /bin/sh -c "$script"
	else
		run_ovl --lower="$lower" -- /bin/sh -c "$script"
	fi
}

# ---------------------------------------------------------------- asserts
_show() { printf '%s' "$1" | sed 's/^/    | /' >&2; printf '\n' >&2; }

assert_eq() { # EXPECTED ACTUAL WHAT
	if [[ $1 != "$2" ]]; then
		fail "${3:-value}: expected vs got:"
		diff -u --label expected --label got <(printf '%s\n' "$1") <(printf '%s\n' "$2") >&2 || true
		return 1
	fi
}

assert_status() { # EXPECTED
	if [[ $STATUS -ne $1 ]]; then
		fail "exit status: expected $1, got $STATUS"
		log "  stdout:"; _show "$OUT"
		log "  stderr:"; _show "$ERR"
		return 1
	fi
}
assert_stdout() { assert_eq "$1" "$OUT" "stdout"; }
assert_stderr() { assert_eq "$1" "$ERR" "stderr"; }
assert_stderr_contains() {
	if [[ $ERR != *"$1"* ]]; then
		fail "stderr does not contain '$1'"; _show "$ERR"; return 1
	fi
}
assert_stdout_contains() {
	if [[ $OUT != *"$1"* ]]; then
		fail "stdout does not contain '$1'"; _show "$OUT"; return 1
	fi
}

# (The host-side asserts look as root of the user's namespace in the
# rootless pass: as_ns_root; what the test made there may be another id's.)
assert_file_content() { # PATH EXPECTED
	if ! as_ns_root test -f "$1"; then fail "$1: not a regular file"; return 1; fi
	assert_eq "$2" "$(as_ns_root cat "$1")" "content of $1"
}
assert_missing() { # PATH
	if as_ns_root sh -c '[ -e "$1" ] || [ -L "$1" ]' sh "$1"; then
		fail "$1 exists ($(as_ns_root stat -c %F "$1")), expected absent"; return 1
	fi
}
assert_exists() {
	if ! as_ns_root sh -c '[ -e "$1" ] || [ -L "$1" ]' sh "$1"; then fail "$1 is missing"; return 1; fi
}
assert_type() { # PATH "regular file"|"directory"|"symbolic link"|...
	local got
	got=$(as_ns_root stat -c %F "$1" 2>&1) || true
	assert_eq "$2" "$got" "type of $1"
}
assert_mode() { # PATH OCTAL (e.g. 640)
	assert_eq "$2" "$(as_ns_root stat -c %a "$1" 2>&1)" "mode of $1"
}
assert_owner() { # PATH UID:GID (as the overlay shows it: in the user's namespace rootless)
	assert_eq "$2" "$(as_ns_root stat -c %u:%g "$1" 2>&1)" "owner of $1"
}
# A whiteout in an upper dir: a character device 0/0.
assert_whiteout() {
	assert_eq "character special file 0:0" "$(as_ns_root stat -c '%F %t:%T' "$1" 2>&1)" "whiteout $1"
}
# An opaque directory: trusted.overlay.opaque="y" (user.overlay. rootless).
assert_opaque() {
	local v
	v=$(as_ns_root getfattr --absolute-names --only-values -n "$OVL_XATTR.opaque" "$1" 2>&1) || true
	assert_eq "y" "$v" "$OVL_XATTR.opaque of $1"
}
assert_not_opaque() {
	if as_ns_root getfattr --absolute-names -n "$OVL_XATTR.opaque" "$1" >/dev/null 2>&1; then
		fail "$1 is opaque, expected not"
	fi
}
