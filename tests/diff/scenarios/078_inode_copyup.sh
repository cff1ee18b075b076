# st_ino of a file stays the same across its copy-up (overlayfs keeps the
# lower inode number when lower and upper share a filesystem).
setup_lower() {
	mkdir -p data
	echo f > data/f
	mkdir data/d
}
script=$(cat <<'EOS'
same() { if [ "$1" = "$2" ]; then echo "$3: same"; else echo "$3: different"; fi; }
a=$(stat -c %i /data/f); chmod 600 /data/f; b=$(stat -c %i /data/f)
same "$a" "$b" "st_ino of a file across metadata copy-up"
echo more >> /data/f; c=$(stat -c %i /data/f)
same "$a" "$c" "st_ino of a file after a write"
a=$(stat -c %i /data/d); chmod 700 /data/d; b=$(stat -c %i /data/d)
same "$a" "$b" "st_ino of a dir across copy-up"
EOS
)
