# A lock through an fd of a lower file opened before the file was renamed:
# it must lock the renamed file (one overlay inode) and the fd must keep
# reading that file, even when another file was created at the old name.
image=debian
setup_top_lower() {
	mkdir -p data
	echo orig > data/f
	echo orig > data/h
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os
fd = os.open("/data/f", os.O_RDONLY)
os.rename("/data/f", "/data/g")
fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
print("read lock via the fd opened before the rename: locked", flush=True)
pid = os.fork()
if pid == 0:
    w = os.open("/data/g", os.O_RDWR)
    try:
        fcntl.lockf(w, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("child write lock on the new name: locked", flush=True)
    except OSError as e:
        print("child write lock on the new name:", os.strerror(e.errno), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
# another file at the old name
hd = os.open("/data/h", os.O_RDONLY)
os.rename("/data/h", "/data/h2")
with open("/data/h", "w") as f:
    f.write("another file\n")
fcntl.lockf(hd, fcntl.LOCK_SH | fcntl.LOCK_NB)
print("after the lock, the fd reads:", os.pread(hd, 100, 0))
PY
EOS
)
