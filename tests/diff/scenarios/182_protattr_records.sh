# The protattr record as the kernel's overlayfs reads it: upper objects
# needs host root: trusted.* xattrs need CAP_SYS_ADMIN on the host
# that carry one from an earlier mount ("i", "a", "ai", "ia", "ii"), ill-
# formed ones ("x", "ix", "ai?", "", one too long: no flags, as the
# kernel ignores a record it cannot read whole), a merged dir's; a lower
# file's record (a lower is no upper: ignored, and not copied up); a
# command setting trusted.overlay.protattr itself (escaped: it protects
# nothing); chattr -i on a recorded file removes the record.
image=debian
setup_top_lower() {
	mkdir -p p/md; echo l > p/lrec; setfattr -n trusted.overlay.protattr -v i p/lrec
	echo m > p/md/m
}
setup_upper() {
	mkdir -p p/md
	for r in i a ai ia ii x ix 'ai?' e long; do
		echo "$r" > "p/r_$r"
	done
	for r in i a ai ia ii x ix 'ai?'; do setfattr -n trusted.overlay.protattr -v "$r" "p/r_$r"; done
	setfattr -n trusted.overlay.protattr -v 0x "p/r_e"
	setfattr -n trusted.overlay.protattr -v "$(printf 'a%.0s' $(seq 40))" p/r_long
	setfattr -n trusted.overlay.protattr -v i p/md
}
script=$(cat <<'EOS'
cd /p
lsattr | sed 's/ \+/ /' | sort -k2
for f in r_* lrec; do
	(echo w >> $f) 2>/dev/null && a=ok || a=refused
	(: > $f) 2>/dev/null && w=ok || w=refused
	echo "$f: append $a, truncate $w"
done
touch md/new 2>&1; rm md/m 2>&1
python3 - <<'PY'
import os
os.setxattr('/p/lrec', 'trusted.overlay.protattr', b'i')
print([x for x in os.listxattr('/p/lrec') if 'overlay' in x])
open('/p/lrec', 'a').write('still writable\n')
os.removexattr('/p/lrec', 'trusted.overlay.protattr')
PY
chattr -i r_i r_ai md; chattr -a r_a r_ia; lsattr -d r_i r_ai r_a r_ia md | sed 's/ \+/ /'
rm -f r_i r_a r_ia r_ai; touch md/new && echo made
EOS
)
