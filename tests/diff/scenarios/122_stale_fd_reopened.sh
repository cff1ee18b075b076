# A read-only fd a child inherited, of a lower file copied up: its parent's
# fd is replaced first, then the parent closes it and opens the file O_RDWR
# (or O_PATH) at the same number; the child's fd, replaced at its next
# trapped call, stays read-only and reads the copy (it must not share the
# parent's new description, which is not the one it held).
image=debian
setup_top_lower() {
	mkdir -p data
	printf 'lower-data\n' > data/f
	printf 'lower-data\n' > data/g
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, fcntl, subprocess
def run(name, reopen):
    fd = os.open(name, os.O_RDONLY)
    os.set_inheritable(fd, True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os.fstat(fd)
        acc = fcntl.fcntl(fd, fcntl.F_GETFL) & (os.O_ACCMODE | 0o10000000)
        print(name, "child's fd flags:", oct(acc), flush=True)
        try:
            print(name, "child read:", os.pread(fd, 20, 0), flush=True)
        except OSError as e:
            print(name, "child read:", e.strerror, flush=True)
        try:
            print(name, "child write through its O_RDONLY fd:", os.pwrite(fd, b"CHILD", 0), flush=True)
        except OSError as e:
            print(name, "child write:", e.strerror, flush=True)
        os._exit(0)
    os.close(r)
    subprocess.run(["/bin/sh", "-c", "echo upper-data >> " + name], check=True)
    os.fstat(fd)
    os.close(fd)
    nfd = os.open(name, reopen)
    assert nfd == fd, (nfd, fd)
    os.write(w, b"x")
    os.waitpid(pid, 0)
    os.close(nfd)
    print(name, "now:", open(name, "rb").read(), flush=True)
run("/data/f", os.O_RDWR)
run("/data/g", os.O_PATH)
PY
EOS
)
