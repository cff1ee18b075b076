#!/usr/bin/env bash
# Issue 7, point 8: every /proc/<pid>/... and /proc/<pid>/task/<tid>/...
# magic link (fd/N, cwd, root, exe) is policed as /proc/self/... is: by
# numeric pid, by task dir, of the command itself and of other processes,
# as root and as a plain user.
#   fd/N:   a host file on stdin (opened read-only) is reopened for writing
#           through the links of the process itself (also through a symlink
#           made in /dev/shm) and of a sibling that shares it: from a plain
#           chroot the host file is written; inside, refused (read works).
#   root, cwd, task/<tid>/fd/N of another process (a plain user's): from a
#           plain chroot they lead to the host's tree and files; inside,
#           only to the overlay's (the same path names the overlay's file).
#   The kernel's ptrace rules hold: a plain user never follows root's links.
# In the rootless pass the host side is the test user's, its uid 1000 its
# namespace's (the user's range): the plain chroots are made as root of a
# user namespace of the same mapping, and the host files are the user's.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init
L=$(new_lower)
mkdir -p "$L/data" "$L/secret"
echo overlay-data > "$L/data/file"
echo root-secret > "$L/secret/f"
chmod 700 "$L/secret"
snapshot_lower "$L"
C=$(new_lower)   # for the plain chroots
cp -a "$L/data" "$L/secret" "$C/"

host=$T/hostfile
fresh_host() {
	rm -f "$host"
	echo host-original > "$host"
	chmod 644 "$host"
	as_ns_root chown 1000:1000 "$host"
}
# the host side of a plain user's process ($T is root-only: let uid 1000 pass)
chmod 0711 "$T"
mkdir -m 0700 "$T/private"  # uppers: not where other users reach (t_shared_upper)
hostdir=$T/hostdir
mkdir -m 755 "$hostdir"
echo HOST-MARKER > "$hostdir/marker"
echo HOST-SECRET > "$T/hostsecret"
chmod 600 "$T/hostsecret"
[[ $OVLRUN_ROOTLESS == 1 ]] || chown 1000:1000 "$T/hostsecret"

# plain ROOT USERSPEC CMD...: CMD chrooted into ROOT as USERSPEC, with a
# /proc of its own pid namespace and /dev/null
plain() {
	local root=$1 user=$2
	shift 2
	as_ns_root timeout 60 unshare -m -p -f --propagation private sh -c '
		r=$1 u=$2; shift 2
		mount -t proc proc "$r/proc" && mount -t tmpfs -o mode=755 tmpfs "$r/dev" &&
			mkdir -m 1777 "$r/dev/shm" && touch "$r/dev/null" &&
			mount --bind /dev/null "$r/dev/null" &&
			exec chroot --userspec="$u" "$r" "$@"' plain "$root" "$user" "$@"
}

# ---- fd/N: the host file on stdin, through every form of the link (the
# sibling holds it as fd 3: a background job's stdin is /dev/null)
fd_script='
for p in /proc/$$/fd/0 /proc/$$/task/$$/fd/0 /proc/self/task/$$/fd/0; do
	{ echo x >> $p; } 2>/dev/null && echo "wrote $p" || echo "refused $p"
done
ln -s /proc/$$/fd/0 /dev/shm/link$$
{ echo x >> /dev/shm/link$$; } 2>/dev/null && echo "wrote via a link" || echo "refused via a link"
exec 3<&0
sleep 1000 & s=$!
{ echo x >> /proc/$s/fd/3; } 2>/dev/null && echo "wrote sibling" || echo "refused sibling"
{ echo x >> /proc/$s/task/$s/fd/3; } 2>/dev/null && echo "wrote sibling task" || echo "refused sibling task"
grep -q host-original /proc/$s/fd/3 && echo "read sibling"
kill $s'
for who in 0:0 1000:1000; do
	fresh_host
	OUT=$(plain "$C" "$who" /bin/sh -c "$fd_script" < "$host" 2>&1) || true
	[[ $(grep -c '^wrote' <<< "$OUT") -eq 6 && $(grep -c x "$host") -eq 6 ]] ||
		fail "as $who, the fd links did not write the host file from a plain chroot (probe broken): $OUT"
	fresh_host
	uid=${who%:*}
	STATUS=0
	OUT=$(timeout 60 "$OVLRUN" --lower="$L" --upper="$T/private/u$uid" --uid="$uid" --gid="$uid" -- /bin/sh -c \
		"$fd_script" < "$host" 2>&1) || STATUS=$?
	assert_status 0 || true
	assert_eq "refused /proc/\$\$/fd/0
