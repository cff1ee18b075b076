# POSIX record locks (fcntl F_SETLK, F_SETLKW, F_GETLK) between two
# sandboxed processes, coherent across a copy-up: a read lock taken through
# a read-only fd of a lower file conflicts with a write lock taken after the
# file was copied up, F_GETLK names the holder, byte ranges, a blocking
# F_SETLKW waits for the release and is interrupted by a signal, and closing
# any fd of the file drops the process's locks.  Every locked lower file is
# written afterwards, so both uppers hold the same copies.
image=debian
setup_top_lower() {
	mkdir -p data
	echo orig > data/f
	echo orig > data/g
	echo orig > data/h
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os, signal, struct, sys, time

def lk(fd, cmd, typ, start=0, length=0):
    """fcntl with a struct flock; returns (l_type, l_pid) or the errno name"""
    fl = struct.pack("hhqqi", typ, os.SEEK_SET, start, length, 0)
    try:
        r = fcntl.fcntl(fd, cmd, fl)
    except OSError as e:
        return os.strerror(e.errno) if e.errno not in (11, 13) else "busy"
    t, _, s, l, pid = struct.unpack("hhqqi", r)
    return t, s, l, pid

names = {fcntl.F_RDLCK: "F_RDLCK", fcntl.F_WRLCK: "F_WRLCK", fcntl.F_UNLCK: "F_UNLCK"}
def show(what, r, holder=None):
    if isinstance(r, tuple):
        t, s, l, pid = r
        who = "" if t == fcntl.F_UNLCK else (" held by the other process" if pid == holder else " held by an unexpected pid")
        print(what, names[t], s, l, who, flush=True)
    else:
        print(what, r, flush=True)

def ok(r):
    return "busy" if r == "busy" else ("locked" if isinstance(r, tuple) else r)

r1, w1 = os.pipe()   # parent -> child
r2, w2 = os.pipe()   # child -> parent
def tell(w, m): os.write(w, m.encode() + b"\n")
def hear(r):
    b = b""
    while not b.endswith(b"\n"):
        c = os.read(r, 1)
        if not c: sys.exit("pipe closed")
        b += c
    return b.decode().strip()

# the parent: a read lock through a read-only fd of the lower file
fd = os.open("/data/f", os.O_RDONLY)
print("parent read lock on lower fd:", ok(lk(fd, fcntl.F_SETLK, fcntl.F_RDLCK)), flush=True)
parent = os.getpid()
pid = os.fork()
if pid == 0:
    # the child copies the file up, then wants a write lock
    with open("/data/f", "a") as f:
        f.write("more\n")
    wfd = os.open("/data/f", os.O_RDWR)
    print("child write lock after copy-up:", ok(lk(wfd, fcntl.F_SETLK, fcntl.F_WRLCK)), flush=True)
    show("child F_GETLK:", lk(wfd, fcntl.F_GETLK, fcntl.F_WRLCK), parent)
    print("child read lock:", ok(lk(wfd, fcntl.F_SETLK, fcntl.F_RDLCK)), flush=True)
    # a blocking wait is interrupted by a signal
    # (the handler raises: Python retries calls that fail with EINTR)
    class Alarm(Exception): pass
    def on_alarm(*a): raise Alarm()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        print("child F_SETLKW:", ok(lk(wfd, fcntl.F_SETLKW, fcntl.F_WRLCK)), flush=True)
    except Alarm:
        print("child F_SETLKW interrupted by SIGALRM", flush=True)
    # a blocking wait that the parent's unlock ends
    tell(w2, "waiting")
    r = lk(wfd, fcntl.F_SETLKW, fcntl.F_WRLCK)
    print("child F_SETLKW after the parent's unlock:", ok(r), flush=True)
    tell(w2, "have it")
    hear(r1)
    os._exit(0)
hear(r2)
time.sleep(0.3)
print("parent unlocks", flush=True)
lk(fd, fcntl.F_SETLK, fcntl.F_UNLCK)
hear(r2)
# the child holds a write lock: the parent's read-only fd (opened before the
# copy-up) sees it
show("parent F_GETLK on its old fd:", lk(fd, fcntl.F_GETLK, fcntl.F_RDLCK), pid)
print("parent read lock:", ok(lk(fd, fcntl.F_SETLK, fcntl.F_RDLCK)), flush=True)
tell(w1, "done")
os.waitpid(pid, 0)
print("parent read lock after the child exited:", ok(lk(fd, fcntl.F_SETLK, fcntl.F_RDLCK)), flush=True)
os.close(fd)

# byte ranges on g: the parent write-locks [0,4) through a read-write open
# (that copies g up); the child locks next to it and across it.
gfd = os.open("/data/g", os.O_RDWR)
print("parent write lock g[0,4):", ok(lk(gfd, fcntl.F_SETLK, fcntl.F_WRLCK, 0, 4)), flush=True)
pid = os.fork()
if pid == 0:
    c = os.open("/data/g", os.O_RDONLY)
    print("child read lock g[4,8):", ok(lk(c, fcntl.F_SETLK, fcntl.F_RDLCK, 4, 4)), flush=True)
    print("child read lock g[3,5):", ok(lk(c, fcntl.F_SETLK, fcntl.F_RDLCK, 3, 2)), flush=True)
    show("child F_GETLK g[2,3):", lk(c, fcntl.F_GETLK, fcntl.F_RDLCK, 2, 1), parent)
    show("child F_GETLK g[6,7):", lk(c, fcntl.F_GETLK, fcntl.F_WRLCK, 6, 1), parent)
    os._exit(0)
os.waitpid(pid, 0)

# h: a read lock through a lower fd; opening and closing another fd of the
# same file (a writer: copy-up) drops it, as closing any fd does
hfd = os.open("/data/h", os.O_RDONLY)
print("parent read lock h:", ok(lk(hfd, fcntl.F_SETLK, fcntl.F_RDLCK)), flush=True)
with open("/data/h", "a") as f:
    f.write("more\n")
pid = os.fork()
if pid == 0:
    c = os.open("/data/h", os.O_RDWR)
    print("child write lock h after the parent closed another fd:", ok(lk(c, fcntl.F_SETLK, fcntl.F_WRLCK)), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
PY
echo "status $?"
cat /data/f /data/g /data/h
EOS
)
