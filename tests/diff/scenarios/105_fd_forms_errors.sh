# Error codes the kernel gives before it looks at a file: link of a dir
# or onto "/" or a dot name, rename of a dot name, and the fd-only calls
# (getdents, fchmod, fchown, futimens, f*xattr) on O_PATH fds (EBADF),
# upper and lower.
image=debian
script=$(cat <<'EOS'
python3 - <<'PY'
import os, errno
def t(label, f):
    try:
        r = f(); print(label, "ok", r if isinstance(r, int) and r < 1000 else "")
    except OSError as e:
        print(label, errno.errorcode[e.errno])
open("/tmp/f", "w").close()
os.mkdir("/tmp/d")
t("link / x", lambda: os.link("/", "/tmp/x"))
t("link f /", lambda: os.link("/tmp/f", "/"))
t("link f d/.", lambda: os.link("/tmp/f", "/tmp/d/."))
t("link d/. y", lambda: os.link("/tmp/d/.", "/tmp/y"))
t("link nope d/..", lambda: os.link("/tmp/nope", "/tmp/d/.."))
t("rename d/. z", lambda: os.rename("/tmp/d/.", "/tmp/z"))
p = os.open("/tmp/d", os.O_PATH)
t("listdir O_PATH", lambda: len(os.listdir(p)))
pf = os.open("/tmp/f", os.O_PATH)
pe = os.open("/etc/hostname", os.O_PATH)
t("fchmod O_PATH", lambda: os.chmod(pf, 0o600))
t("fchmod O_PATH lower", lambda: os.chmod(pe, 0o600))
t("fchown O_PATH", lambda: os.chown(pf, 1, 1))
t("futimens O_PATH", lambda: os.utime(pf))
t("fsetxattr O_PATH", lambda: os.setxattr(pf, "user.x", b"1"))
t("fgetxattr O_PATH", lambda: os.getxattr(pe, "user.x"))
t("flistxattr O_PATH", lambda: len(os.listxattr(pe)))
print(oct(os.stat("/etc/hostname").st_mode))
PY
EOS
)
