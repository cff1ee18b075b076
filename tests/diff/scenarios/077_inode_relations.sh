# dev/ino relations (never the numbers): st_ino stable across lookups
# (across copy-up: 078), d_ino == st_ino in merged listings, distinct files distinct
# inodes, hard links share one, directories share one st_dev.
setup_lower() {
	mkdir -p data/sub
	echo f > data/f
	echo g > data/g
	echo h > data/h1
	ln data/h1 data/h2
}
script=$(cat <<'EOS'
same() { if [ "$1" = "$2" ]; then echo "$3: same"; else echo "$3: different"; fi; }
a=$(stat -c %i /data/f); b=$(stat -c %i /data/f)
same "$a" "$b" "st_ino across lookups"
chmod 600 /data/f
same "$(stat -c %i /data/h1)" "$(stat -c %i /data/h2)" "st_ino of lower hard links"
same "$(stat -c %d /)" "$(stat -c %d /data)" "st_dev of two dirs"
same "$(stat -c %d /data)" "$(stat -c %d /data/sub)" "st_dev of lower-only dir"
echo new > /data/new
same "$(stat -c %d /data/g)" "$(stat -c %d /data/new)" "st_dev of lower file and upper file"
n=$(for p in /data/f /data/g /data/h1 /data/new /data/sub /data; do stat -c %i "$p"; done | sort -u | wc -l)
echo "distinct st_ino among 6 distinct entries: $n"
ovlprobe dino /data
EOS
)
