#!/usr/bin/env bash
# inotify in the Debian image: what `inotifywait -m` prints while files and
# dirs of the lower and of the upper are created, modified, deleted,
# renamed, chmod-ed and removed is what it prints on the kernel's overlayfs;
# and the syscalls behave the same (a python3 script: error codes, wd
# reuse, IN_MASK_CREATE/ADD, IN_ONESHOT, rm_watch, merging of identical
# unread events, FIONREAD, poll, non-blocking reads, the name padding,
# permission checks, a forked reader).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ovl_init

use_debian_image
[[ -x $D/usr/bin/inotifywait ]] || fatal "inotifywait is not in the Debian image"
before=$(tree_dump "$D" | sha256sum)
# /etc, which the test watches, from a top lower of its own (a copy, opaque):
# in a run by a user the relay marks the real objects watched, where a host
# process reading them (another test reading the shared image's /etc/passwd)
# would be reported too (README Limits)
DEBIAN_TOP=$T/top
mkdir "$DEBIAN_TOP"
as_ns_root cp -a "$D/etc" "$DEBIAN_TOP/etc"
as_ns_root setfattr -n "$OVL_XATTR.opaque" -v y "$DEBIAN_TOP/etc"

watch_script='
mkdir -p /srv/w/old && echo old > /srv/w/old/f
inotifywait -m /etc /etc/hostname /srv/w > /root/events 2> /root/iw.err &
pid=$!
while ! grep -q "Watches established" /root/iw.err 2>/dev/null; do sleep 0.05; done
echo new > /etc/newfile
echo more >> /etc/hostname
cat /etc/issue > /dev/null
rm /etc/motd
rm /etc/newfile
mv /etc/issue /etc/issue.old
mv /etc/issue.net /srv/w/issue.net
chmod 600 /etc/issue.old
touch /etc/hostname
chown 1:1 /etc/shells
mkdir /etc/dd && rmdir /etc/dd
rmdir /etc/opt
ls /etc > /dev/null
mv /srv/w/old /srv/w/older && echo x > /srv/w/older/g
rm -r /srv/w/older
rmdir /srv/w 2>&1 || true
sleep 0.5
kill $pid
wait $pid 2> /dev/null || true
# the dynamic loader opening ld.so.cache for each process of the wait loop
# varies with timing; identical events in a row merge or not as the reader
# keeps up (the kernel merges an event into an identical unread one): uniq
grep -v " ld.so.cache$" /root/events | uniq
'

api_script=$(cat <<'EOS'
import sys, ctypes, errno, fcntl, os, select, struct, termios
libc = ctypes.CDLL(None, use_errno=True)
IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_CREATE, IN_DELETE = 0x1, 0x2, 0x4, 0x100, 0x200
IN_ALL = 0xfff
IN_ONLYDIR, IN_DONT_FOLLOW, IN_MASK_CREATE, IN_MASK_ADD = 0x01000000, 0x02000000, 0x10000000, 0x20000000
IN_ONESHOT, IN_IGNORED = 0x80000000, 0x8000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC

def call(name, *args):
    rv = getattr(libc, name)(*args)
    if rv < 0:
        return errno.errorcode[ctypes.get_errno()]
    return rv

def add(fd, path, mask):
    return call("inotify_add_watch", fd, path.encode(), ctypes.c_uint32(mask))

def events(fd):
    out = []
    while True:
        r, _, _ = select.select([fd], [], [], 0.3)
        if not r:
            return out
        buf = os.read(fd, 65536)
        i = 0
        while i < len(buf):
            wd, mask, cookie, ln = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + ln].rstrip(b"\0").decode()
            out.append("wd=%d mask=%#x len=%d %s" % (wd, mask, ln, name))
            i += 16 + ln

