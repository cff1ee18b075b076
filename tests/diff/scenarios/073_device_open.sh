# Opening device nodes that live in the overlay (created by mknod or in the
# needs host root: its lower holds device nodes, which a user cannot make
# lower): a node of one of the sandbox's /dev devices (null, zero, full,
# random, urandom, tty) opens that device, wherever it is, as on overlayfs;
# its own mode still decides (a 0600 node is root's).  Other devices stay
# refused (tests/security/t_device_nodes.sh).
setup_lower() {
	mkdir -p data
	mknod data/lnull c 1 3
	mknod data/lzero c 1 5
	mknod -m 0600 data/lfull c 1 7
}
script=$(cat <<'EOS'
mknod /tmp/null c 1 3
echo x > /tmp/null; echo "write status $?"
echo y > /data/lnull; echo "write status $?"
cat /data/lnull; echo "read status $?"
head -c 4 /data/lzero | od -An -tx1
echo z > /data/lfull; echo "full: $?"
ovlprobe runas 1000 1000 sh -c 'head -c 1 /data/lfull'; echo "0600 node as a user: $?"
mv /tmp/null /tmp/null2 && echo q > /tmp/null2; echo "renamed node: $?"
ls -l /data/lnull /tmp/null2 | cut -c1-10
EOS
)
