# Moving directories a lower has (redirect_dir=on): within their dir (a
# relative redirect), to another dir (an absolute one, computed through the
# redirects of the dirs on the way), twice, a dir inside a moved dir, a
# moved dir's parent, back to its first name, RENAME_EXCHANGE of two such
# dirs; what they merge with, new entries and copy-ups in them, d_ino,
# removal.
setup_lower() {
	mkdir -p data/a/sub data/b data/m1/inner data/e1 data/e2
	echo 1 > data/a/f
	echo 2 > data/a/sub/g
	echo i > data/m1/inner/i
	echo e1 > data/e1/x
	echo e2 > data/e2/y
	chmod 750 data/a/sub
}
script=$(cat <<'EOS'
cd /data
mv a a2; echo "same dir: $?"; ls a2; cat a2/f a2/sub/g
mv a2 b/a3; echo "to another dir: $?"; ls b/a3; cat b/a3/sub/g
echo new > b/a3/new; ls b/a3
echo more >> b/a3/f; chmod 700 b/a3/sub; cat b/a3/f
mv m1/inner m1/inner2 && mv m1 m2; echo "inner, then its parent: $?"; cat m2/inner2/i
mkdir -p x/y && mv b x/y/bb; echo "a dir holding a moved one: $?"; cat x/y/bb/a3/f
ovlprobe dino /data
ovlprobe dino /data/x/y/bb
stat -c '%n %a' x/y/bb/a3/sub
mv m2 m1; echo "back to its name: $?"; cat m1/inner2/i; ls m1
ovlprobe rename2 e1 e2 exchange; echo "exchange: $?"; ls e1 e2
rm -r x/y/bb/a3; echo "removed: $?"; ls x/y/bb
find /data | sort
EOS
)
