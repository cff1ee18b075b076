# index=on: a change through a read-only fd of a lower name whose object is
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# in the index (fchmod, fchown, fsetxattr) links the fd's name up first, as
# the kernel does, and every name shows it.
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	echo data > data/a; ln data/a data/b; ln data/a data/c
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os
open('/data/a', 'a').write('more\n')
fd = os.open('/data/b', os.O_RDONLY)
os.fchmod(fd, 0o600)
os.fchown(fd, 7, 8)
os.setxattr(fd, 'user.k', b'v')
for p in ('/data/a', '/data/b', '/data/c'):
    st = os.stat(p)
    print(p, oct(st.st_mode & 0o7777), st.st_uid, st.st_gid, st.st_nlink, os.getxattr(p, 'user.k'))
PY
EOS
)
