# chmod of lower files: metadata copy-up.
setup_lower() {
	mkdir -p data
	echo f > data/f
	echo x > data/x
	chmod 644 data/f data/x
}
script=$(cat <<'EOS'
chmod 600 /data/f
chmod 4755 /data/x
chmod g+w /usr/bin/ovlprobe
stat -c '%n %a' /data/f /data/x /usr/bin/ovlprobe
cat /data/f
EOS
)
