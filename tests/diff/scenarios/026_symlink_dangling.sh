# Dangling symlinks: lstat works, following fails with ENOENT.
setup_lower() {
	mkdir -p data
	ln -s /nonexistent/x data/dl
}
script=$(cat <<'EOS'
ln -s /no/such/file /data/dang
cat /data/dang
echo "status $?"
test -L /data/dang && echo is-link
test -e /data/dang || echo no-target
readlink /data/dang; readlink /data/dl
echo through > /data/dl
echo "status $?"
EOS
)
