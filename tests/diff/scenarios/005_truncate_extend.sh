# Extending a lower file with truncate (sparse tail).
setup_lower() {
	mkdir -p data
	echo start > data/f
}
script=$(cat <<'EOS'
truncate -s 20000 /data/f
wc -c /data/f
md5sum /data/f
truncate -s 10 /data/f
od -c /data/f
EOS
)
