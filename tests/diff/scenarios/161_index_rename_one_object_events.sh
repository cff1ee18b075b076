# index=on: rename(2) and RENAME_EXCHANGE between two names of one
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# hard-linked lower file do nothing (one overlay inode): nothing is copied
# up, and no watch hears a move.
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	echo data > data/a; ln data/a data/b; ln data/a data/c
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
def events():
    out = []
    while True:
        try: buf = os.read(ino, 4096)
        except BlockingIOError: return out
        i = 0
        while i < len(buf):
            w, mask, cookie, ln = struct.unpack_from('iIII', buf, i)
            out.append((hex(mask), buf[i+16:i+16+ln].rstrip(b'\0').decode())); i += 16 + ln
libc.inotify_add_watch(ino, b'/data', 0xfff)
os.chdir('/data')
os.rename('b', 'a'); print('mv b a', events(), sorted(os.listdir('.')))
r = libc.renameat2(-100, b'c', -100, b'a', 2); print('xchg c a', r, events())
print([os.stat(p).st_nlink for p in ('a', 'b', 'c')])
PY
EOS
)
