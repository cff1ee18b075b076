# chown -R of a lower tree copies up every entry.
setup_lower() {
	mkdir -p data/dir/sub
	echo a > data/dir/a
	echo b > data/dir/sub/b
	ln -s a data/dir/link
}
script=$(cat <<'EOS'
chown -R 1000:1000 /data/dir
find /data/dir | sort | while read -r p; do stat -c '%n %F %u:%g' "$p"; done
EOS
)
