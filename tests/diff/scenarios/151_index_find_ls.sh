# index=on: find -samefile, -links N, -inum and ls -li over the names of
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# hard-linked lower files, before and after copy-ups through some names,
# a new link and an unlink: every name shows the lower's inode number and
# the overlay's link count; readdir's d_ino (find -printf %i without a
# stat, ls -i) agrees with stat.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
	echo two > data/p; ln data/p data/sub/q
	echo solo > data/x
}
script=$(cat <<'EOS'
cd /data
ia=$(stat -c %i a) ip=$(stat -c %i p) ix=$(stat -c %i x) is=$(stat -c %i sub)
names() { sed -e "s/\b$ia\b/IA/g" -e "s/\b$ip\b/IP/g" -e "s/\b$ix\b/IX/g" -e "s/\b$is\b/IS/g"; }
look() {
	echo "== $1"
	find . -samefile b | sort | paste -sd' '
	find . -type f -links 3 | sort | paste -sd' '
	find . -type f -links +1 -printf '%p %n\n' | sort | paste -sd' '
	find . -inum "$ia" | sort | paste -sd' '
	ls -li . sub | awk 'NF > 2 {print $1, $3, $NF}' | names | sort -k3 | paste -sd' '
	python3 -c '
import os
for d in (".", "sub"):
    for e in os.scandir(d):
        if e.inode() != os.lstat(e.path).st_ino: print("d_ino differs", e.path)'
}
look lower
echo more >> b; look "write b"
ln sub/q r; chmod 600 p; look "ln sub/q r, chmod p"
rm a; look "rm a"
mv sub/c c; look "mv sub/c c"
EOS
)
