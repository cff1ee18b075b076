# index=on: every stat field (mode, owner, size, blocks, times, inode,
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# device, link count) agrees between the names of a hard-linked lower file
# after a change through any one of them (write, chmod, chown, touch -d,
# utime, a link, an unlink), whether or not the others were looked up
# before the change; stat(1) shows the same for each name.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c; ln data/a data/sub/d
	touch -d '2020-01-02 03:04:05' data/a
}
script=$(cat <<'EOS'
cd /data
stat -c '%n %i %h %s %b %a %u:%g %y' a b sub/c sub/d | sed "s/^\([^ ]*\) $(stat -c %i a) /\1 LOWER-INO /"
python3 - <<'PY'
import os, time
names = ['a', 'b', 'sub/c', 'sub/d']
F = ('st_mode', 'st_ino', 'st_dev', 'st_nlink', 'st_uid', 'st_gid', 'st_size', 'st_blocks',
     'st_mtime_ns', 'st_ctime_ns', 'st_atime_ns')
def check(what):
    live = [n for n in names if os.path.lexists(n)]
    st = [os.stat(n) for n in live]
    bad = [f for f in F if len({getattr(s, f) for s in st}) > 1]
    s = st[0]
    print(what, 'names', len(live), 'nlink', s.st_nlink, 'size', s.st_size, 'mode', oct(s.st_mode & 0o7777),
          'owner', s.st_uid, s.st_gid, 'mtime', 'now' if s.st_mtime > 1.7e9 else time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(s.st_mtime)),
          'differ:', bad or 'none')
check('lower')
with open('sub/d', 'a') as f: f.write('x' * 5000)
check('append through sub/d')
os.chmod('sub/c', 0o751); check('chmod sub/c')
os.chown('b', 12, 34); check('chown b')
os.utime('a', (1e9, 1.2e9)); check('utime a')
os.link('sub/c', 'e'); names.append('e'); check('link e')
os.unlink('b'); check('unlink b')
os.truncate('e', 3); check('truncate e')
PY
touch -d '2021-05-06 07:08:09' sub/d
stat -c '%n %h %s %a %u:%g %y' a sub/c sub/d e
EOS
)
