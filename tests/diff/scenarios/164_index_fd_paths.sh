# index=on: /proc links of fds opened by several lower names of one
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# hard-linked file, through renames and unlinks of those names.  ovlrun
# knows one name per file: every such fd shows the name last opened.
documented_difference="README Differences 6: fds of several names of one indexed file show one name"
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/c; ln data/a data/sub/d
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os
os.chdir('/data')
open('a', 'a').write('x')
fb = os.open('b', os.O_RDONLY)
fc = os.open('c', os.O_RDONLY)
fd = os.open('sub/d', os.O_RDONLY)
def links():
    print([os.readlink('/proc/self/fd/%d' % f) for f in (fb, fc, fd)])
links()
os.rename('b', 'z'); links()
os.rename('sub/d', 'd2'); links()
os.unlink('c'); links()
os.rename('z', 'sub/z'); links()
print([os.fstat(f).st_nlink for f in (fb, fc, fd)])
print(os.stat('/proc/self/fd/%d' % fb).st_nlink)
fe = os.open('/proc/self/fd/%d' % fc, os.O_RDONLY); print(os.readlink('/proc/self/fd/%d' % fe), os.read(fe, 100))
PY
EOS
)
