# FIFOs opened without blocking: a lower FIFO and one made with os.mkfifo,
# O_WRONLY|O_NONBLOCK without a reader (ENXIO), a reader and a writer in one
# process, O_RDWR, O_TRUNC (ignored for FIFOs), chmod (a copy-up of the node).
image=debian
setup_top_lower() {
	mkdir -p data
	mkfifo data/lf
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, stat, select
def tr(f, *a):
    try:
        r = f(*a); return r
    except OSError as e:
        return os.strerror(e.errno)
for p in ("/data/lf", "/data/nf"):
    if p == "/data/nf": os.mkfifo(p, 0o600)
    print(p, "O_WRONLY|O_NONBLOCK without a reader:", tr(os.open, p, os.O_WRONLY | os.O_NONBLOCK))
    r = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    w = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
    os.write(w, b"data")
    print(p, "read:", os.read(r, 10), "fstat is fifo:", stat.S_ISFIFO(os.fstat(r).st_mode))
    rw = os.open(p, os.O_RDWR)
    os.write(rw, b"rw")
    print(p, "O_RDWR read back:", os.read(r, 10))
    for fd in (r, w, rw): os.close(fd)
    print(p, "O_TRUNC|O_RDWR:", tr(lambda: os.close(os.open(p, os.O_RDWR | os.O_TRUNC)) or "ok"))
    os.chmod(p, 0o620)
    print(p, oct(os.stat(p).st_mode))
PY
EOS
)
