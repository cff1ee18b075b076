# dnotify: how many signals one rename gives a watched dir, by mask: within
# the dir, out of it (source dir watched), into it (target dir watched).
image=debian
setup_top_lower() {
	mkdir -p data/w data/o; for i in 1 2 3 4 5 6 7 8 9; do echo $i > data/w/f$i; done
}
script=$(cat <<'EOS'
python3 - <<'PY'
import fcntl, os, signal
sig = signal.SIGRTMIN + 1
signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
masks = {'RENAME': fcntl.DN_RENAME, 'CREATE|DELETE': fcntl.DN_CREATE | fcntl.DN_DELETE,
         'CREATE|DELETE|RENAME': fcntl.DN_CREATE | fcntl.DN_DELETE | fcntl.DN_RENAME}
i = 0
for name, m in masks.items():
    for kind in ('within', 'out of', 'into'):
        i += 1
        fd = os.open('/data/o' if kind == 'into' else '/data/w', os.O_RDONLY)
        fcntl.fcntl(fd, fcntl.F_SETSIG, sig)
        fcntl.fcntl(fd, fcntl.F_NOTIFY, m | fcntl.DN_MULTISHOT)
        src = '/data/w/f%d' % i
        os.rename(src, {'within': '/data/w/g%d', 'out of': '/data/o/g%d', 'into': '/data/o/g%d'}[kind] % i)
        n = 0
        while signal.sigtimedwait([sig], 0.3): n += 1
        print(name, kind, n)
        os.close(fd)
PY
EOS
)
