# IN_EXCL_UNLINK: a dir watch hears no more of a child once it is unlinked
# (writes through an fd still open on it); without the flag it does.
image=debian
script=$(cat <<'EOS'
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
IN_EXCL_UNLINK = 0x04000000
os.makedirs('/tmp/d')
def run(flags, tag):
    ino = libc.inotify_init1(os.O_NONBLOCK)
    libc.inotify_add_watch(ino, b'/tmp/d', 0x2 | 0x8 | 0x200 | flags)   # MODIFY CLOSE_WRITE DELETE
    fd = os.open('/tmp/d/f', os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b'a'); os.stat('/')
    os.unlink('/tmp/d/f')
    os.write(fd, b'b'); os.close(fd); os.stat('/')
    out = []
    while True:
        try:
            buf = os.read(ino, 4096)
        except BlockingIOError:
            break
        i = 0
        while i < len(buf):
            w, mask, cookie, ln = struct.unpack_from('iIII', buf, i)
            out.append((hex(mask), buf[i + 16:i + 16 + ln].rstrip(b'\0').decode())); i += 16 + ln
    print(tag, out)
    os.close(ino)
run(0, 'plain')
run(IN_EXCL_UNLINK, 'excl_unlink')
PY
EOS
)
