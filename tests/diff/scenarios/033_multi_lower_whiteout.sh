# Two lowers: a whiteout in the top lower hides the bottom's file.
setup_lower() {
	mkdir -p data/wd
	echo gone > data/gone
	echo kept > data/kept
	echo x > data/wd/x
}
setup_top_lower() {
	mkdir -p data
	mknod data/gone c 0 0
	mknod data/wd c 0 0
}
script=$(cat <<'EOS'
ls -a /data
cat /data/gone
echo new > /data/gone
cat /data/gone
mkdir /data/wd
ls -a /data/wd
EOS
)
