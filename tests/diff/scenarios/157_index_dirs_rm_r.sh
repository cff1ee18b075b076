# index=on: directories holding names of hard-linked lower files: mv of a
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# lower directory (a redirect) and a change through a name under it, mv of
# a directory over an empty one, rm -r of a directory holding some names
# (the others keep the file, one link per removed name less), rm -r of a
# copied-up directory, and a name linked back into a new directory of the
# old name.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/d1/deep data/d2 data/empty
	echo data > data/d1/a; ln data/d1/a data/d1/deep/b; ln data/d1/a data/d2/c; ln data/d1/a data/top
	echo two > data/d2/p; ln data/d2/p data/d1/deep/q
}
script=$(cat <<'EOS'
cd /data
show() { for f in "$@"; do [ -e $f ] && echo "$f $(stat -c %h $f) $(cat $f)" || echo "$f -"; done | paste -sd' '; }
mv d1 moved; echo more >> moved/deep/b; show top moved/a d2/c moved/deep/q d2/p
mv -T moved/deep empty; show top empty/b empty/q d2/p
rm -r d2; show top moved/a empty/b empty/q
chmod 600 empty/q; rm -r empty; show top moved/a
mkdir d2; ln top d2/c; show top moved/a d2/c
rm -rf moved d2; show top
ls -a .
EOS
)
