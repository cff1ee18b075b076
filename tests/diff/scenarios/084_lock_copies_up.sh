# A lock taken through a read-only fd of a lower file: ovlrun copies the
# file up so that every lock of the file lives on one inode; the kernel
# locks its overlay inode and copies nothing.  The lock itself behaves alike.
documented_difference="taking a lock on a lower file copies it up"
setup_lower() {
	mkdir -p data
	echo orig > data/f
	echo orig > data/g
}
script=$(cat <<'EOS'
ovlprobe lock /data/f posix-r 0
ovlprobe lock /data/g flock-s 0
cat /data/f /data/g
EOS
)
