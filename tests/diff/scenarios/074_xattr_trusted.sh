# trusted.* xattrs set by root inside, including an overlay-private name
# (Linux >= 6.7 stores it escaped as trusted.overlay.overlay.*).
documented_difference="trusted.* xattrs need CAP_SYS_ADMIN, which the sandbox drops"
setup_lower() {
	mkdir -p data
	echo g > data/g
}
script=$(cat <<'EOS'
ovlprobe setxattr /data/g trusted.foo bar
ovlprobe getxattr /data/g trusted.foo
ovlprobe setxattr /data/g trusted.overlay.opaque y
ovlprobe listxattr /data/g
EOS
)
