# chattr/lsattr on overlay objects: flags show through (lower and upper),
# setting copies up, immutable and append-only are kept in protattr and
# refuse what Linux refuses (writes, truncation, attribute and xattr
# changes, links, removal, renames; names made in or removed from such
# dirs), and can be taken off again; other flags reach the upper file,
# and a copy-up carries a lower file's noatime flag; the fsxattr form too.
image=debian
setup_top_lower() {
	mkdir -p data/d data/e
	echo f > data/f; echo g > data/g; echo h > data/h; echo n > data/n; chattr +A data/n; echo x > data/d/x; echo y > data/e/y
}
script=$(cat <<'EOS'
cd /data
t() { "$@" 2>/dev/null && echo "ok: $*" || echo "refused: $*"; }
flags() { lsattr -d "$@" 2>&1 | sed 's/ \+/ /'; }
flags f d
t chattr +i f
flags f
t sh -c 'echo more >> f'; t truncate -s 0 f; t chmod 600 f; t chown 1 f; t touch f
t python3 -c "import os; os.setxattr('f', 'user.k', b'v')"; t ln f f2; t rm f; t mv f f3
cat f
t chattr +a g
t sh -c 'echo appended >> g'; t sh -c 'echo over > g'; t truncate -s 0 g; t touch g
t touch -d @1000000000 g; t rm g; t chmod 600 g
cat g
t chattr +i d
t touch d/new; t rm d/x; t mkdir d/sub; t mv d/x e/x; t mv e/y d/y
t sh -c 'echo changed > d/x'; cat d/x
t chattr +a e
t touch e/new; t rm e/y; t mv e/y e/z
flags f g d e d/x e/new
t chattr +A d/x; flags d/x
t chattr -i f; t sh -c 'echo more >> f'; cat f
t chattr -a g; t rm g
t chattr -i d; t touch d/new
t chattr -a e; t rm e/y
flags f d e
chattr +i f; chattr +a e
lsattr -p f 2>&1 | sed 's/ \+/ /g'
python3 - <<'PY'
import fcntl, struct, os
GET, SET = 0x801c581f, 0x401c5820     # FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR
def get(p):
    fd = os.open(p, os.O_RDONLY)
    b = fcntl.ioctl(fd, GET, bytes(28)); os.close(fd)
    return struct.unpack('IIIII8x', b)
print('f xflags', hex(get('/data/f')[0]), 'd', hex(get('/data/d')[0]))
fd = os.open('/data/h', os.O_RDONLY)
x = list(get('/data/h')); x[0] |= 0x10                  # FS_XFLAG_APPEND
fcntl.ioctl(fd, SET, struct.pack('IIIII8x', *x)); os.close(fd)
print('h xflags', hex(get('/data/h')[0]))
try:
    open('/data/h', 'w')
except OSError as e:
    print('h write:', e.strerror)
open('/data/h', 'a').write('more\n')
PY
lsattr h | sed 's/ \+/ /'
chmod 600 n; lsattr n | sed 's/ \+/ /'
EOS
)
