# Renaming onto a name that is whited out, and back onto the old name.
setup_lower() {
	mkdir -p data
	echo a > data/a
	echo b > data/b
}
script=$(cat <<'EOS'
rm /data/a
mv /data/b /data/a
ls -a /data
cat /data/a
mv /data/a /data/b
ls -a /data
cat /data/b
EOS
)
