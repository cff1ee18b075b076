# Locks through two names of a lower hard link (overlayfs without an index
# breaks the link at copy-up: a lock through one name does not stop a lock
# through the other), and four processes appending to one lower file at
# once: one copy-up, every line kept.
image=debian
setup_top_lower() {
	mkdir -p data
	echo orig > data/h1
	ln data/h1 data/h2
	echo orig > data/app
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os
def lk(fd, op):
    try:
        fcntl.lockf(fd, op | fcntl.LOCK_NB); return "locked"
    except OSError as e:
        return os.strerror(e.errno)
a = os.open("/data/h1", os.O_RDONLY)
print("read lock via h1:", lk(a, fcntl.LOCK_SH), flush=True)
pid = os.fork()
if pid == 0:
    b = os.open("/data/h2", os.O_RDWR)
    print("child write lock via the other name h2:", lk(b, fcntl.LOCK_EX), flush=True)
    c = os.open("/data/h1", os.O_RDWR)
    print("child write lock via h1:", lk(c, fcntl.LOCK_EX), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
pids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        fd = os.open("/data/app", os.O_WRONLY | os.O_APPEND)
        for j in range(50):
            os.write(fd, b"writer %d line %d\n" % (i, j))
        os._exit(0)
    pids.append(pid)
for p in pids: os.waitpid(p, 0)
lines = open("/data/app").read().splitlines()
print(len(lines), "lines;", lines[0], "first; all present:", sorted(lines[1:]) == sorted("writer %d line %d" % (i, j) for i in range(4) for j in range(50)))
PY
stat -c '%n %h' /data/h1 /data/h2
# (the interleaving is the scheduler's: sort for a deterministic upper)
sort -o /data/app /data/app
EOS
)