refused /proc/\$\$/task/\$\$/fd/0
refused /proc/self/task/\$\$/fd/0
refused via a link
refused sibling
refused sibling task
read sibling" "$(sed 's#/proc/[0-9]*/#/proc/$$/#; s#/task/[0-9]*/#/task/$$/#' <<< "$OUT")" \
		"as $who, the fd links inside ovlrun" || true
	assert_eq host-original "$(cat "$host")" "as $who, the host file" || true
done

# ---- root, cwd, task/<tid>/fd/N of another process of the same plain user
# (it says its pid, and ends when its stdin closes).  The rootless pass:
# the user's own host process, which the user reads without a sandbox (a
# plain chroot would need a user namespace, and the kernel lets no process
# of one follow the links of a process outside it).
fresh_host
as=(setpriv --reuid=1000 --regid=1000 --clear-groups)
[[ $OVLRUN_ROOTLESS != 1 ]] || as=()
coproc HP { "${as[@]}" sh -c \
	"cd '$hostdir' && exec 3< '$T/hostsecret' && echo \$\$ && exec cat > /dev/null"; }
read -r hp <&"${HP[0]}"
# (bash unsets HP and HP_PID once it reaps the coproc: kept here)
hp_job=$HP_PID hp_in=${HP[1]}
links_script="cat /proc/$hp/root$hostdir/marker; cat /proc/$hp/cwd/marker;
	cat /proc/$hp/task/$hp/fd/3; echo end"
# a plain chroot that sees the host's processes (its /proc) lets it out
if [[ $OVLRUN_ROOTLESS == 1 ]]; then
	OUT=$(sh -c "$links_script" 2>&1) || true
else
	OUT=$(timeout 60 unshare -m sh -c "mount --bind /proc '$C/proc' &&
		exec chroot --userspec=1000:1000 '$C' /bin/sh -c '$links_script'" 2>&1) || true
fi
[[ $OUT == *HOST-MARKER*HOST-MARKER*HOST-SECRET*end* ]] ||
	fail "another process's root, cwd and fd links did not lead out without the sandbox (probe broken): $OUT"
sh_ovl "$L" "$T/private/u" "$links_script"
assert_stdout "end" || true
[[ $OUT$ERR != *HOST-* ]] || fail "a host file was read through another process's links: $OUT"
exec {hp_in}>&-
wait "$hp_job" || true

# Inside, the same links of a sibling lead into the overlay: its cwd and
# root are overlay dirs (read and written through the overlay, never the
# lower), and a plain user does not follow root's links (ptrace rules).
# (The upper is made in a dir only root enters: "/" keeps the lower's mode.)
sibling_script='mkfifo /tmp/in-data; (cd /data && echo > /tmp/in-data && exec sleep 1000) & s=$!
read x < /tmp/in-data   # the sibling is in /data
cat /proc/$s/cwd/file /proc/$s/task/$s/root/data/file
echo via-cwd > /proc/$s/cwd/new && cat /data/new
exec 4< /etc/hostname
ovlprobe runas 1000 1000 /bin/sh -c "cat /proc/$s/cwd/file; cat /proc/$$/fd/4; cat /proc/1/root/etc/hostname; echo end"
kill $s'
sh_ovl "$L" "$T/private/u" "$sibling_script"
assert_stdout "overlay-data
overlay-data
via-cwd
end" || true
[[ $(grep -c "Permission denied" <<< "$ERR") -eq 3 ]] || fail "a plain user followed root's links: $ERR"
assert_file_content "$T/private/u/data/new" via-cwd || true

# readlink of a layer file's fd by any form of the link: its overlay path,
# never the supervisor's mount path
sh_ovl "$L" "" 'exec 4< /etc/passwd; readlink /proc/$$/fd/4; readlink /proc/$$/task/$$/fd/4
	cd /proc/$$/task/$$/fd && readlink 4'
assert_stdout "/etc/passwd
/etc/passwd
/etc/passwd" || true
finish
