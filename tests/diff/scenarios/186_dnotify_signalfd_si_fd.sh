# dnotify's real-time signal read with signalfd: ssi_fd is the dir's fd
# (the kernel's POLL_MSG siginfo); ssi_signo, the F_SETSIG signal.
documented_difference="README Differences 5: dnotify signals are SI_QUEUE (signalfd ssi_fd 0)"
image=debian
script=$(cat <<'EOS'
mkdir -p /tmp/d
python3 - <<'PY'
import os, fcntl, signal, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
SIG = signal.SIGRTMIN + 2
signal.pthread_sigmask(signal.SIG_BLOCK, [SIG])
mask = ctypes.c_uint64(1 << (SIG - 1))
sfd = libc.signalfd(-1, ctypes.byref(mask), os.O_NONBLOCK)
fd = os.open('/tmp/d', os.O_RDONLY)
fd = os.dup2(fd, 7)
fcntl.fcntl(fd, fcntl.F_SETSIG, SIG)
fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_CREATE)
open('/tmp/d/f', 'w').close()
signo, err, code, pid, uid, sifd = struct.unpack_from('IiiIIi', os.read(sfd, 128))
print('signal', signo - signal.SIGRTMIN, 'ssi_fd', sifd)
PY
EOS
)
