# Timestamps: copy-up keeps the lower mtime; touch -d sets it.
setup_lower() {
	mkdir -p data
	echo f > data/f
	echo g > data/g
	touch -d @981173106 data/f data/g
}
script=$(cat <<'EOS'
stat -c '%n %Y' /data/f /data/g
chmod 600 /data/f
stat -c '%n %Y' /data/f
touch -d '2010-01-01 00:00:00' /data/g
stat -c '%n %Y' /data/g
touch -d '2012-02-02 02:02:02' /data/new
stat -c '%n %Y' /data/new
EOS
)
