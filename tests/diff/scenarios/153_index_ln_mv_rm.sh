# index=on: ln, mv and rm over the names of hard-linked lower files:
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# rename(2) of one name onto another name of the same file (a no-op:
# both stay, as the names are one inode), mv and ln -f onto a name of the
# same file (coreutils refuse or unlink), mv of a name over a name of
# another group, ln -f replacing a name, ln of a name into a new
# directory, mv of the directory holding names, rm -i-less rm -f of all.
index=on
image=debian
setup_top_lower() {
	mkdir -p data/sub data/dir
	echo data > data/a; ln data/a data/b; ln data/a data/sub/c
	echo two > data/p; ln data/p data/q; ln data/p data/dir/r
}
script=$(cat <<'EOS'
cd /data
show() { for f in "$@"; do if [ -e "$f" ]; then echo "$f $(stat -c %h "$f") $(cat "$f")"; else echo "$f -"; fi; done | paste -sd' '; }
python3 -c 'import os; os.rename("a", "b"); print("rename a b:", os.path.exists("a"), os.path.exists("b"))'
show a b sub/c
mv a b 2>&1; show a b sub/c
mv -f sub/c a 2>&1; show a b sub/c
ln -f a b 2>&1; show a b sub/c
ln -f p b; show a b sub/c p q dir/r
mv q a; show a b sub/c p dir/r
mkdir new; ln dir/r new/r2; show p dir/r new/r2
mv dir moved; echo add >> moved/r; show p moved/r new/r2 b
mv moved/r sub/r; show p sub/r new/r2
rm -f p b sub/r new/r2; show p b sub/r new/r2 a sub/c
ls -a . sub moved new
EOS
)
