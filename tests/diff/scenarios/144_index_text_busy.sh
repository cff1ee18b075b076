# A program running from one name of a lower file while it, or another
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# name, is opened for writing or truncated: the kernel says ETXTBSY (its
# writes are denied while it runs) and copies nothing; with index=on every
# name of the file is the one inode (also a name copied up while it runs).
# Then the same for a file copied up before it runs.  (Readiness: the program says so once it runs.)
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	cp "$LOWER/usr/bin/dash" data/s1; ln data/s1 data/s2; ln data/s1 data/s3
	cp "$LOWER/usr/bin/dash" data/u1; ln data/u1 data/u2
}
script=$(cat <<'EOS'
cd /data
try() {
python3 - "$@" <<'PY'
import os, errno, sys
def attempt(what, f):
    try:
        f(); print(' ', what, 'ok')
    except OSError as e:
        print(' ', what, errno.errorcode[e.errno])
for n in sys.argv[1:]:
    attempt('open %s for write' % n, lambda: os.close(os.open(n, os.O_WRONLY)))
attempt('truncate %s' % n, lambda: os.truncate(n, os.stat(n).st_size))
PY
}
run() { # NAME: run it until its stdin closes; back once it runs
	mkfifo /tmp/in /tmp/out
	./$1 -c 'echo running; read x' < /tmp/in > /tmp/out & pid=$!
	exec 3> /tmp/in; read line < /tmp/out; echo "$1 $line"
}
stop() { exec 3>&-; wait $pid; rm /tmp/in /tmp/out; }
run s1; try s2 s3 s1; stop
run s1; chmod 755 s2; echo "s2 copied up:"; try s2; stop
chmod 700 u2
run u1; try u2 u1; stop
stat -c '%n %h %a' s1 u1
EOS
)
