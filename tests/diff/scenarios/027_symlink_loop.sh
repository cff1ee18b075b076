# Symlink loops give ELOOP.
setup_lower() {
	mkdir -p data
	ln -s loop2 data/loop1
	ln -s loop1 data/loop2
}
script=$(cat <<'EOS'
ln -s self /data/self
cat /data/loop1
cat /data/self
ls /data/self/x
echo x > /data/loop2
readlink /data/loop1
EOS
)
