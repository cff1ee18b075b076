# index=on: when the last name of a hard-linked lower file goes (unlink,
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# a rename over it), its watch hears DELETE_SELF and IN_IGNORED; before,
# removing the other names is only a link count change (ATTRIB).
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	echo data > data/a; ln data/a data/b
	echo c > data/c; ln data/c data/d; echo x > data/x
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
            out.append((w, hex(mask))); i += 16 + ln
os.chdir('/data')
os.unlink('b')
print('a links', os.stat('a').st_nlink)
wa = libc.inotify_add_watch(ino, b'/data/a', 0xfff)
os.unlink('a'); print('rm a', events())
open('c', 'a').write('x'); os.unlink('d')
wc = libc.inotify_add_watch(ino, b'/data/c', 0xfff)
os.rename('x', 'c'); print('mv x c', events())
PY
EOS
)
