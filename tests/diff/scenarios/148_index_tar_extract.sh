# index=on: GNU tar x over the names of hard-linked lower files: an archive
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# whose member replaces one name (tar unlinks it: that name leaves the
# group), one that writes a hard link onto an existing name of the same
# file, --overwrite (writes into the existing file through its name: every
# name sees it) and --keep-old-files (refused, nothing changes).
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub src
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c; ln data/a data/sub/d
	echo other > src/b
	(cd src && tar cf ../repl.tar b)
	mkdir -p src2/sub; echo new > src2/sub/c; ln src2/sub/c src2/e
	(cd src2 && tar cf ../pair.tar sub/c e)
	mkdir -p src3/sub; echo over > src3/sub/d; (cd src3 && tar cf ../over.tar sub/d)
	rm -rf src src2 src3
}
script=$(cat <<'EOS'
cd /data
show() { for f in "$@"; do echo "$f $(stat -c '%h %s' $f) $(cat $f | tr '\n' ' ')"; done; }
base=$(stat -c %i a)
tar xf /repl.tar -C /data
show a b sub/c sub/d
[ "$(stat -c %i a)" = "$base" ] && echo "a keeps the lower inode"
[ "$(stat -c %i b)" = "$base" ] || echo "b is another file"
tar xf /pair.tar -C /data
show a sub/c sub/d e
[ sub/c -ef e ] && echo "c=e"
tar xf /over.tar --overwrite -C /data
show a sub/d
[ "$(stat -c %i sub/d)" = "$base" ] && echo "sub/d written in place"
tar xf /repl.tar --keep-old-files -C /data 2>&1; echo "keep-old: $?"
show a b
EOS
)
