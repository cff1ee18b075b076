# utimensat with nanoseconds, UTIME_OMIT and UTIME_NOW on lower files (a
# metadata copy-up), directories and symlinks (AT_SYMLINK_NOFOLLOW), through
# an fd (futimens) and as a plain user (EPERM for explicit times on a file
# it does not own, EACCES for "now" without write access).  Values set are
# printed exactly; "now" only as "recent".
image=debian
setup_top_lower() {
	mkdir -p data/dir
	echo a > data/f
	echo b > data/g
	echo c > data/h
	echo d > data/dir/x
	ln -s f data/link
	echo open > data/open
	chmod 0666 data/open
	touch -h -d '2001-01-01 00:00:00' data/f data/g data/h data/dir data/link data/open
}
script=$(cat <<'EOS'
python3 - <<'PY'
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
AT_FDCWD, AT_SYMLINK_NOFOLLOW = -100, 0x100
def utimensat(path, a, m, flags=0, dirfd=AT_FDCWD):
    ts = (timespec * 2)(timespec(*a), timespec(*m))
    p = path.encode() if path is not None else None
    # the system call itself: glibc refuses a NULL path
    if libc.syscall(280, dirfd, p, ts, flags) < 0:
        return os.strerror(ctypes.get_errno())
    return "ok"
boot = time.time_ns() - 3600 * 10**9
def t(ns):
    return "recent" if ns > boot else "%d.%09d" % divmod(ns, 10**9)
def show(path, follow=True):
    st = os.stat(path, follow_symlinks=follow)
    print(" ", path, "atime", t(st.st_atime_ns), "mtime", t(st.st_mtime_ns), flush=True)

os.utime("/data/f", ns=(1000000001234567891, 1100000000987654321))
print("os.utime ns:"); show("/data/f")
print("UTIME_OMIT atime, mtime set:", utimensat("/data/g", (0, UTIME_OMIT), (1200000000, 5)))
show("/data/g")
print("UTIME_NOW mtime, atime set:", utimensat("/data/g", (1300000000, 999999999), (0, UTIME_NOW)))
show("/data/g")
print("both UTIME_OMIT:", utimensat("/data/h", (0, UTIME_OMIT), (0, UTIME_OMIT)))
show("/data/h")
print("tv_nsec out of range:", utimensat("/data/h", (1, 1000000000), (1, 0)))
print("a directory:", utimensat("/data/dir", (1400000000, 1), (1400000000, 2)))
show("/data/dir")
print("a symlink itself:", utimensat("/data/link", (1500000000, 3), (1500000000, 4), AT_SYMLINK_NOFOLLOW))
show("/data/link", follow=False)
show("/data/link")
fd = os.open("/data/dir/x", os.O_RDONLY)
os.utime(fd, ns=(1600000000000000007, 1600000000000000008))
print("futimens on a read-only fd of a lower file:"); show("/data/dir/x")
os.close(fd)
print("utimensat(fd, NULL):", utimensat(None, (1700000000, 11), (1700000000, 12), 0, os.open("/data/h", os.O_RDONLY)))
show("/data/h")
PY
echo "status $?"
setpriv --reuid=1000 --regid=1000 --clear-groups python3 - <<'PY'
import os
for path, times in (("/data/f", (1, 2)), ("/data/f", None), ("/data/open", None), ("/data/open", (1, 2))):
    try:
        os.utime(path, ns=times) if times else os.utime(path)
        print("user", path, times, "ok")
    except OSError as e:
        print("user", path, times, os.strerror(e.errno))
PY
touch -d '2002-03-04 05:06:07.123456789' /data/new
touch -m -d '2003-01-01 00:00:00.5' /data/new
stat -c '%n %.9X %.9Y' /data/new
stat -c '%n %F' /data/f /data/link
EOS
)
