# openat2 RESOLVE_* flags on overlay paths: BENEATH and IN_ROOT with '..',
# absolute paths (IN_ROOT: from the dirfd) and absolute symlinks from the
# lower, NO_SYMLINKS, a plain open of a /proc/self/fd link and the same
# under NO_MAGICLINKS/NO_SYMLINKS (ELOOP), NO_XDEV into /proc and on plain
# overlay paths (executables included), CACHED; O_CREAT with a mode; bad
# arguments.
image=debian
setup_top_lower() {
	mkdir -p data/root/etc data/root/sub
	echo inner > data/root/etc/conf
	ln -s /etc/conf data/root/abs
	ln -s ../etc/conf data/root/sub/rel
	ln -s ../../../etc/hostname data/root/sub/out
	echo target > data/file
	ln -s file data/link
}
script=$(cat <<'EOS'
python3 - <<'PY'
import ctypes, errno, os, struct
libc = ctypes.CDLL(None, use_errno=True)
R = dict(NO_XDEV=1, NO_MAGICLINKS=2, NO_SYMLINKS=4, BENEATH=8, IN_ROOT=0x10, CACHED=0x20)
def openat2(dirfd, path, flags, resolve, mode=0, size=24):
    how = struct.pack("QQQ", flags, mode, resolve) + b"\0" * (size - 24)
    buf = ctypes.create_string_buffer(how, len(how))
    # EAGAIN under BENEATH/IN_ROOT: a rename or mount anywhere on the machine
    # raced the ".." check; openat2(2) says to retry, as programs must.
    # (Under CACHED, EAGAIN is the answer: not in the cache.)
    for _ in range(10000):
        fd = libc.syscall(437, dirfd, path.encode(), buf, ctypes.c_size_t(size))
        err = ctypes.get_errno()
        if fd >= 0 or err != errno.EAGAIN or resolve & R["CACHED"]:
            break
    if fd < 0:
        return None, os.strerror(err)
    return fd, "ok"
def tryit(label, dirfd, path, resolve, flags=os.O_RDONLY, mode=0, size=24):
    names = "|".join(k for k, v in R.items() if resolve & v) or "0"
    fd, res = openat2(dirfd, path, flags, resolve, mode, size)
    if fd is not None:
        try:
            data = os.pread(fd, 40, 0)
            data = repr(data[:4]) if data.startswith(b"\x7fELF") else data.decode().splitlines()[0]
        except OSError as e:
            data = "(" + os.strerror(e.errno) + ")"
        res = "ok: " + data
        os.close(fd)
    print("%-24s %-22s %s" % (label, names, res), flush=True)

root = os.open("/data/root", os.O_RDONLY | os.O_DIRECTORY)
for p in ("etc/conf", "abs", "sub/rel", "sub/out", "../file", "/etc/conf", "sub/../etc/conf"):
    tryit(p, root, p, R["BENEATH"])
    tryit(p, root, p, R["IN_ROOT"])
tryit("link", os.open("/data", os.O_RDONLY), "link", R["NO_SYMLINKS"])
tryit("file", os.open("/data", os.O_RDONLY), "file", R["NO_SYMLINKS"])
fd = os.open("/data/file", os.O_RDONLY)
tryit("magic", -100, "/proc/self/fd/%d" % fd, R["NO_MAGICLINKS"])
tryit("magic", -100, "/proc/self/fd/%d" % fd, R["NO_SYMLINKS"])
tryit("magic", -100, "/proc/self/fd/%d" % fd, 0)
tryit("xdev", -100, "/proc/self/status", R["NO_XDEV"])
tryit("xdev", -100, "/data/file", R["NO_XDEV"])
tryit("xdev", -100, "/usr/bin/python3", R["NO_XDEV"])
tryit("xdev", -100, "/etc/passwd", R["NO_XDEV"])
tryit("cached", -100, "/data/file", R["CACHED"])
tryit("create", root, "new", R["BENEATH"], os.O_CREAT | os.O_WRONLY, 0o640)
print("new mode", oct(os.stat("/data/root/new").st_mode & 0o777))
tryit("mode without O_CREAT", root, "etc/conf", 0, os.O_RDONLY, 0o640)
tryit("both BENEATH, IN_ROOT", root, "etc/conf", R["BENEATH"] | R["IN_ROOT"])
tryit("unknown resolve bit", root, "etc/conf", 0x40)
tryit("short open_how", root, "etc/conf", 0, size=16)
tryit("larger open_how", root, "etc/conf", 0, size=32)
tryit("dirfd is a file", fd, "x", R["BENEATH"])
PY
EOS
)
