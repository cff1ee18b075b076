# fallocate/posix_fallocate, copy_file_range and sendfile on overlay fds:
# lower sources, upper and copied-up destinations, holes punched in a
# copied-up file, the errors for read-only fds and overlapping ranges.
image=debian
setup_top_lower() {
	mkdir -p data
	python3 -c 'import sys; sys.stdout.write("".join("row %05d\n" % i for i in range(30000)))' > data/src
	echo small > data/dst
	head -c 65536 /dev/zero | tr '\0' x > data/holes
}
script=$(cat <<'EOS'
python3 - <<'PY'
import ctypes, os, hashlib
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
def fallocate(fd, mode, off, length):
    if libc.fallocate(fd, mode, off, length) < 0:
        raise OSError(ctypes.get_errno(), "fallocate")

def say(*a): print(*a, flush=True)
def h(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]
def err(f, *a):
    try:
        return f(*a)
    except OSError as e:
        return os.strerror(e.errno)

src = os.open("/data/src", os.O_RDONLY)
size = os.fstat(src).st_size
say("src", size, h("/data/src"))

# copy_file_range: lower source -> a new upper file, in pieces with offsets
out = os.open("/data/cfr", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
done = 0
while done < size:
    n = os.copy_file_range(src, out, 100000, done, done)
    if n == 0:
        break
    done += n
os.close(out)
say("copy_file_range copied", done, h("/data/cfr"))
# into a lower file opened read-write (copied up), at an offset
dst = os.open("/data/dst", os.O_RDWR)
say("copy_file_range into the copied-up dst:", os.copy_file_range(src, dst, 20, 0, 6))
os.close(dst)
say("dst now", open("/data/dst", "rb").read())
# the source's offset moves when none is given
os.lseek(src, 11, os.SEEK_SET)
o2 = os.open("/data/cfr2", os.O_RDWR | os.O_CREAT, 0o644)
say("copy_file_range at the fd offsets:", os.copy_file_range(src, o2, 11), "src offset", os.lseek(src, 0, os.SEEK_CUR))
say("overlapping range in one file:", err(os.copy_file_range, o2, o2, 5, 0, 2))
ro = os.open("/data/dst", os.O_RDONLY)
say("into a read-only fd:", err(os.copy_file_range, src, ro, 5, 0, 0))
os.close(ro); os.close(o2)

# sendfile: lower source -> a new upper file
out = os.open("/data/sf", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
done = 0
while done < size:
    n = os.sendfile(out, src, done, 65536)
    if n == 0:
        break
    done += n
os.close(out)
say("sendfile copied", done, h("/data/sf"))
os.close(src)

# posix_fallocate / fallocate
fd = os.open("/data/falloc", os.O_RDWR | os.O_CREAT, 0o644)
os.posix_fallocate(fd, 0, 1 << 20)
st = os.fstat(fd)
say("posix_fallocate: size", st.st_size, "allocated", st.st_blocks * 512 >= 1 << 20)
fallocate(fd, 1, 1 << 20, 1 << 20)   # FALLOC_FL_KEEP_SIZE
st = os.fstat(fd)
say("fallocate KEEP_SIZE: size", st.st_size, "allocated", st.st_blocks * 512 >= 2 << 20)
os.close(fd)
ro = os.open("/data/src", os.O_RDONLY)
say("posix_fallocate on a read-only fd:", err(os.posix_fallocate, ro, 0, 10))
os.close(ro)
PY
echo "status $?"
# util-linux fallocate: grow a lower file (copy-up), punch a hole
fallocate -l 131072 /data/holes && stat -c '%n %s' /data/holes
fallocate -p -o 4096 -l 8192 /data/holes && od -An -c -j 4094 -N 4 /data/holes
du -k /data/holes
stat -c '%n %s %a' /data/*
EOS
)
