# dnotify makes the registering process the fd's owner (F_GETOWN), as
# fcntl(F_NOTIFY) does on Linux; removing the registration keeps it.
image=debian
script=$(cat <<'EOS'
mkdir -p /tmp/d
python3 - <<'PY'
import fcntl, os
fd = os.open('/tmp/d', os.O_RDONLY)
print('before', fcntl.fcntl(fd, fcntl.F_GETOWN))
fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_CREATE | fcntl.DN_MULTISHOT)
print('owner is me', fcntl.fcntl(fd, fcntl.F_GETOWN) == os.getpid())
fcntl.fcntl(fd, fcntl.F_NOTIFY, 0)
print('after removal, me', fcntl.fcntl(fd, fcntl.F_GETOWN) == os.getpid())
PY
EOS
)
