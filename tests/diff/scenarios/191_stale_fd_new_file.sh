# A lower file's fd outlives its name, and a new file takes the name: the
# fd's changes (fchmod, fchown, fsetxattr) are never the new file's, whose
# mode and owner stay as made.  (In a run by a user no origin record names
# the copy's lower file: the copies of the run do, and a file made anew
# under the name is no copy.)  A copied-up file's fd outlives its name:
# its xattr names are the overlay's (its own records unseen: in a run by
# a user they are user.* names the kernel would list).
image=debian
setup_top_lower() {
	mkdir -p d; echo old > d/f; echo up > d/u
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, errno
fd = os.open('/d/f', os.O_RDONLY)
os.unlink('/d/f')
with open('/d/f', 'w') as f:
    f.write('new\n')
for what, fn in (('fchmod', lambda: os.fchmod(fd, 0o600)), ('fchown', lambda: os.fchown(fd, 7, 7)),
                 ('fsetxattr', lambda: os.setxattr(fd, 'user.k', b'v'))):
    try:
        fn(); print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
st = os.stat('/d/f')
print('new file', oct(st.st_mode), st.st_uid, st.st_gid, os.listxattr('/d/f'), open('/d/f').read().strip())
print('old fd reads', os.pread(fd, 10, 0))
ufd = os.open('/d/u', os.O_RDWR)
os.unlink('/d/u')
print('unlinked copy names', [x for x in os.listxattr(ufd) if not x.startswith('security.')])
for n in ('user.overlay.origin', 'trusted.overlay.origin'):
    try:
        os.getxattr(ufd, n); print(n, 'read')
    except OSError as e:
        print(n, errno.errorcode[e.errno])
PY
EOS
)
