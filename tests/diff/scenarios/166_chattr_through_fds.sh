# Immutable and append-only files refuse changes through fds as through
# names: fchmod, fchown, futimens, fsetxattr, fremovexattr (an fd opened
# before the flag was set); ftruncate only for append-only (Linux lets an
# fd opened for writing before immutable truncate); an append-only file
# takes the time now (futimens NULL) and appending writes.
image=debian
setup_top_lower() {
	mkdir -p data
	echo i > data/i; echo a > data/a
}
script=$(cat <<'EOS'
cd /data
python3 - <<'PY'
import os, errno
os.setxattr('/data/i', 'user.k', b'v'); os.setxattr('/data/a', 'user.k', b'v')
def t(what, f):
    try:
        f(); print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
wi = os.open('/data/i', os.O_WRONLY); wa = os.open('/data/a', os.O_WRONLY | os.O_APPEND)
os.system('chattr +i /data/i; chattr +a /data/a')
for n, fd in (('i', wi), ('a', wa)):
    t(n + ' fchmod', lambda: os.fchmod(fd, 0o600))
    t(n + ' fchown', lambda: os.fchown(fd, 1, 1))
    t(n + ' futimens now', lambda: os.utime(fd))
    t(n + ' futimens set', lambda: os.utime(fd, (1, 1)))
    t(n + ' fsetxattr', lambda: os.setxattr(fd, 'user.x', b'1'))
    t(n + ' fremovexattr', lambda: os.removexattr(fd, 'user.k'))
    t(n + ' ftruncate', lambda: os.ftruncate(fd, 0))
t('a append', lambda: os.write(wa, b'more\n'))
os.system('chattr -i /data/i; chattr -a /data/a')
PY
cat a; stat -c '%n %a %u %s' i a
EOS
)
