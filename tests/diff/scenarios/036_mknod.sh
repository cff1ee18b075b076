# mknod of devices as root; a lower device node.
setup_lower() {
	mkdir -p data
	mknod data/lnull c 1 3
}
script=$(cat <<'EOS'
mknod /tmp/null c 1 3
mknod /tmp/loop b 7 200
stat -c '%n %F %t:%T' /tmp/null /tmp/loop /data/lnull
echo x > /tmp/null; echo "write status $?"
echo y > /data/lnull; echo "write status $?"
chmod 600 /data/lnull
stat -c '%n %F %a %t:%T' /data/lnull
EOS
)
