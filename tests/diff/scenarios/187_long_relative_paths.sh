# Paths longer than PATH_MAX, reached by relative steps: a lower tree 21
# levels of 200-byte names deep (4.2 KB), and the command goes on from
# there by chdir and dirfds to 40 levels (8 KB): mkdir, create, write,
# read, stat, readdir, rename, symlink, hard link, copy-up of a lower file
# at depth, unlink, rmdir, getcwd (glibc's fallback walks ".."), openat
# from a dir fd, exec of a file there, an AF_UNIX socket bound there, an
# inotify watch, a dir fd kept while its tree moves, and the tools: find,
# du, ls -R, mv, rm -rf.
image=debian
setup_lower() {
	python3 - <<'PY'
import os
n = "L" * 199
os.mkdir("deep"); os.chdir("deep")
for i in range(21):
    os.mkdir(n + chr(97 + i)); os.chdir(n + chr(97 + i))
with open("lowfile", "w") as f: f.write("from the lower\n")
with open("lowfile2", "w") as f: f.write("another\n")
PY
}
script=$(cat <<'EOS'
cd /deep
python3 - <<'PY'
import os, errno
n = "L" * 199
for i in range(21):
    os.chdir(n + chr(97 + i))
m = "U" * 199
print("lower depth ok:", open("lowfile").read().strip())
os.chmod("lowfile", 0o600)
print("copied up mode:", oct(os.stat("lowfile").st_mode & 0o777))
for i in range(19):
    os.mkdir(m + chr(97 + i)); os.chdir(m + chr(97 + i))
cwd = os.getcwd()
print("getcwd length:", len(cwd), cwd.count("/"))
with open("file", "w") as f: f.write("deep data\n")
print("read:", open("file").read().strip(), os.stat("file").st_size)
os.rename("file", "renamed"); os.link("renamed", "hard"); os.symlink("renamed", "sym")
print("readlink:", os.readlink("sym"), "nlink:", os.stat("hard").st_nlink)
print("listdir:", sorted(os.listdir(".")))
os.mkdir("d"); fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY)
g = os.open("at", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd); os.write(g, b"x"); os.close(g)
print("fstatat:", os.stat("at", dir_fd=fd).st_size, sorted(os.listdir(fd)))
os.unlink("at", dir_fd=fd); os.close(fd); os.rmdir("d")
os.unlink("hard")
import shutil, subprocess, socket
shutil.copy("/bin/true", "t"); os.chmod("t", 0o755)
print("exec:", subprocess.run(["./t"]).returncode)
so = socket.socket(socket.AF_UNIX)
try:
    so.bind("sock"); print("bind: ok", oct(os.stat("sock").st_mode >> 12))
except OSError as e:
    print("bind:", errno.errorcode[e.errno])
so.close()
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)
ino = libc.inotify_init1(os.O_NONBLOCK)
print("watch:", libc.inotify_add_watch(ino, b".", 0x100 | 0x200) > 0)
open("ev", "w").close(); os.unlink("ev")
evs = []
while True:
    try:
        b = os.read(ino, 4096)
    except BlockingIOError:
        break
    while b:
        wd, mask, ck, ln = struct.unpack_from("iIII", b)
        evs.append((hex(mask), b[16:16 + ln].rstrip(b"\0").decode()))
        b = b[16 + ln:]
print("events:", evs)
os.mkdir("m1"); os.mkdir("m1/in"); kept = os.open("m1/in", os.O_RDONLY | os.O_DIRECTORY)
os.rename("m1", "m2")
open("made", "w", opener=lambda p, f: os.open(p, f, dir_fd=kept)).close()
print("after the move:", sorted(os.listdir("m2/in")), sorted(os.listdir(kept)))
os.close(kept)
os.rename("m2", "../moved"); print("mv:", os.listdir("../moved"))
import fcntl
def fd_calls(fd, tag):
    r = []
    for name, call in (("fchmod", lambda: os.fchmod(fd, 0o640)),
                       ("fchown", lambda: os.fchown(fd, 1, 1)),
                       ("futimes", lambda: os.utime(fd, (1, 2))),
                       ("ftruncate", lambda: os.ftruncate(fd, 3)),
                       ("lock", lambda: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)),
                       ("setxattr", lambda: os.setxattr(fd, "user.x", b"1")),
                       ("getxattr", lambda: os.getxattr(fd, "user.x")),
                       ("readlink", lambda: len(os.readlink("/proc/self/fd/%d" % fd)))):
        try:
            call(); r.append(name)
        except OSError as e:
            r.append(name + ":" + errno.errorcode[e.errno])
    st = os.fstat(fd)
    print(tag, r, oct(st.st_mode), st.st_uid, st.st_size)
fd = os.open("renamed", os.O_RDWR); fd_calls(fd, "upper fd:"); os.close(fd)
fd = os.open("/".join([".."] * 19) + "/lowfile2", os.O_RDONLY); fd_calls(fd, "lower fd:"); print(os.read(fd, 100)); os.close(fd)
up = "/".join([".."] * 10)
print("up 10:", sorted(x[-1] for x in os.listdir(up)))
try:
    os.stat(cwd)
    print("stat of the absolute path: ok")
except OSError as e:
    print("stat of the absolute path:", errno.errorcode[e.errno])
PY
echo "find: $(find /deep | wc -l) names, $(find /deep -name renamed | wc -c) bytes"
echo "du: $(du -a /deep 2>&1 | wc -l)"
echo "ls -R: $(ls -R /deep 2>&1 | wc -l)"
rm -rf /deep; echo "rm -rf: $?"; ls -a /deep 2>&1
EOS
)
