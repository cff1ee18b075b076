# rmdir of a merged dir whose lower entries are all whited out.
setup_lower() {
	mkdir -p data/d/sub
	echo a > data/d/a
}
script=$(cat <<'EOS'
rm /data/d/a
rmdir /data/d/sub
ls -a /data/d
rmdir /data/d
echo "status $?"
ls -a /data
mkdir /data/d
ls -a /data/d
EOS
)
