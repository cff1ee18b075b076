# du over a merged tree (block counts, hard links counted once).
setup_lower() {
	mkdir -p data/d
	head -c 8192 /dev/zero > data/d/f
	ln data/d/f data/d/hard
	head -c 100 /dev/zero > data/small
}
script=$(cat <<'EOS'
du -a /data | sort -k2
echo more >> /data/small
head -c 16384 /dev/zero > /data/d/new
du -a /data | sort -k2
du -s /data
EOS
)
