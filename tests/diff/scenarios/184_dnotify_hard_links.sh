# dnotify on two dirs holding names of one file: what is done through a
# name is told to that name's dir only (write, chmod, touch), links and
# removals to the dir they change.  Each dir has a real-time signal of
# its own (F_SETSIG), read with signalfd (its ssi_fd: scenario 187).
image=debian
script=$(cat <<'EOS'
mkdir -p /tmp/d1 /tmp/d2; echo x > /tmp/d1/a; ln /tmp/d1/a /tmp/d2/b
python3 - <<'PY'
import os, fcntl, signal, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
SIGS = {'/tmp/d1': signal.SIGRTMIN + 2, '/tmp/d2': signal.SIGRTMIN + 3}
signal.pthread_sigmask(signal.SIG_BLOCK, SIGS.values())
mask = ctypes.c_uint64(sum(1 << (s - 1) for s in SIGS.values()))
sfd = libc.signalfd(-1, ctypes.byref(mask), os.O_NONBLOCK)
names = {}
for d in ('/tmp/d1', '/tmp/d2'):
    fd = os.open(d, os.O_RDONLY); names[SIGS[d]] = d[5:]
    fcntl.fcntl(fd, fcntl.F_SETSIG, SIGS[d])
    fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_MODIFY | fcntl.DN_ATTRIB | fcntl.DN_CREATE |
                fcntl.DN_DELETE | fcntl.DN_MULTISHOT)
def got(tag):
    out = []
    while True:
        try:
            b = os.read(sfd, 128)
        except BlockingIOError:
            break
        signo, err, code, pid, uid, sifd = struct.unpack_from('IiiIIi', b)
        out.append(names.get(signo, signo))
    print(tag, out)
with open('/tmp/d2/b', 'a') as f:
    f.write('y')
os.stat('/'); got('append via d2/b')
os.chmod('/tmp/d1/a', 0o600); got('chmod d1/a')
os.utime('/tmp/d2/b'); got('touch d2/b')
os.link('/tmp/d2/b', '/tmp/d1/c'); got('ln d2/b d1/c')
os.unlink('/tmp/d1/a'); got('rm d1/a')
os.unlink('/tmp/d2/b'); got('rm d2/b')
os.truncate('/tmp/d1/c', 0); got('truncate d1/c')
PY
EOS
)
