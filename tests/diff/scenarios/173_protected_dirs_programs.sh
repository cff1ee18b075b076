# Programs in append-only and immutable dirs (a lower dir, a merged one,
# an upper-only one): tar x of new and existing names, cp -r, mktemp,
# mkdir -p, sed -i on a file inside (its temp stays behind in an
# append-only dir: it cannot be removed), ln, rm -rf, mv of the dir and of
# names in and out; files inside stay writable; a subdir is not protected.
image=debian
setup_top_lower() {
	mkdir -p a/sub i/sub; echo 1 > a/f; echo 2 > i/f; echo s > a/sub/s
}
script=$(cat <<'EOS'
cd /
mkdir ua; echo 3 > ua/f; echo m > a/m
mkdir -p /tmp/src/sub; echo n > /tmp/src/new; echo s > /tmp/src/sub/s2
(cd /tmp/src && tar --mtime=@0 -cf /tmp/n.tar new sub); (cd / && tar --mtime=@0 -cf /tmp/f.tar a/f)
chattr +a a ua; chattr +i i
n() { sed -e 's/^[^:]*: [0-9]*: //' -e 's/sed[[:alnum:]]\{6\}/sedXXXXXX/g' -e 's/tmp\.[[:alnum:]]\{10\}/tmp.XXXXXXXXXX/g'; }
for d in a ua i; do
	echo "== $d"
	(cd $d && tar xf /tmp/n.tar 2>&1; echo "tar x new: $?")
	tar xf /tmp/f.tar 2>&1 | n
	cp -r /tmp/src $d/copy 2>&1; mktemp -p $d 2>&1 | n; mkdir -p $d/p/q 2>&1
	sed -i s/./X/ $d/f 2>&1 | n; echo w >> $d/f; echo w > $d/f
	ln $d/f $d/f.ln 2>&1; ln -s f $d/sl 2>&1
	rm -rf $d 2>&1 | n | sort; mv $d $d.moved 2>&1; mv $d/f /tmp/f 2>&1; mv /tmp/src/new $d/new2 2>&1
	touch $d/sub/t 2>&1 && echo "sub writable"
	ls $d | n; cat $d/f
done
chattr -a a ua; chattr -i i
for d in a ua i; do rm -f $d/sed* $d/tmp.*; done
ls a ua i; rm -rf ua a; ls -d a ua 2>&1
EOS
)
