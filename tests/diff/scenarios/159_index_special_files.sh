# index=on: hard-linked lower FIFOs, character devices, sockets and
# needs host root: its lower holds device nodes, which a user cannot make
# symlinks: chown/chmod/touch through one name (the metadata copy-up goes
# through the index: every name sees it), a link and an unlink, a FIFO
# opened through two names (one pipe), and stat of each name.
index=on
image=debian
setup_top_lower() {
	mkdir -p data
	mkfifo data/f1; ln data/f1 data/f2
	mknod data/n1 c 1 3; ln data/n1 data/n2
	python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("data/k1")'; ln data/k1 data/k2
	ln -s target data/l1; ln data/l1 data/l2; ln data/l1 data/l3
}
script=$(cat <<'EOS'
cd /data
show() { stat -c '%n %F %h %a %u:%g %t,%T' "$@" | paste -sd' '; }
show f1 f2 n1 n2 k1 k2 l1 l2 l3
chmod 600 f2; chown 3:4 n1; chown 5:6 k2; chown -h 7:8 l3
show f1 f2 n1 n2 k1 k2 l1 l2 l3
touch -d '2010-01-01' f1; stat -c '%n %y' f2
ln f1 f3; rm n2; ln -f l1 l4; show f3 n1 l2 l4
( echo through-f2 > f2 & ); head -n 1 f1
echo x > n2 2>&1; ls -a .
python3 -c '
import os
print([(n, os.stat(n, follow_symlinks=False).st_ino == os.stat("l1", follow_symlinks=False).st_ino) for n in ("l2", "l3", "l4")])
print([(n, os.stat(n).st_ino == os.stat("f1").st_ino) for n in ("f2", "f3")])'
EOS
)
