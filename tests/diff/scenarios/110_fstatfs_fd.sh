# fstatfs through fds on lower and upper files and dirs, and on a file
# outside the overlay (/proc): every object of the overlay is on the
# overlay's filesystem, as the kernel's overlayfs says.
setup_lower() {
	mkdir -p data/d
	echo a > data/a
}
script=$(cat <<'EOS'
cd /data
echo n > n
mkdir nd
exec 3< a 4< n 5< d 6< nd 7< /proc/self/status
ovlprobe fstatfs 3 4 5 6 7
chmod 600 a
ovlprobe fstatfs 3
stat -f -c %T /data /data/a /data/n
EOS
)
