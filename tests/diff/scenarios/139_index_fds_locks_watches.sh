# index=on: an fd, a lock and an inotify watch on any name of a hard-linked
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# lower file see the one object: an fd of b opened before a's copy-up
# reads a's write (after a trapped call), its /proc link names /data/b;
# flock through b and through a conflict; a watch on b hears a write and a
# chmod through a.
image=debian
index=on
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os, select, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
old = os.open('/data/b', os.O_RDONLY)
ino = libc.inotify_init1(os.O_NONBLOCK)
wd = libc.inotify_add_watch(ino, b'/data/b', 0x2 | 0x4 | 0x8 | 0x20)  # MODIFY ATTRIB CLOSE_WRITE OPEN
def events():
    out = []
    while True:
        try:
            buf = os.read(ino, 4096)
        except BlockingIOError:
            return out
        i = 0
        while i < len(buf):
            w, mask, cookie, ln = struct.unpack_from('iIII', buf, i)
            out.append(hex(mask)); i += 16 + ln
with open('/data/a', 'a') as f:
    f.write('more\n')
os.stat('/data')                     # a trapped call: stale fds move
print('old fd of b reads', repr(os.pread(old, 100, 0)))
print('its link', os.readlink('/proc/self/fd/%d' % old))
os.chmod('/data/a', 0o640)
print('watch on b', events())
fd_b = os.open('/data/b', os.O_RDONLY)
print('new fd link', os.readlink('/proc/self/fd/%d' % fd_b))
fcntl.flock(fd_b, fcntl.LOCK_EX)
fd_a = os.open('/data/sub/c', os.O_RDONLY)
try:
    fcntl.flock(fd_a, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print('flock through c: taken')
except OSError as e:
    print('flock through c:', e.strerror)
st = [os.stat(p) for p in ('/data/a', '/data/b', '/data/sub/c')]
print('one inode', len({(s.st_dev, s.st_ino) for s in st}) == 1, 'links', [s.st_nlink for s in st])
print('fstat of old fd', os.fstat(old).st_nlink, os.fstat(old).st_size, oct(os.fstat(old).st_mode))
PY
EOS
)
