# index=off: two names of a hard-linked lower file are two objects (a
# copy-up breaks them apart, as the kernel's overlayfs does): watches on
# both are two watches, and what is done through one name is told to its
# own watch only.
image=debian
setup_top_lower() {
	mkdir -p data
	echo h > data/h1; ln data/h1 data/h2
}
script=$(cat <<EOS
python3 - <<'PY'
import os, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
print('wds', libc.inotify_add_watch(ino, b'/data/h1', 0xfff), libc.inotify_add_watch(ino, b'/data/h2', 0xfff))
$inotify_ev_py
os.chmod('/data/h2', 0o600); ev('chmod h2')
os.unlink('/data/h2'); ev('rm h2')
PY
EOS
)
