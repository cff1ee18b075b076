# AF_UNIX sockets between sandboxed processes: stream and datagram sockets
# bound in a new upper dir and in a lower dir (copied up), a relative name
# bound from a cwd in the overlay, a socket file renamed and unlinked while
# bound, a socket node that comes from the lower, abstract names (no file
# at all), and the errors (EADDRINUSE, ENOENT, ECONNREFUSED, EACCES).
image=debian
setup_top_lower() {
	mkdir -p data/run
	echo keep > data/run/file
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("data/lower.sock")'
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, socket, stat, sys

def say(*a): print(*a, flush=True)
def err(f, *a):
    try:
        f(*a)
        return "ok"
    except OSError as e:
        return os.strerror(e.errno)

def serve(addr, kind=socket.SOCK_STREAM):
    """bind addr in this process, fork a client that sends one message"""
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(addr)
    if kind == socket.SOCK_STREAM:
        s.listen(1)
    return s

def client(addr, msg, kind=socket.SOCK_STREAM):
    pid = os.fork()
    if pid == 0:
        c = socket.socket(socket.AF_UNIX, kind)
        try:
            if kind == socket.SOCK_STREAM:
                c.connect(addr)
                c.sendall(msg)
            else:
                c.sendto(msg, addr)
        except OSError as e:
            say("client", repr(addr), os.strerror(e.errno))
            os._exit(1)
        os._exit(0)
    return pid

def exchange(addr, kind=socket.SOCK_STREAM):
    s = serve(addr, kind)
    name = "an abstract name" if addr[0] == "\0" else addr
    say("bound", name)
    pid = client(addr, b"hello " + name.encode(), kind)
    if kind == socket.SOCK_STREAM:
        c, _ = s.accept()
        say("  got", c.recv(100).decode())
        c.close()
    else:
        say("  got", s.recv(100).decode())
    os.waitpid(pid, 0)
    return s

os.mkdir("/data/new")
exchange("/data/new/s1").close()
exchange("/data/run/s2").close()                    # a lower dir: copied up
exchange("/data/run/dgram", socket.SOCK_DGRAM).close()
os.chdir("/data/run")
exchange("rel.sock").close()
os.chdir("/")
abstract = "\0ovlrun-test-%d" % os.getpid()
a = exchange(abstract)
say("abstract bound again:", err(socket.socket(socket.AF_UNIX).bind, abstract))
a.close()
for p in ("/data/new/s1", "/data/run/s2", "/data/run/dgram", "/data/run/rel.sock", "/data/lower.sock"):
    st = os.lstat(p)
    say(p, "socket" if stat.S_ISSOCK(st.st_mode) else "?", oct(st.st_mode & 0o7777))

# a name in use, a missing name, a socket without a listener, a plain file
say("bind an existing name:", err(socket.socket(socket.AF_UNIX).bind, "/data/new/s1"))
say("bind over a lower file:", err(socket.socket(socket.AF_UNIX).bind, "/data/run/file"))
say("connect a missing name:", err(socket.socket(socket.AF_UNIX).connect, "/data/new/none"))
say("connect a closed socket's name:", err(socket.socket(socket.AF_UNIX).connect, "/data/new/s1"))
say("connect the lower socket node:", err(socket.socket(socket.AF_UNIX).connect, "/data/lower.sock"))
say("connect a regular file:", err(socket.socket(socket.AF_UNIX).connect, "/data/run/file"))

# a listener's file renamed: connect by the new name; unlinked: gone
s = serve("/data/new/live")
os.rename("/data/new/live", "/data/run/moved")
pid = client("/data/run/moved", b"after rename")
c, _ = s.accept()
say("renamed socket got", c.recv(100).decode())
os.waitpid(pid, 0)
os.unlink("/data/run/moved")
say("connect after unlink:", err(socket.socket(socket.AF_UNIX).connect, "/data/run/moved"))
s.close()

# a plain user: no search permission on the socket's dir
os.mkdir("/data/priv", 0o700)
s = serve("/data/priv/s")
pid = os.fork()
if pid == 0:
    os.setgroups([]); os.setgid(1000); os.setuid(1000)
    say("user connect through a 0700 dir:", err(socket.socket(socket.AF_UNIX).connect, "/data/priv/s"))
    say("user connect /data/run/s2 (no listener):", err(socket.socket(socket.AF_UNIX).connect, "/data/run/s2"))
    os._exit(0)
os.waitpid(pid, 0)
s.close()
PY
echo "status $?"
ls /data /data/run /data/new
EOS
)
