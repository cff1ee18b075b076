# flock and OFD locks belong to the open file description: a description
# of a lower file shared by a shell and its children (an inherited fd) or by
# dup(2) holds one lock, whichever fd takes or drops it.  (Every locked
# file is written at the end so that both uppers hold the same copies.)
documented_difference="a lock on a lower file copies it up: fds sharing its open file description follow at their process's next trapped call"
image=debian
setup_top_lower() {
	mkdir -p data
	echo orig > data/k
	echo orig > data/o
}
script=$(cat <<'EOS'
exec 9< /data/k
flock -n -x 9 && echo "flock(1) in a child, on the shell's fd 9: locked"
flock -n -x 9 && echo "again, on the same description: locked"
flock -n -x /data/k true; echo "flock(1) on another open of the file: $?"
exec 9<&-
flock -n -x /data/k true; echo "after the shell closed fd 9: $?"
python3 - <<'PY'
import fcntl, os, struct
def ofd(fd, typ):
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", typ, 0, 0, 0, 0))
        return "locked" if typ != fcntl.F_UNLCK else "unlocked"
    except OSError as e:
        return os.strerror(e.errno)
a = os.open("/data/o", os.O_RDONLY)
d = os.dup(a)
print("OFD read lock via a:", ofd(a, fcntl.F_RDLCK))
print("OFD unlock via its dup d:", ofd(d, fcntl.F_UNLCK))
b = os.open("/data/o", os.O_RDWR)
print("OFD write lock via another open:", ofd(b, fcntl.F_WRLCK))
PY
echo more >> /data/k
echo more >> /data/o
EOS
)
