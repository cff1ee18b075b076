# Renaming a directory that exists only in the upper: a plain rename.
setup_lower() {
	mkdir -p data
}
script=$(cat <<'EOS'
mkdir -p /data/x/y
echo z > /data/x/y/z
mv /data/x /data/w
find /data | sort
cat /data/w/y/z
EOS
)
