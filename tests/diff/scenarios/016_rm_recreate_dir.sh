# rm -rf then mkdir of a lower dir: the new dir is opaque (old entries hidden).
setup_lower() {
	mkdir -p data/d/sub
	echo x > data/d/x
	echo y > data/d/sub/y
}
script=$(cat <<'EOS'
rm -rf /data/d
mkdir /data/d
echo new > /data/d/new
ls -a /data/d
find /data | sort
EOS
)
