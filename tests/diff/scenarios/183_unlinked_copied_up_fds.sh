# fds of files unlinked while open: a lower file copied up by the open
# (its removal leaves a whiteout), one copied up before, and one made in
# the upper; the calls through each fd (readlink of its /proc link,
# fstat's type and link count, fchmod, fchown, futimens, fsetxattr and
# flistxattr, the flag ioctls, flock, fstatfs's type, read/write) act on
# the unlinked file as on the kernel's overlay.
image=debian
setup_top_lower() {
	mkdir -p q; echo lo > q/lo; echo co > q/co
}
script=$(cat <<'EOS'
cd /q
chmod 640 co; echo up > up
python3 - <<'PY'
import os, fcntl, struct, errno, stat
def t(what, fn):
    try:
        r = fn(); print(' ', what, 'ok' if r is None else r)
    except OSError as e:
        print(' ', what, errno.errorcode[e.errno])
for n in ('lo', 'co', 'up'):
    fd = os.open(n, os.O_RDWR); os.unlink(n)
    print(n)
    t('link', lambda: os.readlink('/proc/self/fd/%d' % fd))
    st = os.fstat(fd)
    print('  fstat', stat.filemode(st.st_mode), st.st_nlink, st.st_size)
    t('fchmod', lambda: os.fchmod(fd, 0o600))
    t('fchown', lambda: os.fchown(fd, 1, 1))
    t('futimens', lambda: os.utime(fd, (1, 1)))
    t('fsetxattr', lambda: os.setxattr(fd, 'user.k', b'v'))
    t('flistxattr', lambda: [x for x in os.listxattr(fd) if not x.startswith('security.')])
    t('GETFLAGS', lambda: hex(struct.unpack('l', fcntl.ioctl(fd, 0x80086601, bytes(8)))[0]))
    t('SETFLAGS +A', lambda: fcntl.ioctl(fd, 0x40086602, struct.pack('l', 0x80080)) and None)
    t('flock', lambda: fcntl.flock(fd, fcntl.LOCK_EX))
    t('fstatfs is overlay', lambda: os.statvfs('/proc/self/fd/%d' % fd) and None)
    t('write+read', lambda: (os.pwrite(fd, b'X', 0), os.pread(fd, 3, 0))[1])
    st = os.fstat(fd)
    print('  after', stat.filemode(st.st_mode), st.st_uid, st.st_size)
PY
ls -a /q
EOS
)
