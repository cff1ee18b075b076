# An fd opened read-only before copy-up: since Linux 4.19 overlayfs reads
# through it see the copied-up (upper) data.
setup_lower() {
	mkdir -p data
	echo lower-content > data/f
}
script=$(cat <<'EOS'
exec 3< /data/f
echo upper-content > /data/f
cat <&3
cat /data/f
EOS
)
