# inotifywait -m on one name of a file with three (made in the sandbox)
# and on the two dirs holding them: changes through the other names
# (append, chmod, touch, ln of a fourth name, mv of one name, mv over
# one, rm) reach the file's watch; the dir watches hear only their own
# names; the file's watch ends (DELETE_SELF, its IGNORED unprinted) with
# the last name, and the dirs' with them.  (Readiness: inotifywait's
# "Watches established."; the end: a file made in a third watched dir.
# The ATTRIB of the name replaced by mv and rm's are identical: the kernel
# merges an event into the identical one before it while that is unread,
# so rm waits until inotifywait has printed, i.e. read, the first.)
image=debian
script=$(cat <<'EOS'
mkdir -p /w/d1 /w/d2 /w/s; cd /w
echo x > d1/a; ln d1/a d1/b; ln d1/a d2/c
mkfifo /tmp/err /tmp/ev
inotifywait -m -e modify,attrib,close_write,move,move_self,create,delete,delete_self --format '%w|%f|%e' d1/a d1 d2 s > /tmp/ev 2> /tmp/err & pid=$!
exec 4< /tmp/ev 3< /tmp/err
while read line <&3 && echo "$line" && [ "$line" != "Watches established." ]; do :; done
echo more >> d1/b; chmod 600 d2/c; touch d2/c; ln d2/c d2/e
mv d1/b d2/b; echo o > d2/o; mv d2/o d2/c
while read line <&4 && echo "$line" && [ "$line" != "d2/|c|MOVED_TO" ]; do :; done
read line <&4 && echo "$line"
rm d1/a; echo "last names: $(ls d2)"; rm d2/e; rm d2/b
echo new > d1/a; echo more >> d1/a
rmdir d1 2>&1; rm d1/a; rm -rf d2; rmdir d1
touch s/end
while read line <&4 && echo "$line" && [ "$line" != "s/|end|CLOSE_WRITE,CLOSE" ]; do :; done
exec 2>/dev/null; kill $pid; wait $pid; echo "inotifywait: $?"
EOS
)
