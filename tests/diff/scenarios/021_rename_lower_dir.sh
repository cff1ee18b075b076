# Renaming a lower directory: rename(2) gives EXDEV (no redirect_dir);
# busybox mv then falls back to copy + remove.
setup_lower() {
	mkdir -p data/dir/sub
	echo a > data/dir/a
	echo b > data/dir/sub/b
	chmod 750 data/dir/sub
}
script=$(cat <<'EOS'
mv /data/dir /data/dir2
echo "mv status $?"
ls /data
find /data | sort
cat /data/dir2/a /data/dir2/sub/b
stat -c '%n %a' /data/dir2/sub
EOS
)
