# GNU sed -i on lower files (a temporary file renamed over the original:
# mode and owner kept), with a backup suffix and through a symlink; a
# tar cJf / tar xJf round trip of a lower tree with xz, extracted over a
# lower directory, and compared with diff -r.
image=debian
setup_top_lower() {
	mkdir -p data/tree/sub
	printf 'alpha\nbeta\ngamma\n' > data/conf
	chmod 0640 data/conf
	chown 0:42 data/conf
	ln -s conf data/conf.link
	for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > data/tree/sub/f$i; done
	ln data/tree/sub/f1 data/tree/hard
	ln -s sub/f2 data/tree/sym
	mkdir -p data/extract/tree/sub
	echo old > data/extract/tree/sub/f1
	echo only-lower > data/extract/keep
}
script=$(cat <<'EOS'
set -e
sed -i 's/beta/BETA/' /data/conf
stat -c '%n %a %U:%G' /data/conf
sed -i.orig '1d' /data/conf
cat /data/conf /data/conf.orig
sed -i --follow-symlinks 's/gamma/GAMMA/' /data/conf.link
stat -c '%n %F' /data/conf.link /data/conf
cat /data/conf
sed -i 's/^root:/ROOT:/' /etc/passwd && head -n 1 /etc/passwd
stat -c '%n %a %U:%G' /etc/passwd
cd /data
tar cJf /tmp/tree.tar.xz tree /usr/share/perl5/Debconf 2> /dev/null
xz -t /tmp/tree.tar.xz && echo "xz ok"
tar tJf /tmp/tree.tar.xz | sort | head -n 6
tar xJf /tmp/tree.tar.xz -C /data/extract
diff -r /data/tree /data/extract/tree && echo "tree identical"
diff -r /usr/share/perl5/Debconf /data/extract/usr/share/perl5/Debconf && echo "Debconf identical"
stat -c '%n %h %F' /data/extract/tree/hard /data/extract/tree/sub/f1 /data/extract/tree/sym
ls /data/extract
rm /tmp/tree.tar.xz
EOS
)
