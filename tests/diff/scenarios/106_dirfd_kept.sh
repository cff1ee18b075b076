# A dir fd used for many relative calls names its dir as long as it is the
# same open file: after the dir is renamed (the fd follows it), after
# dup2 puts another dir in its place, after close and a reuse of the
# number, after the dir is removed; in the upper and in a lower dir.
image=debian
script=$(cat <<'EOS'
python3 - <<'PY'
import os, errno, shutil
def st(label, fd, name):
    try:
        s = os.stat(name, dir_fd=fd, follow_symlinks=False)
        print(label, "dir" if os.path.stat.S_ISDIR(s.st_mode) else "size %d" % s.st_size)
    except OSError as e:
        print(label, errno.errorcode[e.errno])
D = os.O_RDONLY | os.O_DIRECTORY
os.makedirs("/tmp/a/sub")
open("/tmp/a/f", "w").write("aaa")
os.makedirs("/tmp/b")
open("/tmp/b/f", "w").write("bbbbb")
fd = os.open("/tmp/a", D)
st("a f", fd, "f")
st("a f again", fd, "f")
st("a sub", fd, "sub")
os.rename("/tmp/a", "/tmp/c")
st("renamed f", fd, "f")
open("/tmp/c/g", "w").write("gg")
st("renamed g", fd, "g")
fd2 = os.open("/tmp/b", D)
os.dup2(fd2, fd)
st("dup2 f", fd, "f")
st("dup2 g", fd, "g")
os.close(fd)
fd3 = os.open("/tmp/c/sub", D)
print("same number", fd3 == fd)
st("reused f", fd3, "f")
st("reused ..", fd3, "..")
shutil.rmtree("/tmp/c")
st("removed f", fd3, "f")
st("removed .", fd3, ".")
lo = os.open("/usr/share", D)
st("lower doc", lo, "doc")
st("lower doc again", lo, "doc")
os.close(lo)
lo2 = os.open("/etc", D)
st("etc hostname", lo2, "hostname")
st("etc doc", lo2, "doc")
PY
EOS
)
