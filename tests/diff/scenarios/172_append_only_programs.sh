# Append-only files (lower, copied-up, upper-only) meet the programs that
# write logs and save files: shell >> and >, tee -a, cat >>, dd
# oflag=append conv=notrunc, python open('a') and open('r+'), a
# logrotate-like rotation (mv to .1, copytruncate), sed -i, editors' save
# patterns (write a temp and rename it over, rewrite in place with
# O_TRUNC, keep a backup by link or rename), touch, chmod, rm.
image=debian
setup_top_lower() {
	mkdir -p log; echo l1 > log/lo; echo c1 > log/co
}
script=$(cat <<'EOS'
cd /log
echo u1 > up; chmod 600 co
chattr +a lo co up
n() { sed -e 's/^[^:]*: [0-9]*: //' -e 's/sed[[:alnum:]]\{6\}/sedXXXXXX/'; }
for f in lo co up; do
	echo "== $f"
	echo a1 >> $f; echo a2 | tee -a $f > /dev/null; echo a3 | cat >> $f
	echo a4 | dd of=$f oflag=append conv=notrunc status=none 2>&1
	(echo bad > $f) 2>&1 | n
	echo bad | tee $f 2>&1 > /dev/null
	echo bad | dd of=$f conv=notrunc status=none 2>&1
	python3 - $f <<'PY'
import sys, os, errno
f = sys.argv[1]
def t(what, fn):
    try:
        fn(); print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
t('open a', lambda: open(f, 'a').write('a5\n'))
t('open r+', lambda: open(f, 'r+'))
t('open w', lambda: open(f, 'w'))
t('O_WRONLY|O_APPEND|O_TRUNC', lambda: os.close(os.open(f, os.O_WRONLY | os.O_APPEND | os.O_TRUNC)))
t('O_RDWR|O_APPEND', lambda: os.close(os.open(f, os.O_RDWR | os.O_APPEND)))
# an editor's save: a temp beside it renamed over, a backup by link, by rename
open(f + '.tmp', 'w').write('edited\n')
t('rename temp over', lambda: os.rename(f + '.tmp', f))
os.unlink(f + '.tmp')
t('backup by link', lambda: os.link(f, f + '~'))
t('backup by rename', lambda: os.rename(f, f + '~~'))
t('utime now', lambda: os.utime(f))
t('utime set', lambda: os.utime(f, (0, 0)))
t('chmod', lambda: os.chmod(f, 0o644))
PY
	mv $f $f.1 2>&1; cp $f $f.1 && truncate -s 0 $f 2>&1
	sed -i s/a/b/ $f 2>&1 | n; rm -f $f 2>&1
	cat $f
done
ls
chattr -a lo co up; rm -f *~ *.1; mv lo lo.1; : > co; ls; cat up
EOS
)
