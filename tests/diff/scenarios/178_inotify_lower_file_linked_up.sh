# inotify on lower files with one name that get more names in the sandbox
# (index=off): a watch added before the copy-up, then ln (the copy-up and
# the link are the watched file), writes and chmod through the new name,
# mv of the first name, rm of names; a watch added by the new name is the
# same watch (same descriptor); a second instance; IN_MASK_ADD and
# IN_ONESHOT through the other name; inotify_rm_watch.
image=debian
setup_top_lower() {
	mkdir -p data; echo a > data/a; echo b > data/b
}
rootless_difference="README Differences 9: the names of a copy in a run by a user"
script=$(cat <<'EOS'
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
i1 = libc.inotify_init1(os.O_NONBLOCK); i2 = libc.inotify_init1(os.O_NONBLOCK)
def add(i, p, m):
    return libc.inotify_add_watch(i, p.encode(), m)
def ev(tag):
    os.stat('/')    # a trapped call: ovlrun relays native events (README Difference 4)
    for n, i in (('i1', i1), ('i2', i2)):
        out = []
        while True:
            try:
                buf = os.read(i, 4096)
            except BlockingIOError:
                break
            k = 0
            while k < len(buf):
                w, mask, cookie, ln = struct.unpack_from('iIII', buf, k); out.append((w, hex(mask))); k += 16 + ln
        print(tag, n, out)
print('wd a', add(i1, '/data/a', 0xfff), 'wd b', add(i1, '/data/b', 0x4))     # all; IN_ATTRIB
os.link('/data/a', '/data/a2'); ev('ln a a2')
print('wd a2 (same as a)', add(i1, '/data/a2', 0xfff), 'i2 a2', add(i2, '/data/a2', 0x2))  # IN_MODIFY
open('/data/a2', 'a').write('more'); ev('append via a2')
os.chmod('/data/a2', 0o600); ev('chmod a2')
os.rename('/data/a', '/data/a3'); ev('mv a a3')
os.unlink('/data/a3'); ev('rm a3')
open('/data/b', 'a').write('more'); ev('append b (ATTRIB only)')
os.link('/data/b', '/data/b2'); ev('ln b b2')
print('mask add via b2', add(i1, '/data/b2', 0x2 | 0x20000000)); open('/data/b', 'a').write('x'); ev('append b')
print('oneshot via b2', add(i2, '/data/b2', 0x4 | 0x80000000)); os.chmod('/data/b', 0o600); os.chmod('/data/b', 0o644); ev('chmod b twice')
print('rm_watch', libc.inotify_rm_watch(i1, 2)); ev('rm_watch')
os.unlink('/data/b'); os.unlink('/data/b2'); os.unlink('/data/a2'); ev('rm all')
PY
EOS
)
