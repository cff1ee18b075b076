# Renaming over an existing lower file (upper->lower and lower->lower).
setup_lower() {
	mkdir -p data
	echo old-a > data/a
	echo old-b > data/b
	echo old-c > data/c
}
script=$(cat <<'EOS'
echo new > /tmp/n
mv /tmp/n /data/a
mv /data/b /data/c
ls /data
cat /data/a /data/c
EOS
)
