# dd conv=notrunc into a lower file (partial overwrite after copy-up).
setup_lower() {
	mkdir -p data
	echo 0123456789 > data/f
}
script=$(cat <<'EOS'
printf XY | dd of=/data/f bs=1 seek=3 conv=notrunc 2>/dev/null
cat /data/f
printf Z | dd of=/data/f bs=1 seek=20 conv=notrunc 2>/dev/null
od -c /data/f
dd if=/data/f bs=4 count=1 2>/dev/null; echo
EOS
)
