# Reading lower files and directories through the overlay (no copy-up).
setup_lower() {
	mkdir -p data/sub
	printf 'line1\nline2\n' > data/a.txt
	head -c 100000 /dev/zero | tr '\0' 'z' > data/big
	echo sub > data/sub/s
}
script=$(cat <<'EOS'
cat /data/a.txt
cat /etc/passwd
wc -c /data/big
md5sum /data/big
cat /data/sub/s
ls /data
ls /
EOS
)
