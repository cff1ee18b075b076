# ln -sf replacing a lower file and a lower symlink.
setup_lower() {
	mkdir -p data
	echo f > data/f
	ln -s f data/l
	echo t > data/t
}
script=$(cat <<'EOS'
ln -sf t /data/f
ln -sf /etc/hostname /data/l
readlink /data/f; readlink /data/l
cat /data/f /data/l
EOS
)
