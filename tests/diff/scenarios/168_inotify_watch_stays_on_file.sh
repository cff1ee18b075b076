# A watch added by one name of a file with several stays on the file once
# that name goes (unlink, a rename over it), as the kernel's inode watch:
# it hears what is done through the other names, not what appears at its
# old name, and ends (DELETE_SELF, IGNORED) when the last name goes.
image=debian
script=$(cat <<EOS
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs('/tmp/w')
open('/tmp/w/a', 'w').write('x'); os.link('/tmp/w/a', '/tmp/w/b'); os.link('/tmp/w/a', '/tmp/w/c')
ino = libc.inotify_init1(os.O_NONBLOCK)
print('wd', libc.inotify_add_watch(ino, b'/tmp/w/a', 0xfff))
$inotify_ev_py
os.unlink('/tmp/w/a'); ev('rm a')
open('/tmp/w/a', 'w').write('new'); os.chmod('/tmp/w/a', 0o600); ev('a new file at a')
os.chmod('/tmp/w/b', 0o640); ev('chmod b')
open('/tmp/w/o', 'w').write('o'); os.rename('/tmp/w/o', '/tmp/w/b'); ev('rename over b')
os.unlink('/tmp/w/c'); ev('rm c, the last name')
PY
EOS
)
