# mknod of devices as root; a lower device node (opening them: 073).
# needs host root: its lower holds device nodes, which a user cannot make
setup_lower() {
	mkdir -p data
	mknod data/lnull c 1 3
}
script=$(cat <<'EOS'
mknod /tmp/null c 1 3
mknod /tmp/loop b 7 200
stat -c '%n %F %t:%T' /tmp/null /tmp/loop /data/lnull
chmod 600 /data/lnull
stat -c '%n %F %a %t:%T' /data/lnull
EOS
)
