# The overlay path of a lower file's fd (overlay/handed.c) survives many
# other opens: an fd of a file in a dir that is then moved (no copy-up),
# then 3000 other lower files opened: fchmod and a lock through the fd act
# on the file at its new path, as on overlayfs.
image=debian
setup_top_lower() {
	mkdir -p data/d data/many
	echo orig > data/d/f
	for i in $(seq 1 3000); do : > data/many/$i; done
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os
fd = os.open("/data/d/f", os.O_RDONLY)
os.rename("/data/d", "/data/e")
for i in range(1, 3001):
    os.close(os.open("/data/many/%d" % i, os.O_RDONLY))
try:
    os.fchmod(fd, 0o600)
    print("fchmod: ok, mode now", oct(os.stat("/data/e/f").st_mode & 0o777), flush=True)
except OSError as e:
    print("fchmod:", os.strerror(e.errno), flush=True)
fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
pid = os.fork()
if pid == 0:
    w = os.open("/data/e/f", os.O_RDWR)
    try:
        fcntl.lockf(w, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print("other process, write lock on the new path: locked", flush=True)
    except OSError as e:
        print("other process, write lock on the new path:", os.strerror(e.errno), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
PY
EOS
)
