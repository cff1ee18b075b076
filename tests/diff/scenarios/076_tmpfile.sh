# O_TMPFILE in a lower directory, then linked into the tree.
setup_lower() {
	mkdir -p data/dir
}
script=$(cat <<'EOS'
ovlprobe tmpfile /data/dir /data/dir/linked; echo "status $?"
cat /data/dir/linked
stat -c '%n %a %h %s' /data/dir/linked
ls /data/dir
EOS
)
