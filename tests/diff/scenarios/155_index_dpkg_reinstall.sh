# index=on: dpkg over the Debian image's own hard links (gzip's gunzip and
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# uncompress, perl's perlbug and perlthanks; in the image their link
# counts also hold links outside it, so counts are shown relative to the
# start): a chmod through one name (copied up through the index, the
# other name follows), dpkg -V, then dpkg -i of the cached .debs
# (reinstall: each new file unpacked as .dpkg-new and renamed over a name,
# the archive's hard link made with link(2)), dpkg -V again; the programs
# run.
index=on
image=debian
volatile_files='^var/log/dpkg\.log$'
script=$(cat <<'EOS'
cd /usr/bin
n0=$(stat -c %h gunzip) p0=$(stat -c %h perlbug) i0=$(stat -c %i gunzip) j0=$(stat -c %i perlbug)
show() {
	for f in gunzip uncompress perlbug perlthanks; do
		case $f in gunzip|uncompress) n=$n0 i=$i0;; *) n=$p0 i=$j0;; esac
		s=$(stat -c '%h %i %a' $f); set -- $s
		if [ "$2" = "$i" ]; then echo "$f lower-ino links+$(( $1 - n )) $3"; else echo "$f new-ino links=$1 $3"; fi
	done | paste -sd' '
	[ gunzip -ef uncompress ] && echo "gunzip=uncompress"; [ perlbug -ef perlthanks ] && echo "perlbug=perlthanks"
}
show
chmod 700 uncompress; show
echo x | gzip | uncompress
dpkg -V gzip perl | sort
dpkg -i /var/cache/apt/archives/gzip_*.deb /var/cache/apt/archives/perl_5*.deb > /dev/null 2>&1; echo "dpkg -i: $?"
show
dpkg -V gzip perl | sort; echo "verify: $?"
echo y | gzip | uncompress; perlthanks -h 2>&1 | head -n 1
ls /usr/bin | grep -c dpkg- || true
EOS
)
