# ioctls of files other than the four flag ones on overlay objects (lower,
# copied-up, upper-only files and dirs): FS_IOC_GETVERSION (lsattr -v,
# FS_IOC_SETVERSION), FS_IOC_GETFSLABEL, FIGETBSZ, FIONREAD, FS_IOC_FIEMAP
# (filefrag), FICLONE (cp --reflink) and an ext4 one (EXT4_IOC_GETSTATE):
# overlayfs serves some, and refuses the others with ENOTTY.
documented_difference="README Differences 8: other ioctls reach the real file"
image=debian
setup_top_lower() {
	mkdir -p x/ld; echo l > x/lf; echo c > x/cf
}
script=$(cat <<'EOS'
cd /x
echo more >> cf; echo u > uf; mkdir ud
python3 - <<'PY'
import fcntl, os, errno, struct
def t(what, path, req, arg, flags=os.O_RDONLY, show=lambda b: ''):
    fd = os.open(path, flags)
    try:
        r = fcntl.ioctl(fd, req, arg)
        print(what, path, 'ok', show(r))
    except OSError as e:
        print(what, path, errno.errorcode[e.errno])
    os.close(fd)
for p in ('lf', 'cf', 'uf', 'ld', 'ud', '.'):
    t('GETVERSION', p, 0x80087601, bytes(8))
    t('SETVERSION', p, 0x40087602, bytes(8))
    t('GETFSLABEL', p, 0x81009431, bytes(256), show=lambda b: repr(b.rstrip(b'\0')))
    t('GETSTATE', p, 0x40046629, bytes(4))
for p in ('lf', 'cf', 'uf'):
    t('FIGETBSZ', p, 2, bytes(4), show=lambda b: struct.unpack('i', b)[0])
    t('FIONREAD', p, 0x541B, bytes(4), show=lambda b: struct.unpack('i', b)[0])
    fm = struct.pack('QQIIII', 0, 1 << 62, 0, 0, 0, 0)
    t('FIEMAP', p, 0xC020660B, fm, show=lambda b: 'extents %d' % struct.unpack('QQIIII', b)[3])
src = os.open('uf', os.O_RDONLY)
for p in ('lf', 'cf'):
    fd = os.open(p, os.O_WRONLY)
    try:
        fcntl.ioctl(fd, 0x40049409, src); print('FICLONE', p, 'ok')
    except OSError as e:
        print('FICLONE', p, errno.errorcode[e.errno])
PY
cp --reflink=always uf uf2 2>&1
EOS
)
