# dnotify (python fcntl F_NOTIFY, real-time signal) on a lower dir while
# real tools work in it: cp, tar x, sed -i, mv in from another dir, mv of
# the watched dir itself (redirect), chmod of the dir, rm -r of a subtree.
image=debian
setup_top_lower() {
	mkdir -p data/w/sub data/o
	echo f > data/w/f; echo s > data/w/sub/s; echo o > data/o/o
}
script=$(cat <<'EOS'
cd /root && mkdir -p src && echo a > src/a && echo b > src/b && touch -d @1600000000 src/a src/b && tar cf /root/x.tar -C src a b
python3 - <<'PY'
import fcntl, os, signal, subprocess
sig = signal.SIGRTMIN + 1
signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
fd = os.open('/data/w', os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETSIG, sig)
fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_ACCESS | fcntl.DN_MODIFY | fcntl.DN_CREATE |
            fcntl.DN_DELETE | fcntl.DN_RENAME | fcntl.DN_ATTRIB | fcntl.DN_MULTISHOT)
def drain():
    n = 0
    while True:
        i = signal.sigtimedwait([sig], 0.3)
        if i is None: return n
        n += 1
        assert i.si_signo == sig
for cmd in ['cat /data/w/f > /dev/null', 'cat /data/w/f > /dev/null', 'cat /data/w/new 2>/dev/null', 'echo n > /data/w/new', 'cat /data/w/new > /dev/null',
            'python3 -c "import os; fd=os.open(\\"/data/w/t\\", os.O_CREAT|os.O_WRONLY|os.O_EXCL, 0o600); os.write(fd, b\\"x\\"); os.fchmod(fd, 0o644); os.close(fd)"',
            'python3 -c "import os; os.rename(\\"/data/w/t\\", \\"/data/w/f\\")"', 'sed -i s/x/y/ /data/w/f', 'cat /data/w/f >/dev/null', 'head -c1 /data/w/sub/s >/dev/null']:
    subprocess.run(['sh', '-c', cmd])
    print(cmd, '->', drain())
PY
ls /data/w2
EOS
)
