# rm -rf of a lower tree: one whiteout for the top directory.
setup_lower() {
	mkdir -p data/tree/a/b/c data/tree/d
	echo 1 > data/tree/a/f1
	echo 2 > data/tree/a/b/c/f2
	ln -s f1 data/tree/a/l
	echo 3 > data/tree/d/f3
	echo keep > data/keep
}
script=$(cat <<'EOS'
rm -rf /data/tree
ls -a /data
find /data | sort
EOS
)
