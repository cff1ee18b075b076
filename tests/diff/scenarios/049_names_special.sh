# Names with spaces, newlines, leading dashes, UTF-8 and shell metacharacters.
setup_lower() {
	mkdir -p "data/dir with space"
	echo s > "data/dir with space/file with space"
	echo n > "data/new
line"
	echo d > data/-dash
}
script=$(cat <<'EOS'
ls /data | od -c
cat "/data/dir with space/file with space"
cat "/data/new
line"
cat -- /data/-dash
touch "/data/ünïcødé" "/data/a*b" "/data/q?" "/data/tab	tab"
mv "/data/new
line" "/data/other
nl"
rm "/data/dir with space/file with space"
find /data | sort | od -c
EOS
)
