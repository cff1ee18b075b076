# chmod/chown through a symlink act on the target (the target is copied up).
setup_lower() {
	mkdir -p data
	echo t > data/target
	ln -s target data/link
}
script=$(cat <<'EOS'
chmod 600 /data/link
chown -h 1000:1000 /data/link
stat -c '%n %a %u:%g' /data/target
stat -c '%n %u:%g' /data/link
EOS
)
