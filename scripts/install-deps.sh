#!/usr/bin/env bash
# install-deps.sh — install everything the build, the demo and all tests need
# on Debian 12 (bookworm).  Quiet and idempotent: does nothing when every
# package is already installed.  Needs root (re-runs itself with sudo).
set -euo pipefail

packages=(
	build-essential cmake pkg-config        # build (gcc, make, binutils)
	libseccomp-dev libcap-dev libcmocka-dev # libraries of ovlrun and its unit tests
	libarchive-dev                          # ovlrun export's tar, OCI image layers
	libjansson-dev libssl-dev               # OCI image layouts: their JSON, sha256 digests
	busybox-static                          # the test/demo image
	attr                                    # getfattr/setfattr (tests check xattrs)
	debootstrap                             # the Debian rootfs of the distribution tests (tests/lib.sh)
	dpkg-dev                                # dpkg-scanpackages: that image's local apt repository
	util-linux mount                        # unshare, setpriv, flock, findmnt, mount (kernel reference)
	uidmap                                  # newuidmap/newgidmap: a rootless run's /etc/subuid ranges
	tmux                                    # a terminal for t_terminal (the sandbox's own pty)
	coreutils findutils diffutils mawk sed grep tar e2fsprogs kmod procps
)

if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo > /dev/null; then exec sudo -E bash "$0" "$@"; fi
	echo "install-deps.sh: must run as root" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-deps.sh: all ${#packages[@]} packages already installed"
	exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
echo "install-deps.sh: done"
