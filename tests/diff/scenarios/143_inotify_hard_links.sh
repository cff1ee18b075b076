# inotify watches on inodes, as the kernel's: a second watch of an
# instance on another name of a file is the same watch (same descriptor),
# and what is done through any name (write, chmod, link, rename over,
# unlink of another name, rename of another name) reaches it.
image=debian
script=$(cat <<EOS
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs('/tmp/w')
open('/tmp/w/a', 'w').write('x'); os.link('/tmp/w/a', '/tmp/w/e'); os.link('/tmp/w/a', '/tmp/w/f')
ino = libc.inotify_init1(os.O_NONBLOCK)
print('wds', libc.inotify_add_watch(ino, b'/tmp/w/e', 0xfff), libc.inotify_add_watch(ino, b'/tmp/w/a', 0xfff))
$inotify_ev_py
f = open('/tmp/w/f', 'a'); f.write('y'); f.close(); os.stat('/'); ev('write via f')
os.chmod('/tmp/w/f', 0o640); ev('chmod via f')
os.link('/tmp/w/f', '/tmp/w/g'); ev('link via f')
open('/tmp/w/other', 'w').write('o'); os.rename('/tmp/w/other', '/tmp/w/g'); ev('rename over g')
os.rename('/tmp/w/f', '/tmp/w/h'); ev('rename of f')
os.unlink('/tmp/w/h'); ev('unlink h')
os.unlink('/tmp/w/e'); ev('unlink e')
PY
EOS
)
