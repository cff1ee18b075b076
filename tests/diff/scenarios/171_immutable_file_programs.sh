# Programs that write to immutable files (lower, copied-up, upper-only):
# sed -i (a temp file renamed over), cp over, cp --remove-destination,
# mv over, install, ln -f, rm -f, tar x over (with and without
# --overwrite), dd conv=notrunc, shell > and >>, truncate, touch, shred;
# each refused without a trace in the upper, and the file intact.
image=debian
setup_top_lower() {
	mkdir -p d; echo lower > d/lo; echo copied > d/co
}
script=$(cat <<'EOS'
cd /d
echo up > up; chmod 640 co
echo new > src; tar --mtime=@0 -cf /tmp/t.tar lo co up
chattr +i lo co up; lsattr lo co up | sed 's/ \+/ /'
for f in lo co up; do
	echo "== $f"
	sed -i s/o/0/ $f 2>&1 | sed 's/sed[[:alnum:]]\{6\}/sedXXXXXX/'
	cp src $f 2>&1; cp --remove-destination src $f 2>&1; mv -f src $f 2>&1 || cp -p $f src
	install -m 644 src $f 2>&1; ln -f src $f 2>&1; rm -f $f 2>&1
	dd if=src of=$f conv=notrunc status=none 2>&1
	(echo x > $f) 2>&1 | sed 's/^[^:]*: [0-9]*: //'
	(echo x >> $f) 2>&1 | sed 's/^[^:]*: [0-9]*: //'
	truncate -s 0 $f 2>&1; touch $f 2>&1; shred -n1 $f 2>&1
	tar xf /tmp/t.tar $f 2>&1; tar xf /tmp/t.tar --overwrite $f 2>&1
	cat $f
done
ls -a; ls -a /d/..//d | wc -l
chattr -i lo co up; sed -i s/o/0/ lo co up; cat lo co up
EOS
)
