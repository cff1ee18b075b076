# The inode number a copied-up file keeps (its origin's) is what its fds
# report too, once its name is gone: an fd of an unlinked copy (read-only
# and O_PATH), an fd whose name was removed while a hard link remains (also
# through /proc/self/fd), and a copy linked by its fd into another dir
# (linkat AT_EMPTY_PATH and the /proc form: its new dir's d_ino too).
setup_lower() {
	mkdir -p data
	for f in a b c d e; do echo $f > data/$f; done
}
rootless_difference="README Differences 9: the names of a copy in a run by a user"
script=$(cat <<'EOS'
cd /data
chmod 600 a b c d e
mkdir /n1 /n2
echo "unlinked, read-only:"; ovlprobe ids unlinked a
echo "unlinked, O_PATH:"; ovlprobe ids unlinked-opath b
echo "name removed, a link remains:"; ovlprobe ids openlink c c2
echo "linked by its fd:"; ovlprobe ids linkfd-empty d /n1/d
echo "linked through /proc/self/fd:"; ovlprobe ids linkfd-proc e /n2/e
EOS
)
