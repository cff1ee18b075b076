# user.* xattrs: read from lower, set (copy-up), copied up with data, removed;
# trusted.overlay.* stays private (setting trusted.*: 074).  (busybox has no setfattr: ovlprobe.)
setup_lower() {
	mkdir -p data/od
	echo f > data/f
	echo g > data/g
	setfattr -n user.color -v blue data/f
}
script=$(cat <<'EOS'
ovlprobe getxattr /data/f user.color
ovlprobe listxattr /data/f
ovlprobe setxattr /data/g user.k v
ovlprobe listxattr /data/g
ovlprobe getxattr /data/g user.k
chmod 600 /data/f
ovlprobe getxattr /data/f user.color
ovlprobe removexattr /data/f user.color
ovlprobe listxattr /data/f
ovlprobe getxattr /data/f user.color
rm -rf /data/od; mkdir /data/od
ovlprobe listxattr /data/od
ovlprobe getxattr /data/od trusted.overlay.opaque
EOS
)
