# chattr's other flags on overlay objects: +A +d +S +D +s +u +c +j +t +e
# +C +P and -p PROJECT (the fsxattr form) on lower files and dirs (set:
# copied up), upper files; what reaches the upper inode, what the fs
# refuses; a copy-up by chmod/write/rename of lower objects whose own
# flags are sync, noatime, nodump, dirsync, project-inherit (only sync and
# noatime are carried: overlayfs copies those), a dir's copy-up by a
# creation inside it.
image=debian
setup_top_lower() {
	mkdir -p o/dA o/dd o/dD; for f in A S d AdS; do echo $f > o/$f; done
	chattr +A o/A; chattr +S o/S; chattr +d o/d; chattr +AdS o/AdS
	chattr +A o/dA; chattr +d o/dd; chattr +D o/dD
	echo x > o/x; echo y > o/y; mkdir o/dx
}
script=$(cat <<'EOS'
cd /o
s() { sed 's/ \+/ /g' | sort -k2; }
lsattr . 2>&1 | s
chmod 600 A; echo more >> S; mv d d2; touch AdS
touch dA/new dd/new dD/new
lsattr . 2>&1 | s
for fl in +A +d +S +s +u +c +j +t +C +P -e +e +D +T; do
	chattr $fl x 2>&1; chattr $fl dx 2>&1
done
lsattr -d x dx | s
chattr -p 7 y 2>&1; lsattr -p y | s
chattr +P -p 9 dx 2>&1; lsattr -pd dx | s
echo u > u; chattr +dA u; chattr =S u; lsattr u | s
chattr = x dx; lsattr -d x dx | s
EOS
)
