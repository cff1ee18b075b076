# Copy-up of a sparse lower file: same data; block usage shown by du.
setup_lower() {
	mkdir -p data
	truncate -s 10M data/sparse
	echo end >> data/sparse
}
script=$(cat <<'EOS'
du -k /data/sparse
echo more >> /data/sparse
wc -c /data/sparse
md5sum /data/sparse
du -k /data/sparse
EOS
)
