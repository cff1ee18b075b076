# chmod of a lower directory: the dir is copied up (not opaque), children stay visible.
setup_lower() {
	mkdir -p data/dir/sub
	echo a > data/dir/a
	echo b > data/dir/sub/b
}
script=$(cat <<'EOS'
chmod 700 /data/dir
stat -c '%n %a' /data/dir
ls /data/dir
cat /data/dir/a /data/dir/sub/b
EOS
)