os.makedirs("/srv/a/sub", exist_ok=True)
open("/srv/a/f", "w").close()
print("init1 bad flags", call("inotify_init1", 0x1))
fd = call("inotify_init1", IN_NONBLOCK | IN_CLOEXEC)
print("cloexec", bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
try:
    os.read(fd, 4096)
except BlockingIOError:
    print("empty read: EAGAIN")
print("add", add(fd, "/srv/a", IN_CREATE | IN_DELETE))
print("add again", add(fd, "/srv/a", IN_CREATE))
print("mask_create", add(fd, "/srv/a", IN_CREATE | IN_MASK_CREATE))
print("mask_add", add(fd, "/srv/a", IN_DELETE | IN_MASK_ADD))
print("both", add(fd, "/srv/a", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE))
print("file", add(fd, "/srv/a/f", IN_MODIFY | IN_ATTRIB))
print("onlydir", add(fd, "/srv/a/f", IN_MODIFY | IN_ONLYDIR))
print("noent", add(fd, "/srv/nope", IN_MODIFY))
print("nomask", add(fd, "/srv/a", 0))
print("badfd", add(999, "/srv/a", IN_CREATE))
r, w = os.pipe()
print("pipe", add(r, "/srv/a", IN_CREATE))
os.symlink("f", "/srv/a/ln")
print("dont_follow", add(fd, "/srv/a/ln", IN_ATTRIB | IN_DONT_FOLLOW))
print("follow", add(fd, "/srv/a/ln", IN_ATTRIB | IN_MODIFY))
open("/srv/a/g", "w").close()
n = ctypes.c_int(0)
fcntl.ioctl(fd, termios.FIONREAD, n)
print("fionread", n.value)
print("poll", select.select([fd], [], [], 1)[0] == [fd])
with open("/srv/a/f", "a") as f:
    f.write("1"); f.flush()
    f.write("2"); f.flush()
os.unlink("/srv/a/g")
print(*events(fd), sep="\n")
print("rm", call("inotify_rm_watch", fd, 2))
print("rm again", call("inotify_rm_watch", fd, 2))
print("rm bad", call("inotify_rm_watch", fd, 77))
print("oneshot", add(fd, "/srv/a/sub", IN_CREATE | IN_ONESHOT))
open("/srv/a/sub/x", "w").close()
open("/srv/a/sub/y", "w").close()
print(*events(fd), sep="\n")
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    os.mkdir("/srv/a/from-child")
    os._exit(0)
os.waitpid(pid, 0)
print(*events(fd), sep="\n")
os.close(fd)
os.mkdir("/srv/a/after-close")
sys.stdout.flush()
if os.fork() == 0:
    os.setgid(65534); os.setuid(65534)
    fd2 = call("inotify_init1", 0)
    print("user /root", add(fd2, "/root", IN_CREATE), flush=True)
    print("user /srv/a", add(fd2, "/srv/a", IN_CREATE), flush=True)
    os._exit(0)
os.wait()
EOS
)

for what in watch api; do
	if [[ $what == watch ]]; then cmd=(/bin/sh -c "$watch_script"); else cmd=(/usr/bin/python3 -c "$api_script"); fi
	run_debian "$KOVLRUN" "$T/kernel-upper-$what" "${cmd[@]}"
	k_out=$OUT k_err=$ERR k_status=$STATUS
	run_debian "$OVLRUN" "$T/upper-$what" "${cmd[@]}"
	log "kernel overlayfs ($what):"$'\n'"$k_out"
	assert_status "$k_status"
	assert_eq "$k_out" "$OUT" "$what: stdout (kernel overlayfs vs ovlrun)"
	assert_eq "$k_err" "$ERR" "$what: stderr (kernel overlayfs vs ovlrun)"
done
# the test can fail: the events are there at all
run_debian "$OVLRUN" "$T/upper-again" /bin/sh -c "$watch_script"
assert_stdout_contains "/etc/ DELETE motd"
assert_stdout_contains "/etc/ MOVED_TO issue.old"
assert_stdout_contains "/etc/hostname MODIFY"
assert_eq "$before" "$(tree_dump "$D" | sha256sum)" "the Debian lower after the runs"
finish
