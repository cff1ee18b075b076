# A hard link to a lower file copies it up; both names share the upper inode.
setup_lower() {
	mkdir -p data
	echo content > data/f
}
script=$(cat <<'EOS'
ln /data/f /data/f2
stat -c '%n %h' /data/f /data/f2
echo more >> /data/f2
cat /data/f
ln /data/f /tmp/f3
stat -c '%n %h' /data/f
EOS
)
