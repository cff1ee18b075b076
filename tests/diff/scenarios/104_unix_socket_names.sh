# The address of a socket bound at an overlay path is the name the program
# gave to bind(2), as on Linux: getsockname, a datagram's sender address
# (recvfrom) and a stream peer's getpeername show it, for absolute and
# relative names.
image=debian
setup_top_lower() {
	mkdir -p data/run
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_UNIX)
s.bind("/data/run/srv")
s.listen(1)
print("getsockname:", s.getsockname(), flush=True)
pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX)
    c.connect("/data/run/srv")
    print("client getpeername:", c.getpeername(), flush=True)
    os._exit(0)
c, _ = s.accept()
print("accepted socket's getsockname:", c.getsockname())
os.waitpid(pid, 0)
os.chdir("/data/run")
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind("rel.dgram")
print("relative getsockname:", d.getsockname())
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
e.bind("/data/sender")
e.sendto(b"x", "/data/run/rel.dgram")
print("datagram from:", d.recvfrom(10)[1])
PY
EOS
)
