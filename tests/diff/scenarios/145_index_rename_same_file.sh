# index=on: renames between names of one hard-linked lower file, with
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# neither, one or both copied up: rename(2) is a no-op (one inode),
# RENAME_NOREPLACE says EEXIST, RENAME_EXCHANGE swaps nothing visible;
# link(2) onto an existing name of the same file is EEXIST; a read-only
# shared mmap of a name made before a write through another keeps what
# the kernel's keeps.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/d
	for g in 1 2 3; do echo "g$g" > data/a$g; ln data/a$g data/b$g; ln data/a$g data/d/c$g; done
}
script=$(cat <<'EOS'
cd /data
chmod 600 a2           # group 2: a2 (and so every name) copied up, b2 not linked yet
chmod 600 a3; ln -f a3 x3; rm x3; cat b3 > /dev/null; chown 1:1 b3   # group 3: a3 and b3 linked up
python3 - <<'PY'
import ctypes, errno, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
def renameat2(a, b, flags):
    r = libc.renameat2(-100, a.encode(), -100, b.encode(), flags)
    return 'ok' if r == 0 else errno.errorcode[ctypes.get_errno()]
def state(g):
    return ' '.join('%s%d:%s' % (n, g, os.stat('%s%d' % (n, g)).st_nlink if os.path.exists('%s%d' % (n, g)) else '-')
                    for n in ('a', 'b', 'd/c'))
for g in (1, 2, 3):
    os.rename('a%d' % g, 'b%d' % g); print('rename a b', state(g))
    os.rename('d/c%d' % g, 'a%d' % g); print('rename c a', state(g))
    print('noreplace', renameat2('b%d' % g, 'a%d' % g, 1), 'exchange', renameat2('a%d' % g, 'd/c%d' % g, 2), state(g))
    try:
        os.link('a%d' % g, 'b%d' % g); print('link: ok')
    except OSError as e:
        print('link:', errno.errorcode[e.errno])
f = open('b1', 'rb'); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
with open('d/c1', 'a') as w: w.write('more\n')
os.stat('/data')
print('mmap of b1 after a write through c1', bytes(m[:]), open('b1', 'rb').read())
PY
EOS
)
