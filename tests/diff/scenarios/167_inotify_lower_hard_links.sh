# index=off: two names of a hard-linked lower file are two objects (a
# copy-up breaks them apart, as the kernel's overlayfs does): watches on
# both are two watches, and what is done through one name is told to its
# own watch only.
image=debian
setup_top_lower() {
	mkdir -p data
	echo h > data/h1; ln data/h1 data/h2
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
print('wds', libc.inotify_add_watch(ino, b'/data/h1', 0xfff), libc.inotify_add_watch(ino, b'/data/h2', 0xfff))
def ev(tag):
    out = []
    while True:
        try:
            buf = os.read(ino, 4096)
        except BlockingIOError:
            break
        i = 0
        while i < len(buf):
            w, mask, cookie, ln = struct.unpack_from('iIII', buf, i); out.append((w, hex(mask))); i += 16 + ln
    print(tag, out)
os.chmod('/data/h2', 0o600); ev('chmod h2')
os.unlink('/data/h2'); ev('rm h2')
PY
EOS
)
