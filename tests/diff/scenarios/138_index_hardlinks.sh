# index=on: the names of a hard-linked lower file stay one file across
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# copy-up (write, chmod, link, rename, rename over, truncate, unlink), with
# the lower's inode number and the overlay's link count; hard-linked
# symlinks too.  The index report shows each entry's count record.
index=on
setup_lower() {
	mkdir -p data/sub
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c; ln data/a data/sub/f; ln data/a data/sub/g
	echo one > data/x
	ln -s target data/s1; ln data/s1 data/s2
	stat -c %i data/a > data/a.ino
	stat -c %i data/s1 > data/s1.ino
}
script=$(cat <<'EOS'
cd /data
show() {
	for f in "$@"; do
		same=n; [ "$(stat -c %i $f)" = "$(cat /data/a.ino)" ] && same=y
		echo "$f $(stat -c '%h %s %a' $f) lower-ino=$same"
	done
}
show a b sub/c
echo more >> a; cat b sub/c; show a b sub/c
rm sub/f; show a b sub/c
[ a -ef b ] && echo a=b; [ b -ef sub/c ] && echo b=c
chmod 640 b; show a b sub/c
ln b sub/d; show a b sub/c sub/d
mv sub/c e; show a b e sub/d
echo new > x; mv x b; show a e sub/d; cat b
: > a; show a e sub/d
rm a; show e sub/d
chown -h 1:1 s1
[ "$(stat -c %i s1)" = "$(stat -c %i s2)" ] && echo s1=s2
[ "$(stat -c %i s2)" = "$(cat /data/s1.ino)" ] && echo s2-lower-ino
stat -c '%n %h %u' s1 s2
rm e; show sub/d sub/g
rm sub/d; show sub/g
rm sub/g
ls -a . sub
EOS
)
