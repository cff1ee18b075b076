# mmap of overlay files: a MAP_SHARED write mapping of a copied-up file
# reaches the file; a reader's shared mapping of the upper copy sees another
# process's writes; a file copied up while another process maps it read-only
# (that mapping and a mapping made after the copy-up); a MAP_PRIVATE write
# mapping of a lower file copies nothing up.
image=debian
setup_top_lower() {
	mkdir -p data
	python3 -c 'import sys; sys.stdout.write("".join("line %04d\n" % i for i in range(800)))' > data/a
	cp data/a data/b
	cp data/a data/c
}
script=$(cat <<'EOS'
python3 - <<'PY'
import mmap, os, hashlib

def say(*a): print(*a, flush=True)
def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]

# a: read-write open (copy-up), shared write mapping
fd = os.open("/data/a", os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m[0:9] = b"LINE 0000"
m[4096:4100] = b"PAGE"
m.flush()
say("a size", len(m), "via read:", open("/data/a", "rb").read(9), open("/data/a", "rb").read()[4096:4100])
# a reader's shared mapping sees another process's write()
r = os.open("/data/a", os.O_RDONLY)
rm = mmap.mmap(r, 0, mmap.MAP_SHARED, mmap.PROT_READ)
pid = os.fork()
if pid == 0:
    with open("/data/a", "r+b") as f:
        f.seek(10)
        f.write(b"CHILD")
    os._exit(0)
os.waitpid(pid, 0)
say("a reader mapping after the child's write:", rm[10:15])
m.close(); rm.close(); os.close(fd); os.close(r)

# b: a read-only shared mapping of the lower file, then another process
# copies b up and writes through its own shared mapping
r = os.open("/data/b", os.O_RDONLY)
old = mmap.mmap(r, 0, mmap.MAP_SHARED, mmap.PROT_READ)
say("b mapped from the lower:", old[0:9])
pid = os.fork()
if pid == 0:
    w = os.open("/data/b", os.O_RDWR)
    wm = mmap.mmap(w, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    wm[0:9] = b"COPIED UP"
    wm.close()
    os._exit(0)
os.waitpid(pid, 0)
say("b old mapping after the copy-up:", old[0:9])
n = os.open("/data/b", os.O_RDONLY)
new = mmap.mmap(n, 0, mmap.MAP_SHARED, mmap.PROT_READ)
say("b mapping made after the copy-up:", new[0:9])
say("b digest", digest("/data/b"))
old.close(); new.close(); os.close(r); os.close(n)

# c: a private write mapping of the lower file stays private
r = os.open("/data/c", os.O_RDONLY)
p = mmap.mmap(r, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
p[0:4] = b"PRIV"
say("c private mapping:", p[0:9], "file:", open("/data/c", "rb").read(9))
p.close(); os.close(r)
# a shared write mapping of a read-only fd is refused
r = os.open("/data/c", os.O_RDONLY)
try:
    mmap.mmap(r, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    say("c shared write mapping of a read-only fd: allowed")
except OSError as e:
    say("c shared write mapping of a read-only fd:", os.strerror(e.errno))
PY
echo "status $?"
head -c 20 /data/a; echo
head -n 2 /data/b
ls /data
EOS
)
