# inotify and renames: a rename over an existing file (ATTRIB and
# DELETE_SELF of the replaced one), a watched file and a watched dir moved
# (MOVE_SELF; the watch follows to the new name), RENAME_EXCHANGE, a rename
# onto another name of the same file (no events), events under the new name.
setup_lower() {
	mkdir -p d/sub e
	echo a > d/a
	echo b > d/b
	echo c > d/sub/c
	echo x > e/x
	ln d/a d/a2
}
script=$(cat <<'EOS'
ovlprobe inotify /d /d/b /d/sub /e -- sh -c '
mv /d/a /d/b
mv /d/sub /e/sub2
echo more >> /e/sub2/c
mv /e/x /d/x
ovlprobe rename2 /d/x /e/sub2 exchange
mv /d/a2 /d/a2
echo ok'
ls /d /e
EOS
)
setup_upper() {
	mkdir -p u/in
	echo y > u/in/y
}
script2=$(cat <<'EOS'
ovlprobe inotify /u /u/in -- sh -c 'mv /u/in /u/out; echo z > /u/out/z; mv /u/out /d/out; rm -r /d/out'
EOS
)
script="$script
$script2"
