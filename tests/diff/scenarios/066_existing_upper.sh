# An existing upper in the kernel's format: whiteout, opaque dir, upper file.
setup_lower() {
	mkdir -p data/opq data/merged
	echo gone > data/gone
	echo hidden > data/opq/hidden
	echo lower > data/merged/l
	echo lower > data/over
}
setup_upper() {
	mkdir -p data/opq data/merged
	mknod data/gone c 0 0
	setfattr -n "$OVL_XATTR.opaque" -v y data/opq
	echo upper > data/opq/u
	echo upper > data/merged/u
	echo upper > data/over
}
script=$(cat <<'EOS'
ls -a /data /data/opq /data/merged
cat /data/over /data/gone
rm /data/opq/u
rmdir /data/opq
echo recreated > /data/gone
ls -a /data
EOS
)
