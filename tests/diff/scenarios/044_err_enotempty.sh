# ENOTEMPTY: rmdir of a merged dir with lower entries; after removing them it works.
setup_lower() {
	mkdir -p data/d
	echo a > data/d/a
	echo b > data/d/b
}
script=$(cat <<'EOS'
rmdir /data/d
echo "status $?"
echo c > /data/d/c
rm /data/d/a /data/d/b
rmdir /data/d
echo "status $?"
rm /data/d/c
rmdir /data/d
echo "status $?"
ls -a /data
EOS
)
