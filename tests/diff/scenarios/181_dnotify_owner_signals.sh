# dnotify and the fd's owner: F_NOTIFY makes the registering process the
# owner (even after an F_SETOWN to another); the signal goes to whoever
# owns the fd when the event comes (F_SETOWN to a child after the
# registration, F_SETOWN 0: nobody); a child's registration on the
# inherited fd (one open file description) makes it the owner of both
# registrations' signals; dup'd fds share the owner; F_GETOWN_EX.  Signals
# are counted after each event (a real-time one: queued, blocked, taken
# with sigtimedwait; ordering by pipes).
image=debian
script=$(cat <<'EOS'
mkdir -p /tmp/d
python3 - <<'PY'
import os, fcntl, signal, struct
SIG = signal.SIGRTMIN + 1
signal.pthread_sigmask(signal.SIG_BLOCK, [SIG, signal.SIGIO])
F_SETOWN_EX, F_GETOWN_EX = 15, 16
fd = os.open('/tmp/d', os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETSIG, SIG)
def count():
    n = 0
    while signal.sigtimedwait([SIG, signal.SIGIO], 0) is not None:
        n += 1
    return n
c_in, p_out = os.pipe(); p_in, c_out = os.pipe()
child = os.fork()
if child == 0:
    while True:
        cmd = os.read(c_in, 64).decode()
        if cmd == 'count':
            r = str(count())
        elif cmd == 'notify':
            fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_CREATE | fcntl.DN_MULTISHOT); r = 'registered'
        else:
            os._exit(0)
        os.write(c_out, r.encode())
def ask(cmd):
    os.write(p_out, cmd.encode()); return os.read(p_in, 64).decode()
def who(p):
    return {os.getpid(): 'me', child: 'child', 0: 'nobody'}.get(p, p)
n = 0
def make(tag):
    global n
    n += 1; open('/tmp/d/f%d' % n, 'w').close()
    print(tag, '-> me', count(), 'child', ask('count'))
fcntl.fcntl(fd, fcntl.F_SETOWN, child)
fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_CREATE | fcntl.DN_MULTISHOT)
print('owner after F_NOTIFY:', who(fcntl.fcntl(fd, fcntl.F_GETOWN)))
t, p = struct.unpack('ii', fcntl.fcntl(fd, F_GETOWN_EX, bytes(8))); print('GETOWN_EX type', t, who(p))
make('create')
fcntl.fcntl(fd, fcntl.F_SETOWN, child); make('owner child: create')
fcntl.fcntl(fd, fcntl.F_SETOWN, 0); make('owner none: create')
fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid()); make('owner me again: create')
print('child:', ask('notify'), 'owner now', who(fcntl.fcntl(fd, fcntl.F_GETOWN)))
d = os.dup(fd); print('dup owner', who(fcntl.fcntl(d, fcntl.F_GETOWN)))
make('two registrations: create')
fcntl.fcntl(fd, fcntl.F_NOTIFY, 0); make('mine removed: create')
fcntl.fcntl(d, fcntl.F_SETOWN, os.getpid()); make('owner me by dup: create')
os.write(p_out, b'exit'); os.waitpid(child, 0)
PY
EOS
)
