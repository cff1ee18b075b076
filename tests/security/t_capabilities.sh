#!/usr/bin/env bash
# needs host root: its attacks use capabilities of the host's root (a user cannot write the audit log or bind a privileged port of the host without the sandbox either)
# Issue 7, point 4: a root command keeps no capability that acts outside the
# sandbox's own namespaces.  Root in a plain chroot writes the host's audit
# log and binds privileged ports of the host's network; inside ovlrun the
# first is refused, the second works only in the sandbox's own network
# namespace (and is refused with --net=host).  The kept set is exactly the
# one documented in supervisor/sandbox.c and the README.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
cp "$(tool boundprobe -static)" "$L/bin/boundprobe"
snapshot_lower "$L"

# CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
# (bits 0-8), SYS_CHROOT (18), MKNOD (27), SETFCAP (31); NET_BIND_SERVICE
# (10) only in the sandbox's own network namespace.
kept_host=00000000880401ff
kept_none=00000000880405ff
sh_ovl "$L" "" 'grep -E "^Cap(Eff|Bnd|Prm|Amb|Inh)" /proc/self/status'
assert_stdout "CapInh:	0000000000000000
CapPrm:	$kept_none
CapEff:	$kept_none
CapBnd:	$kept_none
CapAmb:	0000000000000000"
OUT=$("$OVLRUN" --lower="$L" --net=host -- /bin/sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status')
assert_stdout "CapEff:	$kept_host
CapBnd:	$kept_host"
# A plain user keeps nothing.
OUT=$("$OVLRUN" --lower="$L" --uid=1000 --gid=1000 -- /bin/sh -c 'grep -E "^CapEff" /proc/self/status')
assert_stdout "CapEff:	0000000000000000"

# CAP_AUDIT_WRITE: root in a chroot writes a record into the host's audit log.
OUT=$(chroot "$L" /bin/boundprobe audit-write) || true
assert_stdout "audit-write: ok"
sh_ovl "$L" "" '/bin/boundprobe audit-write'
assert_stdout "audit-write: EPERM"

# CAP_NET_BIND_SERVICE: a free privileged port of the host's loopback.
port=
for p in $(seq 1001 1023); do
	grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { port=$p; break; }
done
[[ -n $port ]] || fatal "no free privileged port"
OUT=$(chroot "$L" /bin/boundprobe bind-tcp "$port") || true
assert_stdout "bind-tcp: ok"
OUT=$("$OVLRUN" --lower="$L" --net=host -- /bin/boundprobe bind-tcp "$port") || true
assert_stdout "bind-tcp: EACCES"
# In its own network namespace (the default) the command may: the port is
# the sandbox's own (t_network shows that nothing crosses).
OUT=$("$OVLRUN" --lower="$L" -- /bin/sh -c "/bin/boundprobe bind-tcp $port") || true
assert_stdout "bind-tcp: ok"
assert_lower_unchanged "$L"
finish
