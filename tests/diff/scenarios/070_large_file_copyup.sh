# Copy-up of a multi-megabyte file, modified in the middle.
setup_lower() {
	mkdir -p data
	seq 1 700000 > data/big
}
script=$(cat <<'EOS'
md5sum /data/big | cut -c1-8 > /tmp/before
printf 'PATCH' | dd of=/data/big bs=1 seek=2500000 conv=notrunc 2>/dev/null
wc -c /data/big
dd if=/data/big bs=1 skip=2500000 count=5 2>/dev/null; echo
md5sum /data/big | cut -c1-8 > /tmp/after
cmp -s /tmp/before /tmp/after || echo changed
EOS
)
