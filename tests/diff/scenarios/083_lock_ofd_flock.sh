# Open-file-description locks (F_OFD_SETLK/SETLKW/GETLK) and flock(2), in
# one process and between processes, across a copy-up: an OFD read lock
# through a read-only fd of a lower file conflicts with an OFD write lock
# through a read-write open (the copy-up) of the same process; a fork shares
# the description; util-linux flock(1) waits, times out and sees a lock that
# python took through a lower fd after the file was copied up; locks on a
# directory and on a lock file flock(1) creates.
image=debian
setup_top_lower() {
	mkdir -p data/dir
	echo orig > data/f
	echo orig > data/k
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os, struct, subprocess, sys, time

def ofd(fd, cmd, typ, start=0, length=0):
    fl = struct.pack("hhqqi", typ, os.SEEK_SET, start, length, 0)
    try:
        r = fcntl.fcntl(fd, cmd, fl)
    except OSError as e:
        return "busy" if e.errno in (11, 13) else os.strerror(e.errno)
    t, _, s, l, pid = struct.unpack("hhqqi", r)
    if cmd == fcntl.F_OFD_GETLK:
        return {fcntl.F_RDLCK: "F_RDLCK", fcntl.F_WRLCK: "F_WRLCK", fcntl.F_UNLCK: "F_UNLCK"}[t] + " pid %d" % pid
    return "locked"

def fl(fd, op):
    try:
        fcntl.flock(fd, op)
        return "locked"
    except OSError as e:
        return "busy" if e.errno == 11 else os.strerror(e.errno)

def say(*a): print(*a, flush=True)

def run(cmd):
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    say("  $", cmd, "->", p.returncode, p.stdout.strip())

# OFD: one process, two opens of one file
a = os.open("/data/f", os.O_RDONLY)                 # the lower file
say("OFD read lock via lower fd a:", ofd(a, fcntl.F_OFD_SETLK, fcntl.F_RDLCK))
b = os.open("/data/f", os.O_RDWR | os.O_APPEND)     # copy-up
os.write(b, b"more\n")
say("OFD write lock via b (same process):", ofd(b, fcntl.F_OFD_SETLK, fcntl.F_WRLCK))
say("F_OFD_GETLK via b:", ofd(b, fcntl.F_OFD_GETLK, fcntl.F_WRLCK))
os.close(b)                                         # does not drop a's lock
c = os.open("/data/f", os.O_RDWR)
say("OFD write lock via c after closing b:", ofd(c, fcntl.F_OFD_SETLK, fcntl.F_WRLCK))
d = os.dup(a)
say("OFD read lock via a dup of a:", ofd(d, fcntl.F_OFD_SETLK, fcntl.F_RDLCK))
say("OFD write lock via a read-only fd:", ofd(d, fcntl.F_OFD_SETLK, fcntl.F_WRLCK))
# POSIX locks of another process conflict with OFD locks
pid = os.fork()
if pid == 0:
    p = os.open("/data/f", os.O_RDWR)
    try:
        fcntl.lockf(p, fcntl.LOCK_EX | fcntl.LOCK_NB)
        say("child POSIX write lock:", "locked")
    except OSError:
        say("child POSIX write lock:", "busy")
    # the inherited description: unlocking through it drops the parent's lock
    say("child unlocks through inherited a:", ofd(a, fcntl.F_OFD_SETLK, fcntl.F_UNLCK))
    os._exit(0)
os.waitpid(pid, 0)
say("OFD write lock via c now:", ofd(c, fcntl.F_OFD_SETLK, fcntl.F_WRLCK))
# F_OFD_SETLKW waits for the release by another description
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    e = os.open("/data/f", os.O_RDONLY)
    os.write(w, b"x")
    say("child F_OFD_SETLKW read:", ofd(e, fcntl.F_OFD_SETLKW, fcntl.F_RDLCK))
    os._exit(0)
os.read(r, 1)
time.sleep(0.3)
say("parent releases c")
ofd(c, fcntl.F_OFD_SETLK, fcntl.F_UNLCK)
os.waitpid(pid, 0)
for x in (a, c, d):
    os.close(x)

# flock: a shared lock through the lower fd, then the file is copied up
k = os.open("/data/k", os.O_RDONLY)
say("flock shared via lower fd:", fl(k, fcntl.LOCK_SH | fcntl.LOCK_NB))
run("flock -n -x /data/k true")
with open("/data/k", "a") as f:
    f.write("more\n")
run("flock -n -x /data/k true")
run("flock -n -s /data/k echo shared-ok")
run("flock -x -w 0.3 /data/k true")
try:
    fcntl.lockf(k, fcntl.LOCK_SH | fcntl.LOCK_NB)
    say("POSIX read lock beside the flock:", "locked")
except OSError as e:
    say("POSIX read lock beside the flock:", os.strerror(e.errno))
k2 = os.open("/data/k", os.O_RDONLY)
say("flock exclusive via a second description:", fl(k2, fcntl.LOCK_EX | fcntl.LOCK_NB))
say("upgrade k to exclusive:", fl(k, fcntl.LOCK_EX | fcntl.LOCK_NB))
run("flock -n -s /data/k true")
fcntl.flock(k, fcntl.LOCK_UN)
run("flock -n -x /data/k echo free")

# a directory and a new lock file
dfd = os.open("/data/dir", os.O_RDONLY | os.O_DIRECTORY)
say("flock on a directory:", fl(dfd, fcntl.LOCK_EX | fcntl.LOCK_NB))
run("flock -n /data/dir true")
os.close(dfd)
run("flock -n /data/dir echo dir-free")
run("flock -n /data/dir/lockfile echo created")
run("flock -n /data/dir/lockfile -c 'flock -n /data/dir/lockfile true; echo inner $?'")
PY
echo "status $?"
stat -c '%n %F %a %s' /data/dir/*
cat /data/f /data/k
EOS
)
