# chown of lower files: copy-up; chown clears set-uid/set-gid bits.
setup_lower() {
	mkdir -p data
	echo f > data/f
	echo g > data/g
	echo s > data/s
	chmod 6755 data/s
}
script=$(cat <<'EOS'
chown 1000:1000 /data/f
chown :65534 /data/g
chown 1000 /data/s
stat -c '%n %a %u:%g' /data/f /data/g /data/s
EOS
)
