# index=on: a change (fchmod, fsetxattr, fchown) through a read-only fd of
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# a lower name of a hard-linked file, after that name was renamed over or
# removed and made anew, changes the fd's own file, not what the name holds
# now; the fd's /proc link says "(deleted)".
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	echo data > data/a; ln data/a data/b; ln data/a data/c
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os
os.chdir('/data')
open('a', 'a').write('x')
fb = os.open('b', os.O_RDONLY)
open('tmp', 'w').write('new b\n')
os.rename('tmp', 'b')
os.fchmod(fb, 0o600)
os.setxattr(fb, 'user.k', b'v')
for p in ('a', 'b', 'c'):
    st = os.stat(p); print(p, oct(st.st_mode), st.st_nlink, os.listxattr(p))
print(oct(os.fstat(fb).st_mode), os.fstat(fb).st_nlink, os.readlink('/proc/self/fd/%d' % fb))
fc = os.open('c', os.O_RDONLY)
os.unlink('c')
open('c', 'w').write('new c\n')
os.fchown(fc, 5, 5)
print(os.fstat(fc).st_uid, os.readlink('/proc/self/fd/%d' % fc))
for p in ('a', 'b', 'c'):
    st = os.stat(p); print(p, oct(st.st_mode), st.st_nlink, st.st_uid)
PY
EOS
)
