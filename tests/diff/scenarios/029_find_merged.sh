# find over a merged tree: duplicates once, whiteouts hidden.
setup_lower() {
	mkdir -p data/a/b data/c
	echo x > data/a/x
	echo y > data/a/b/y
	echo z > data/c/z
}
script=$(cat <<'EOS'
echo new > /data/a/new
rm /data/a/x
echo y2 > /data/a/b/y
rm -rf /data/c
find /data | sort
find /data -type f | sort
find /data -name 'y*'
find / -xdev -path /proc -prune -o -name y -print
EOS
)
