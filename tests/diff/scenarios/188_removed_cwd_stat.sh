# The working directory removed while the command is in it: a dir from
# the lower, one copied up (a file in it changed, then removed), one made
# in the upper, an empty one of the lower (never copied up).  stat of "."
# (coreutils: statx; python: fstatat), of an fd kept on it (fstat) and
# through /proc/self/fd (type, mode, owner, link count; the inode the same
# as before the removal), listing it, and creating in it (ENOENT), as on
# Linux.
image=debian
setup_lower() {
	mkdir -p low/sub cop empty; echo x > cop/f; chmod 0750 low; chmod 0711 empty
}
script=$(cat <<'EOS'
cd /
mkdir new; chmod 0701 new; chown 1:2 new
for d in low cop new empty; do
	cd /$d
	[ $d = cop ] && { echo y > f; rm f; }
	[ $d = low ] && rmdir sub
	before=$(stat -c %i .)
	exec 3<.
	rm -rf /$d
	echo "$d: $(stat -c '%F %a %u:%g links=%h' .) fd: $(stat -L -c '%F %a links=%h' /proc/self/fd/3) same inode: $([ "$(stat -c %i .)" = "$before" ] && echo yes)"
	python3 -c 'import os; a, b = os.stat("."), os.fstat(3); print(" python:", oct(a.st_mode), a.st_uid, a.st_gid, a.st_nlink, oct(b.st_mode), b.st_nlink, a.st_ino == b.st_ino)'
	ls -a . 2>&1 | tr '\n' ' '; echo
	touch x 2>&1; mkdir y 2>&1
	exec 3<&-
done
EOS
)
