#!/usr/bin/env bash
# Issue 7, point 5: the host's network stays out of reach.  Root in a plain
# chroot connects to host loopback services and abstract AF_UNIX sockets and
# lists the host's sockets in /proc/net; inside ovlrun (default --net=none:
# a new network namespace with only lo up) it does none of these, and
# --net=host gives the host's network back on request.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
probe=$(tool boundprobe -static)
cp "$probe" "$L/bin/boundprobe"
snapshot_lower "$L"

# Host services: a TCP listener on 127.0.0.1 and an abstract socket.  Each
# prints its address (or "ready") once listening and holds on until its
# stdin closes.
coproc TCP { exec "$probe" listen-tcp 0; }
read -r port <&"${TCP[0]}"
[[ $port =~ ^[0-9]+$ ]] || fatal "host listener: $port"
name=ovlrun-test-$$
mkfifo "$T/abs.in" "$T/abs.out"
"$probe" listen-abstract "$name" < "$T/abs.in" > "$T/abs.out" &
exec {abs_hold}> "$T/abs.in"
read -r ready < "$T/abs.out"
[[ $ready == ready ]] || fatal "abstract listener: $ready"
porthex=$(printf '%04X' "$port")

# A plain chroot (host network, the host's /proc) reaches them all; in the
# rootless pass the same user's, as root of its own user namespace.
OUT=$(as_ns_root unshare -m sh -c "mount --rbind /proc '$L/proc' && chroot '$L' /bin/sh -c '
	boundprobe connect-tcp $port; boundprobe connect-abstract $name
	grep -c \":$porthex .* 0A \" /proc/net/tcp'")
assert_stdout "connect-tcp: ok
connect-abstract: ok
1"

# Inside ovlrun: nothing of it.
sh_ovl "$L" "" "boundprobe connect-tcp $port; boundprobe connect-abstract $name
	grep -c \":$porthex \" /proc/net/tcp; cat /proc/net/unix | grep -c $name
	sed 1,2d /proc/net/dev | cut -d: -f1 | tr -d ' '; ls /sys/class/net"
assert_stdout "connect-tcp: ECONNREFUSED
connect-abstract: ECONNREFUSED
0
0
lo
lo"
# lo is up: the command talks to itself over 127.0.0.1.
sh_ovl "$L" "" "boundprobe listen-tcp 0 < /dev/null; boundprobe bind-tcp 8080 && boundprobe connect-tcp 8080"
[[ $OUT =~ ^[0-9]+$'\n'"bind-tcp: ok"$'\n'"connect-tcp: ECONNREFUSED"$ ]] ||
	fail "loopback inside: $OUT"
OUT=$("$OVLRUN" --lower="$L" -- /bin/sh -c 'cat /sys/class/net/lo/flags')
assert_stdout "0x9"

# A host daemon's socket file in a lower (think --lower=/ and /run/dbus):
# a plain chroot connects to the daemon; on the kernel's overlayfs the
# overlay's inode has no listener (ECONNREFUSED), and so in ovlrun.
S=$(new_lower)
cp "$probe" "$S/bin/boundprobe"
mkdir -p "$S/run"
mkfifo "$T/unix.in" "$T/unix.out"
"$probe" listen-unix "$S/run/host.sock" < "$T/unix.in" > "$T/unix.out" &
exec {unix_hold}> "$T/unix.in"
read -r ready < "$T/unix.out"
[[ $ready == ready ]] || fatal "unix listener: $ready"
snapshot_lower "$S"
OUT=$(as_ns_root chroot "$S" /bin/boundprobe connect-unix /run/host.sock) || true
assert_stdout "connect-unix: ok"
if [[ -x $KOVLRUN ]] && grep -qw overlay /proc/filesystems; then
	OUT=$("$KOVLRUN" --lower="$S" --upper="$T/ku" -- /bin/boundprobe connect-unix /run/host.sock) || true
	assert_stdout "connect-unix: ECONNREFUSED"
fi
for net in none host; do
	OUT=$("$OVLRUN" --lower="$S" --upper="$T/u-$net" --net=$net -- /bin/boundprobe connect-unix /run/host.sock) || true
	assert_stdout "connect-unix: ECONNREFUSED"
done
exec {unix_hold}>&-
assert_lower_unchanged "$S"

# --net=host: the host's network, as asked.
OUT=$("$OVLRUN" --lower="$L" --net=host -- /bin/sh -c "boundprobe connect-tcp $port; boundprobe connect-abstract $name")
assert_stdout "connect-tcp: ok
connect-abstract: ok"
STATUS=0
OUT=$("$OVLRUN" --lower="$L" --net=bogus -- /bin/true 2>&1) || STATUS=$?
assert_status 125
assert_stdout "ovlrun: --net=bogus: expected none or host"

exec {TCP[1]}>&- {abs_hold}>&-
wait
assert_lower_unchanged "$L"
finish
