# Two lowers: an opaque dir in the top lower hides the bottom's entries.
setup_lower() {
	mkdir -p data/dir
	echo hidden > data/dir/hidden
	echo visible > data/vis
}
setup_top_lower() {
	mkdir -p data/dir
	echo top > data/dir/topfile
	setfattr -n "$OVL_XATTR.opaque" -v y data/dir
}
script=$(cat <<'EOS'
ls -a /data/dir
cat /data/dir/hidden
ls /data
rm /data/dir/topfile
ls -a /data/dir
rmdir /data/dir
ls /data
EOS
)
