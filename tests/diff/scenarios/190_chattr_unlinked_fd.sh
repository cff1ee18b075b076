# chattr and lsattr through an fd of a file removed while open: one made
# in the upper (unlinked), a lower one copied up and removed (the overlay
# keeps its upper copy in the work dir).  Setting immutable works for root
# as on Linux, reads back, refuses the metadata calls through the fd, and
# clears again.
image=debian
setup_lower() {
	echo low > low
}
script=$(cat <<'EOS'
cd /
echo up > up; echo more >> low
python3 - <<'PY'
import os, fcntl, struct, errno
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, IMM = 0x80086601, 0x40086602, 0x10
def real(fd):
    return struct.unpack('l', fcntl.ioctl(fd, FS_IOC_GETFLAGS, b'\0' * 8))[0]
def flags(fd):
    return real(fd) & (IMM | 0x20)
def setf(fd, v):
    # as chattr: the flags read, with the one changed
    try:
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack('l', (real(fd) & ~IMM) | v)); return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
for name in ('up', 'low'):
    fd = os.open(name, os.O_RDONLY)
    os.unlink(name)
    print(name, 'set +i:', setf(fd, IMM), 'flags:', hex(flags(fd)))
    try:
        os.fchmod(fd, 0o600); print(' fchmod: ok')
    except OSError as e:
        print(' fchmod:', errno.errorcode[e.errno])
    print(' set -i:', setf(fd, 0), 'flags:', hex(flags(fd)))
    os.fchmod(fd, 0o600); print(' fchmod after:', oct(os.fstat(fd).st_mode))
    os.close(fd)
PY
EOS
)
