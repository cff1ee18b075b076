# Redirects in a lower layer (a former upper used as a lower): an absolute
# and a relative one lead to the layers below; a dir holding one moves on.
setup_lower() {
	mkdir -p data/orig/sub data/rel
	echo o > data/orig/f
	echo s > data/orig/sub/s
	echo r > data/rel/r
}
setup_top_lower() {
	mkdir -p data/moved data/rel2
	setfattr -n "$OVL_XATTR.redirect" -v /data/orig data/moved
	setfattr -n "$OVL_XATTR.redirect" -v rel data/rel2
	echo top > data/moved/t
	mknod data/orig c 0 0
	mknod data/rel c 0 0
}
script=$(cat <<'EOS'
ls /data /data/moved /data/rel2
cat /data/moved/f /data/moved/sub/s /data/rel2/r
mv /data/moved /data/m2; echo "moved on: $?"
mkdir /data/n && mv /data/rel2 /data/n/r3; echo "to another dir: $?"
cat /data/m2/sub/s /data/m2/t /data/n/r3/r
ovlprobe dino /data
find /data | sort
EOS
)
