# trusted.* xattrs set by root inside, including names in the overlay's own
# space (Linux >= 6.7 stores trusted.overlay.X escaped as
# trusted.overlay.overlay.X on the upper file and shows it unescaped); the
# overlay's real marks (opaque, origin) stay out of reach.
setup_lower() {
	mkdir -p data/od
	echo g > data/g
}
script=$(cat <<'EOS'
ovlprobe setxattr /data/g trusted.foo bar
ovlprobe getxattr /data/g trusted.foo
ovlprobe setxattr /data/g trusted.overlay.opaque y
ovlprobe getxattr /data/g trusted.overlay.opaque
ovlprobe listxattr /data/g
ovlprobe removexattr /data/g trusted.overlay.opaque
ovlprobe listxattr /data/g
mkdir /data/od/new
rmdir /data/od/new
ovlprobe getxattr /data/od trusted.overlay.opaque
ovlprobe listxattr /data/od
EOS
)
