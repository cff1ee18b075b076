# stat of every file type in the lower.
# needs host root: its lower holds device nodes, which a user cannot make
setup_lower() {
	mkdir -p data/dir
	echo f > data/file
	ln -s file data/link
	mkfifo data/fifo
	mknod data/chr c 1 7
	mknod data/blk b 7 1
	chmod 1777 data/dir
	chmod 2755 data/file
}
script=$(cat <<'EOS'
cd /data
for x in dir file link fifo chr blk; do stat -c '%n %F %a %u:%g %h %s %t:%T' "$x"; done
stat -L -c '%n %F' link
ls -l /data | sed -E 's/ [A-Z][a-z]{2} +[0-9]+ +([0-9]{4}|[0-9]{2}:[0-9]{2}) / TIME /'
EOS
)
