# A running lower binary reached by other ways than its own name: a new
# hard link made while it runs (ln: the copy-up and the link are the
# running file), a rename while it runs (mv: the new name), a symlink to
# it; the interpreter of a running #! script (the script itself stays
# writable); the python3 interpreter of the image while python3 -c runs;
# exec of a file open for writing (ETXTBSY at exec); and with chattr:
# immutable says EPERM before ETXTBSY, append-only lets O_APPEND through
# to ETXTBSY.  (Readiness: the program says so once it runs.)
image=debian
setup_top_lower() {
	mkdir -p b; for n in ln mv sy sc im ap; do cp "$LOWER/usr/bin/dash" b/$n; done
	printf '#!/b/sc\necho running; read x\n' > b/script; chmod 755 b/script
}
rootless_difference="README Differences 9: the names of a copy in a run by a user"
script=$(cat <<'EOS'
cd /b
mkfifo /tmp/in /tmp/out
start() { # CMD...: run it until its stdin closes; back once it runs
	"$@" < /tmp/in > /tmp/out & pid=$!
	exec 3> /tmp/in 4< /tmp/out; read line <&4; echo "$* $line"
}
stop() { exec 3>&- 4<&-; wait $pid; }
w() { # NAME...: open each for writing, append, truncate
python3 - "$@" <<'PY'
import os, sys, errno
for n in sys.argv[1:]:
    for what, fl in (('write', os.O_WRONLY), ('append', os.O_WRONLY | os.O_APPEND)):
        try:
            os.close(os.open(n, fl)); r = 'ok'
        except OSError as e:
            r = errno.errorcode[e.errno]
        print(' ', what, n, r)
    try:
        os.truncate(n, os.stat(n).st_size); r = 'ok'
    except OSError as e:
        r = errno.errorcode[e.errno]
    print(' ', 'truncate', n, r)
PY
}
start ./ln -c 'echo running; read x'; ln ln ln2; w ln2 ln; stop; w ln2
start ./mv -c 'echo running; read x'; mv mv mv2; w mv2; stop; w mv2
ln -s sy sy.l; start ./sy.l -c 'echo running; read x'; w sy.l; stop
start ./script; w script sc; stop
start python3 -c 'import sys; print("running", flush=True); sys.stdin.readline()'; w /usr/bin/python3 "$(readlink -f /usr/bin/python3)"; stop
python3 - <<'PY'
import os, errno, subprocess
fds = [os.open('/b/new', os.O_WRONLY | os.O_CREAT, 0o755)]
os.write(fds[0], open('/usr/bin/dash', 'rb').read())
fds.append(os.open('/b/ln2', os.O_WRONLY))
for p in ('/b/new', '/b/ln2'):
    try:
        subprocess.run([p, '-c', 'echo ran'], check=True)
    except OSError as e:
        print('exec', p, 'while open for writing:', errno.errorcode[e.errno])
for fd in fds:
    os.close(fd)
subprocess.run(['/b/new', '-c', 'echo ran after close'])
PY
chattr +i im; chattr +a ap
start ./im -c 'echo running; read x'; w im; stop
start ./ap -c 'echo running; read x'; w ap; stop; w ap
chattr -i im; chattr -a ap
EOS
)
