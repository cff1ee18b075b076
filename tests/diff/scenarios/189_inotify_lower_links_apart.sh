# Without the index, the overlay keeps a lower file's hard links apart
# (each name its own object, as the kernel's overlayfs without index=on):
# a watch added by one name ends (DELETE_SELF, IGNORED) when that name
# goes, though the lower file has other names; it hears nothing of what
# appears at the name next, nor of changes through the other names.
image=debian
setup_lower() {
	mkdir -p w; echo x > w/a; ln w/a w/b; ln w/a w/c; echo y > w/single
}
script=$(cat <<EOS
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
print('wd', libc.inotify_add_watch(ino, b'/w/a', 0xfff), libc.inotify_add_watch(ino, b'/w/b', 0xfff))
$inotify_ev_py
os.chmod('/w/c', 0o640); ev('chmod c')
os.chmod('/w/b', 0o600); ev('chmod b')
os.unlink('/w/a'); ev('rm a')
open('/w/a', 'w').write('new'); os.chmod('/w/a', 0o600); ev('a new file at a')
open('/w/o', 'w').write('o'); os.rename('/w/o', '/w/b'); ev('rename over b')
open('/w/b', 'a').write('more'); ev('write the new b')
PY
EOS
)
