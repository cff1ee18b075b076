# Opening device nodes that live in the overlay (created by mknod or in the lower).
documented_difference="device nodes in the overlay cannot be opened"
setup_lower() {
	mkdir -p data
	mknod data/lnull c 1 3
}
script=$(cat <<'EOS'
mknod /tmp/null c 1 3
echo x > /tmp/null; echo "write status $?"
echo y > /data/lnull; echo "write status $?"
cat /data/lnull; echo "read status $?"
EOS
)
