# A copied-up non-dir keeps its lower inode number (the kernel's origin
# record): after chmod, a write, a rename to another dir, a hard link and
# chown of a symlink; stat by path, fstat of an fd opened after the copy-up
# and getdents' d_ino agree.  A lower file with two names gets the upper's
# number when one name is copied up (its names are copies apart, as on
# overlayfs without index=on).
setup_lower() {
	mkdir -p data/sub
	for f in f g h r; do echo "$f" > data/$f; done
	echo l > data/l1
	ln data/l1 data/l2
	ln -s f data/sym
	mkfifo data/fifo
}
rootless_difference="README Differences 9: the names of a copy in a run by a user"
script=$(cat <<'EOS'
cd /data
same() { if [ "$1" = "$2" ]; then echo "$3: same"; else echo "$3: different"; fi; }
a=$(stat -c %i f); chmod 600 f; same "$a" "$(stat -c %i f)" "chmod"
a=$(stat -c %i g); echo more >> g; same "$a" "$(stat -c %i g)" "append"
a=$(stat -c %i r); mv r sub/r2; same "$a" "$(stat -c %i sub/r2)" "rename to another dir"
a=$(stat -c %i h); ln h h2
same "$a" "$(stat -c %i h)" "link: old name"; same "$a" "$(stat -c %i h2)" "link: new name"
echo "h links: $(stat -c %h h)"
a=$(stat -c %i sym); chown -h 1:1 sym; same "$a" "$(stat -c %i sym)" "chown of a symlink"
a=$(stat -c %i fifo); chmod 600 fifo; same "$a" "$(stat -c %i fifo)" "chmod of a fifo"
a=$(stat -c %i l1); b=$(stat -c %i l2); same "$a" "$b" "lower hard links"
chmod 600 l1
same "$a" "$(stat -c %i l1)" "copied-up name of a hard-linked lower"
same "$b" "$(stat -c %i l2)" "other name of a hard-linked lower"
echo new > n
exec 3< f 4< g 5< n 6< sub/r2 7< h2
ovlprobe fstat 3 f
ovlprobe fstat 4 g
ovlprobe fstat 5 n
ovlprobe fstat 6 sub/r2
ovlprobe fstat 7 h
ovlprobe dino /data
ovlprobe dino /data/sub
EOS
)
