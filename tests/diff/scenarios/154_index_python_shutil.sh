# index=on: python over the names of hard-linked lower files: os.link,
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# shutil.copy2 onto a name (written in place through it: every name sees
# it), shutil.copy2 from a name (times and mode carried), os.replace of a
# new file over a name (that name leaves the group), os.replace of one
# name over another of the same file (a no-op), shutil.move across
# directories, os.samestat, and a dedupe by (st_dev, st_ino).
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
	echo two > data/p; ln data/p data/sub/q
	touch -d '2019-03-04 05:06:07' data/a data/p
}
script=$(cat <<'EOS'
python3 - <<'PY'
import os, shutil, time
os.chdir('/data')
def show(what):
    seen = {}
    for d, dirs, files in os.walk('.'):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)[2:]
            s = os.stat(p)
            key = (s.st_dev, s.st_ino)
            seen.setdefault(key, p)
            print(' ', p, s.st_nlink, oct(s.st_mode & 0o777), open(p).read().strip(), 'group=' + seen[key])
    print(what, 'files', len(seen))
show('lower')
os.link('sub/c', 'd'); show('os.link sub/c d')
with open('/tmp/n', 'w') as f: f.write('copied\n')
os.chmod('/tmp/n', 0o600); os.utime('/tmp/n', (1e9, 1e9))
shutil.copy2('/tmp/n', 'b'); show('shutil.copy2 /tmp/n b')
print('b mtime', time.gmtime(os.stat('b').st_mtime)[:3], 'a mtime', time.gmtime(os.stat('a').st_mtime)[:3])
shutil.copy2('sub/q', '/tmp/q'); s = os.stat('/tmp/q'); print('copy of q', oct(s.st_mode & 0o777), time.gmtime(s.st_mtime)[:3], s.st_nlink)
with open('new', 'w') as f: f.write('replaced\n')
os.replace('new', 'a'); show('os.replace new a')
os.replace('d', 'b'); print('replace d b:', os.path.exists('d'), os.path.exists('b')); show('os.replace d b')
shutil.move('sub/q', 'q2'); show('shutil.move sub/q q2')
print('samestat p q2', os.path.samestat(os.stat('p'), os.stat('q2')), 'samefile b sub/c', os.path.samefile('b', 'sub/c'))
PY
EOS
)
