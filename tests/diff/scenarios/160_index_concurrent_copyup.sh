# index=on: the first copy-up of a hard-linked lower file raced through
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# two of its names by two processes at once (writes at each one's own
# offset, chmod and link),
# for 40 groups: every group ends as one file holding both writes, with
# the lower's inode number and the right link count.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/x data/y
	for i in $(seq 1 40); do echo "g$i" > data/x/$i; ln data/x/$i data/y/$i; done
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os
os.chdir('/data')
ino = {i: os.stat('x/%d' % i).st_ino for i in range(1, 41)}
def worker(side):
    for i in range(1, 41):
        fd = os.open('%s/%d' % (side, i), os.O_WRONLY)   # each side its own bytes
        os.pwrite(fd, (side + '\n').encode(), 8 if side == 'x' else 10)
        os.close(fd)
        if i % 4 == 0:
            os.chmod('%s/%d' % (side, i), 0o600)
        if i % 5 == 0:
            os.link('%s/%d' % (side, i), '%s/%d.l' % (side, i))
    os._exit(0)
pids = []
for side in ('x', 'y'):
    pid = os.fork()
    if pid == 0:
        worker(side)
    pids.append(pid)
for p in pids:
    os.waitpid(p, 0)
bad = 0
for i in range(1, 41):
    names = ['x/%d' % i, 'y/%d' % i] + [n for n in ('x/%d.l' % i, 'y/%d.l' % i) if os.path.exists(n)]
    st = [os.stat(n) for n in names]
    text = sorted(open(names[0]).read().replace('\0', ' ').split())
    want_links = 2 + (2 if i % 5 == 0 else 0)
    if (len({s.st_ino for s in st}) != 1 or st[0].st_ino != ino[i] or st[0].st_nlink != want_links
            or text != sorted(['g%d' % i, 'x', 'y']) or len({open(n).read() for n in names}) != 1):
        bad += 1
        print('group', i, [(s.st_ino == ino[i], s.st_nlink) for s in st], text)
print('groups wrong:', bad)
PY
find /data -type f -links +1 | wc -l
EOS
)
