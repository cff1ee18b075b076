# fstat and statx (AT_EMPTY_PATH) through fds on lower and upper files and
# dirs: as opened, after a copy-up by another name's change (chmod, append)
# and after the name is removed.  ovlrun answers a lower file's fd from the
# real file until the file may have been copied up (overlay/copied.c), then
# by its path: both answers are checked here.
setup_lower() {
	mkdir -p data/d
	echo aaaa > data/a
	echo bbbbbb > data/b
	echo c > data/c
	echo x > data/d/x
}
script=$(cat <<'EOS'
cd /data
echo new > n
mkdir nd
exec 3< a 4< b 5< c 6< n 7< d 8< nd
ovlprobe fstat 3 a
ovlprobe fstat 4 b
ovlprobe fstat 6 n
ovlprobe fstat 7 d
ovlprobe fstat 8 nd
chmod 600 b
ovlprobe fstat 4 b
ovlprobe fstat 3 a
echo more >> a
ovlprobe fstat 3 a
rm c
ovlprobe fstat 5 c
chmod 700 n
ovlprobe fstat 6 n
touch d/y
ovlprobe fstat 7 d
EOS
)
