# Absolute symlinks resolve inside the overlay root.
setup_lower() {
	mkdir -p data
	ln -s /etc/hostname data/h
	ln -s /data data/self
}
script=$(cat <<'EOS'
ln -s /etc/group /data/abs
cat /data/abs
cat /data/h
ls /data/self/self/self
readlink /data/abs
EOS
)
