# Removing entries that exist only in the upper leaves no whiteout.
setup_lower() {
	mkdir -p data
}
script=$(cat <<'EOS'
echo n > /data/new
mkdir /data/newdir
rm /data/new
rmdir /data/newdir
ls -a /data
EOS
)
