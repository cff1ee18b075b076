# Moving files into lower directories.
setup_lower() {
	mkdir -p data/sub
	echo f > data/f
	echo s > data/sub/s
}
script=$(cat <<'EOS'
echo x > /tmp/x
mv /tmp/x /data/sub/x
mv /data/f /data/sub/f
ls /data /data/sub
cat /data/sub/x /data/sub/f
EOS
)
