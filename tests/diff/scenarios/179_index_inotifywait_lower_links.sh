# index=on: inotifywait -m on one name of a lower file with three names
# needs host root: the kernel's overlayfs keeps no index in a user namespace (it cannot decode file handles there; ovlrun falls back alike)
# (one overlay inode) and on its dirs; what real programs do through the
# other names (a save by rename replaces one name: the watch stays on the file;
# echo >> copies up through the index; chmod; cp over; ln; mv; rm of all
# names) reaches the file's watch.  (Readiness: "Watches established.";
# the end: a file made in a third watched dir.  The ATTRIB of the name
# replaced by mv and ln's are identical: the kernel merges an event into
# the identical one before it while that is unread, so ln waits until
# inotifywait has printed, i.e. read, the first.)
index=on
image=debian
setup_top_lower() {
	mkdir -p w/d1 w/d2 w/s; echo x > w/d1/a; ln w/d1/a w/d1/b; ln w/d1/a w/d2/c; ln w/d1/a w/d2/s
}
script=$(cat <<'EOS'
cd /w
mkfifo /tmp/err /tmp/ev
inotifywait -m -e modify,attrib,close_write,move,move_self,create,delete,delete_self --format '%w|%f|%e' d1/a d1 d2 s > /tmp/ev 2> /tmp/err & pid=$!
exec 4< /tmp/ev 3< /tmp/err
while read line <&3 && echo "$line" && [ "$line" != "Watches established." ]; do :; done
echo more >> d1/b; chmod 600 d2/c; cp /etc/hostname d2/c
echo y > d2/s.tmp; mv d2/s.tmp d2/s
while read line <&4 && echo "$line" && [ "$line" != "d2/|s|MOVED_TO" ]; do :; done
read line <&4 && echo "$line"
ln d2/c d2/e; mv d1/b d2/b
rm d1/a; rm d2/e d2/b; echo "left: $(cat d2/c | wc -l) lines, $(stat -c %h d2/c) links"; rm d2/c
touch s/end
while read line <&4 && echo "$line" | sed "s/sed[[:alnum:]]\{6\}/sedXXXXXX/" && [ "$line" != "s/|end|CLOSE_WRITE,CLOSE" ]; do :; done
exec 2>/dev/null; kill $pid; wait $pid; echo "inotifywait: $?"
EOS
)
