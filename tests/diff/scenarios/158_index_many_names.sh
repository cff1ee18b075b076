# index=on: a lower file with 300 names in 3 directories: a write through
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# one, then links, renames and removals of most names in a shuffled (but
# fixed) order, checking after each batch that every remaining name
# shows one file with the count of names left; then a second group whose
# names are all removed without any copy-up first.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/d0 data/d1 data/d2
	echo data > data/d0/n0
	for i in $(seq 1 299); do ln data/d0/n0 data/d$((i % 3))/n$i; done
	echo two > data/g0; for i in 1 2 3 4 5 6 7 8 9; do ln data/g0 data/g$i; done
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, random
os.chdir('/data')
names = ['d%d/n%d' % (i % 3, i) for i in range(300)]
rng = random.Random(7)
def check(what):
    st = [os.stat(n) for n in names]
    ids = {(s.st_dev, s.st_ino) for s in st}
    counts = {s.st_nlink for s in st}
    text = {open(n).read() for n in names[:5]}
    print(what, 'names', len(names), 'files', len(ids), 'nlink', sorted(counts), 'texts', len(text))
check('lower')
with open(names[150], 'a') as f: f.write('more\n')
check('write')
for k in range(50):
    new = 'd%d/x%d' % (k % 3, k); os.link(rng.choice(names), new); names.append(new)
check('50 links')
rng.shuffle(names)
for k in range(60):
    old = names[k]; new = 'd%d/r%d' % (k % 3, k); os.rename(old, new); names[k] = new
check('60 renames')
for k in range(7):
    for n in names[:40]: os.unlink(n)
    names = names[40:]
    check('unlinked 40')
for n in names: os.unlink(n)
print('left', sorted(os.listdir('d0') + os.listdir('d1') + os.listdir('d2')))
print('g', [os.stat('g%d' % i).st_nlink for i in range(10)])
for i in range(10):
    os.unlink('g%d' % i)
print('g left', [n for n in os.listdir('.') if n.startswith('g')])
PY
EOS
)
